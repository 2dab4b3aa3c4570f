#!/usr/bin/env bash
# API latency under load: wrk (keep-alive, 2 threads, 50 connections) against a real orc serve on
# SQLite with 1,000 jobs, for GET /health, GET /jobs?limit=100, GET /runs/{id} and
# POST /jobs/{id}/run; then the same while 8 runs load CSV files into DuckDB (--workers 8).
# Bars (this 2-core machine): p99 under 10 ms for the reads; under 50 ms while the 8 runs load.
#   bench/api_bench.sh [build/release/orc] [seconds per endpoint]
# Two binaries side by side (no loads): both serve at once, each endpoint is measured on them in
# turn, ROUNDS times (default 3), and the medians and their ratios (new / old) are printed:
#   bench/api_bench.sh build/release/orc 5 /path/to/old/orc
set -euo pipefail
orc="${1:-build/release/orc}"
seconds="${2:-10}"
baseline="${3:-}"
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
orc="$(absolute "$orc")"
command -v wrk >/dev/null || { echo "api_bench: wrk is not installed (scripts/install-deps)"; exit 1; }
if [ -n "$baseline" ]; then
  baseline="$(absolute "$baseline")"
  rounds="${ROUNDS:-3}"
  work="$(mktemp -d)"
  trap 'kill $(cat "$work/pids" 2>/dev/null) 2>/dev/null; sleep 0.5; rm -rf "$work"' EXIT
  # start NAME BINARY: serves on a free port with 1,000 jobs; prints the base URL and a job id.
  start() {
    mkdir -p "$work/$1"
    (cd "$work/$1" && exec "$2" serve --bind 127.0.0.1:0 --database-url "sqlite:$work/$1/orc.db" \
      --log-level warn --workers 2 2>"$work/$1/serve.log") &
    local pid=$! port=""
    echo "$pid" >>"$work/pids"  # start runs in a subshell: the trap reads the file
    for _ in $(seq 100); do
      port="$(ss -ltnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4, a, ":"); print a[length(a)]}' | head -1)"
      [ -n "$port" ] && break
      sleep 0.05
    done
    [ -n "$port" ] || { echo "api_bench: $2 did not start" >&2; cat "$work/$1/serve.log" >&2; exit 1; }
    for i in $(seq 1 1000); do
      printf '{"job_name":"job %d","schedule":"0 3 * * *","tasks":[{"transform_config":{"type":"sql","db_path":":memory:","sql":"select 1"}}]}\n' "$i"
    done | xargs -P 4 -d '\n' -I{} curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/jobs"
    # A paused job: its manual runs queue up without being executed during the measurement.
    local job
    job="$(curl -s -X POST -H 'Content-Type: application/json' -d '{"job_name":"target","is_active":false,"max_active_runs":1,"tasks":[{"transform_config":{"type":"sql","db_path":":memory:","sql":"select 1"}}]}' "http://127.0.0.1:$port/jobs" | sed -E 's/.*"job_id":"([^"]+)".*/\1/')"
    echo "http://127.0.0.1:$port $job"
  }
  read -r new_base new_job < <(start new "$orc")
  read -r old_base old_job < <(start old "$baseline")
  echo 'wrk.method = "POST"' >"$work/post.lua"
  # POST with an Idempotency-Key, a new one per request (unique per thread and round)...
  cat >"$work/keyed.lua" <<'LUA'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) counter = 0; math.randomseed(os.time() * 100 + id); prefix = id .. "-" .. math.random(1, 1e9) end
function request() counter = counter + 1; return wrk.format("POST", nil, {["Idempotency-Key"] = prefix .. "-" .. counter}) end
LUA
  # ...or the same one every time: all but the first are answered from the stored reply.
  printf 'wrk.method = "POST"\nwrk.headers["Idempotency-Key"] = "bench-replay"\n' >"$work/replay.lua"
  # one URL [SCRIPT]: "requests/s p99_ms" of one wrk run.
  one() {
    wrk -t2 -c50 -d"${seconds}s" --latency ${2:+-s "$2"} "$1" | awk '
      /Requests\/sec/ {rps = $2}
      $1 == "99%" {v = $2; if (v ~ /us$/) {sub("us", "", v); v /= 1000} else if (v ~ /ms$/) {sub("ms", "", v)} else {sub("s", "", v); v *= 1000}; p99 = v}
      END {printf "%s %s\n", rps, p99}'
  }
  median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
  echo "api: wrk -t2 -c50 -d${seconds}s, SQLite, 1000 jobs; $rounds alternating rounds, medians"
  echo "  new: $orc"
  echo "  old: $baseline"
  printf '  %-30s %10s %10s %6s   %9s %9s %6s\n' endpoint "new req/s" "old req/s" ratio "new p99" "old p99" ratio
  # "keyed" and "replayed" send an Idempotency-Key; an old binary without them ignores it, so
  # their ratio is then the cost of the key against an unkeyed trigger.
  for endpoint in "GET /health" "GET /jobs?limit=100" "POST /jobs/{id}/run" \
    "POST /jobs/{id}/run keyed" "POST /jobs/{id}/run replayed"; do
    path="${endpoint#* }"
    path="${path%% *}"
    script=""
    [ "${endpoint%% *}" = POST ] && script="$work/post.lua"
    [ "${endpoint##* }" = keyed ] && script="$work/keyed.lua"
    [ "${endpoint##* }" = replayed ] && script="$work/replay.lua"
    : >"$work/new.txt"
    : >"$work/old.txt"
    for _ in $(seq "$rounds"); do
      one "$new_base${path/\{id\}/$new_job}" "$script" >>"$work/new.txt"
      one "$old_base${path/\{id\}/$old_job}" "$script" >>"$work/old.txt"
    done
    new_rps="$(cut -d' ' -f1 "$work/new.txt" | median)"; old_rps="$(cut -d' ' -f1 "$work/old.txt" | median)"
    new_p99="$(cut -d' ' -f2 "$work/new.txt" | median)"; old_p99="$(cut -d' ' -f2 "$work/old.txt" | median)"
    awk -v e="$endpoint" -v nr="$new_rps" -v or="$old_rps" -v np="$new_p99" -v op="$old_p99" 'BEGIN {
      printf "  %-30s %10.0f %10.0f %5.2fx   %7.2fms %7.2fms %5.2fx\n", e, nr, or, nr / or, np, op, np / op}'
  done
  exit 0
fi
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
"$orc" serve --bind 127.0.0.1:0 --database-url "sqlite:$work/orc.db" --log-level warn \
  --workers 8 2>"$work/serve.log" &
pid=$!
# The port is in the startup line; warn level hides it, so ask the kernel which port orc holds.
for _ in $(seq 100); do
  port="$(ss -ltnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4, a, ":"); print a[length(a)]}' | head -1)"
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "${port:-}" ] || { echo "api_bench: orc did not start"; cat "$work/serve.log"; exit 1; }
base="http://127.0.0.1:$port"
# Daily schedules: each job has a next_run_at to compute and show, and none fires during the
# measurement (1,000 schedules firing in the same second is another load: 1,000 runs at once).
for i in $(seq 1 1000); do
  printf '{"job_name":"job %d","schedule":"0 3 * * *","tasks":[{"transform_config":{"type":"sql","db_path":":memory:","sql":"select 1"}}]}\n' "$i"
done | xargs -P 4 -d '\n' -I{} curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' "$base/jobs"
job="$(curl -s "$base/jobs?limit=1" | sed -E 's/.*"job_id":"([^"]+)".*/\1/')"
run="$(curl -s -X POST "$base/jobs/$job/run" | sed -E 's/.*"run_id":"([^"]+)".*/\1/')"
echo "api: wrk -t2 -c50 -d${seconds}s, SQLite, 1000 jobs"
echo 'wrk.method = "POST"' >"$work/post.lua"
# measure PATH BAR_MS [METHOD]: one line of requests/s and p99 against the bar.
measure() {
  local out rps p99 ms verdict
  out="$(wrk -t2 -c50 -d"${seconds}s" --latency ${3:+-s "$work/post.lua"} "$base$1")"
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p99="$(echo "$out" | awk '$1 == "99%" {print $2}')"
  ms="$(echo "$p99" | awk '/us$/ {sub("us",""); print $1/1000; next} /ms$/ {sub("ms",""); print $1; next} /s$/ {sub("s",""); print $1*1000}')"
  verdict="$(awk -v ms="$ms" -v bar="$2" 'BEGIN {print (ms < bar ? "(met)" : "(NOT met)")}')"
  printf '  %-24s %10s req/s   p99 %8s   bar %sms: %s\n' "${3:+POST }${1:0:24}" "$rps" "$p99" "$2" "$verdict"
}
for path in /health "/jobs?limit=100" "/runs/$run"; do measure "$path" 10; done
measure "/jobs/$job/run" 10 POST

# 8 jobs each loading a 2M-row CSV into its own DuckDB file, 3 runs queued per job, so that the
# loads go on for the whole measurement.
post() { curl -s -X POST -H 'Content-Type: application/json' -d @"$2" "$base$1"; }
cat >"$work/maker.json" <<JSON
{"job_name": "make data", "tasks": [{"task_name": "csv", "transform_config": {"type": "sql",
 "db_path": ":memory:", "sql": "COPY (SELECT i AS id, md5(i::VARCHAR) AS name, i * 0.5 AS amount FROM range(2000000) t(i)) TO '$work/data/data.csv' (HEADER)"}}]}
JSON
maker="$(post /jobs "$work/maker.json" | sed -E 's/.*"job_id":"([^"]+)".*/\1/')"
curl -s -X POST "$base/jobs/$maker/run" >/dev/null
for _ in $(seq 600); do
  curl -s "$base/runs?job_id=$maker&status=success" | grep -q run_id && break
  sleep 0.1
done
for i in $(seq 1 8); do
  cat >"$work/load$i.json" <<JSON
{"job_name": "load $i", "tasks": [{"task_name": "load",
 "extractor_config": {"type": "csv", "path": "$work/data/data.csv"},
 "loader_config": {"type": "duckdb", "db_path": "$work/data/out$i.duckdb", "table_name": "t"}}]}
JSON
  load="$(post /jobs "$work/load$i.json" | sed -E 's/.*"job_id":"([^"]+)".*/\1/')"
  for _ in 1 2 3; do curl -s -X POST "$base/jobs/$load/run" >/dev/null; done
done
active() { curl -s "$base/metrics" | awk '$1 == "orc_active_workers" {print $2}'; }
for _ in $(seq 100); do [ "$(active)" = "8" ] && break; sleep 0.1; done
echo "while runs load CSV files into DuckDB ($(active) running):"
for path in /health "/jobs?limit=100" "/runs/$run"; do measure "$path" 50; done
echo "  (still running at the end: $(active))"
