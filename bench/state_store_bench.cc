// Run lifecycles per second through the StateStore: enqueue -> claim -> task run started ->
// task run finished -> run finished, on SQLite (a WAL file) and on PostgreSQL on loopback (a
// server this benchmark starts, fsync on, unless ORC_BENCH_POSTGRES_URL names one).
//
// Bars (this 2-core machine): >= 5,000 runs/s on SQLite, >= 2,000 runs/s on PostgreSQL.
// Reference: graphile-worker publishes ~15,600 jobs/s unbatched on a 24-core desktop.
//
// ORC_BENCH_BACKENDS=sqlite|postgres measures one backend; ORC_BENCH_THREADS=N measures PostgreSQL
// with N threads only; ORC_BENCH_STEPS=1 prints each step's time; ORC_BENCH_POSTGRES_URL names a
// server to use instead of starting one; ORC_BENCH_REPEAT=N takes the median of N measurements
// (default 3).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_postgres.h"
#include "bench_support.h"
#include "common/uuid.h"
#include "state/postgres/postgres_connection.h"
#include "state/state_store.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

constexpr double kSqliteBar = 5000;
constexpr double kPostgresBar = 2000;
constexpr double kGraphileWorkerReference = 15600;

// Timings of each step, summed over a thread's lifecycles.
struct StepTimes {
  double enqueue = 0, claim = 0, task_run_start = 0, finish = 0;
};

double Since(std::chrono::steady_clock::time_point& mark) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - mark).count();
  mark = now;
  return seconds;
}

// One lifecycle. With several threads the run claimed may be another thread's (any queued run
// is fair game), and a claim may find nothing when others took them all: `finished` counts the
// runs this call completed.
Status Lifecycle(StateStore& store, const Job& job, const std::string& owner, int* finished,
                 StepTimes* times) {
  auto mark = std::chrono::steady_clock::now();
  ORC_RETURN_IF_ERROR(store.EnqueueRun({.job_id = job.job_id}).status());
  times->enqueue += Since(mark);
  ORC_ASSIGN_OR_RETURN(std::optional<Run> claimed, store.ClaimRun(owner, std::chrono::seconds(60)));
  times->claim += Since(mark);
  if (!claimed) return Status::Ok();
  TaskRun task_run{.run_id = claimed->run_id,
                   .task_id = job.tasks[0].task_id,
                   .task_name = job.tasks[0].task_name,
                   .task_order = 1,
                   .status = TaskRunStatus::kRunning,
                   .attempts = 1,
                   .started_at = SystemClock::Instance().Now()};
  ORC_RETURN_IF_ERROR(store.SaveTaskRun(task_run, owner));
  times->task_run_start += Since(mark);
  task_run.status = TaskRunStatus::kSuccess;
  task_run.finished_at = SystemClock::Instance().Now();
  task_run.rows_loaded = 1;
  ORC_RETURN_IF_ERROR(
      store.FinishRun(claimed->run_id, owner, {.rows_loaded = 1, .task_runs = {task_run}})
          .status());
  times->finish += Since(mark);
  ++*finished;
  return Status::Ok();
}

// Runs `total` lifecycles on `threads` threads and returns lifecycles per second, or -1 on error.
// One job per thread, each allowing `threads` runs at once: a claim takes any thread's run, and
// never waits on max_active_runs (with the default of 1, claimers of one job took turns on its
// row). Also prints the busy CPU time of the whole machine (orc and the server) per lifecycle:
// on this machine the rate is about the cores divided by it. `relaxed`: PostgreSQL
// bookkeeping commits do not wait for the WAL flush (orc's default).
double Measure(const std::string& url, int threads, int total, bool relaxed = true) {
  StateStoreOptions options;
  options.max_connections = static_cast<size_t>(threads);
  options.relaxed_bookkeeping_commits = relaxed;
  Result<std::unique_ptr<StateStore>> opened =
      OpenStateStore(*ParseDatabaseUrl(url), SystemClock::Instance(), options);
  if (!opened.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", url.c_str(), opened.status().ToString().c_str());
    return -1;
  }
  StateStore& store = **opened;
  std::vector<Job> jobs;
  for (int t = 0; t < threads; ++t) {
    Job job;
    job.job_name = "bench " + NewUuidV4();
    job.max_active_runs = threads;
    job.tasks.push_back(Task{.task_name = "select_1", .transform_config = R"({"type":"sql"})"});
    jobs.push_back(*store.CreateJob(job));
  }
  std::atomic<bool> failed{false};
  std::atomic<int> finished{0};
  std::vector<StepTimes> times(static_cast<size_t>(threads));
  const auto started = std::chrono::steady_clock::now();
  const double busy_before = MachineBusySeconds();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string owner = "bench-" + std::to_string(t);
      int done = 0;
      for (int i = 0; i < total / threads && !failed; ++i) {
        if (Status status = Lifecycle(store, jobs[t], owner, &done, &times[t]); !status.ok()) {
          std::fprintf(stderr, "lifecycle failed: %s\n", status.ToString().c_str());
          failed = true;
        }
      }
      finished += done;
    });
  }
  for (auto& worker : workers) worker.join();
  // Runs another thread enqueued after this one's last claim are still queued: finish them too.
  while (!failed) {
    Result<std::optional<Run>> run = store.ClaimRun("bench-drain", std::chrono::seconds(60));
    if (!run.ok() || !*run) break;
    if (!store.FinishRun((*run)->run_id, "bench-drain", {}).ok()) failed = true;
    ++finished;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (failed) return -1;
  std::printf("    busy CPU per lifecycle, whole machine: %.0f us\n",
              (MachineBusySeconds() - busy_before) / finished * 1e6);
  if (std::getenv("ORC_BENCH_STEPS") != nullptr) {
    const StepTimes& t0 = times[0];
    const double n = total / threads;
    std::printf(
        "    per lifecycle (thread 0): enqueue %.0f us, claim %.0f us, task run started "
        "%.0f us, finish with its task run %.0f us\n",
        t0.enqueue / n * 1e6, t0.claim / n * 1e6, t0.task_run_start / n * 1e6, t0.finish / n * 1e6);
  }
  return finished / seconds;
}

// The server's floor in this run: single-row UPDATEs by primary key per second, `threads`
// connections with asynchronous commits, through the same client layer. A lifecycle is four
// statements (one of them committed durably), so a lifecycle costing four of these would run at a
// quarter of this rate. -1 on error.
double MeasureFloor(const std::string& url, int threads, int per_thread) {
  const PostgresOptions options{.uri = url, .redacted = "the benchmark's server"};
  std::vector<std::unique_ptr<SqlConnection>> connections;
  for (int t = 0; t < threads; ++t) {
    Result<std::unique_ptr<SqlConnection>> connection = OpenPostgresConnection(options);
    if (!connection.ok() || !(*connection)->ExecuteScript("SET synchronous_commit = off").ok()) {
      return -1;
    }
    connections.push_back(std::move(*connection));
  }
  if (!connections[0]
           ->ExecuteScript("DROP TABLE IF EXISTS bench_floor; "
                           "CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); "
                           "INSERT INTO bench_floor SELECT i, 0 FROM generate_series(0, 63) i")
           .ok()) {
    return -1;
  }
  std::atomic<bool> failed{false};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread && !failed; ++i) {
        if (!connections[t]
                 ->Execute("UPDATE bench_floor SET n = n + 1 WHERE id = $1", {int64_t{t}})
                 .ok()) {
          failed = true;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  (void)connections[0]->ExecuteScript("DROP TABLE bench_floor");
  return failed ? -1 : threads * per_thread / seconds;
}

// This machine's speed drifts from minute to minute (the same build measures up to 20% apart), so
// each figure is the median of a few measurements, all printed. ORC_BENCH_REPEAT=N changes how
// many (default 3). -1 when one failed.
double MedianOf(const std::function<double()>& measure) {
  const char* repeat = std::getenv("ORC_BENCH_REPEAT");
  const int repetitions = repeat != nullptr && std::atoi(repeat) > 0 ? std::atoi(repeat) : 3;
  std::vector<double> rates;
  for (int i = 0; i < repetitions; ++i) {
    const double rate = measure();
    if (rate < 0) return -1;
    rates.push_back(rate);
  }
  std::string list;
  for (const double rate : rates)
    list += (list.empty() ? "" : ", ") + std::to_string(std::lround(rate));
  std::printf("    %d measurements: %s runs/s; the median is reported\n", repetitions,
              list.c_str());
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

void Report(const char* backend, int threads, double per_second, double bar) {
  std::printf(
      "  %-24s %d thread%s  %8.0f runs/s   bar %5.0f: %.2fx %s   graphile-worker %5.0f: %.2fx\n",
      backend, threads, threads == 1 ? " " : "s", per_second, bar, per_second / bar,
      per_second >= bar ? "(met)" : "(NOT met)", kGraphileWorkerReference,
      per_second / kGraphileWorkerReference);
}

}  // namespace
}  // namespace orc

int main() {
  using namespace orc;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Output piped into `head` must not kill the benchmark before it stops its PostgreSQL server.
  std::signal(SIGPIPE, SIG_IGN);
  constexpr int kRuns = 20000;
  std::printf(
      "state store: run lifecycles per second (enqueue, claim, start and finish a task "
      "run, finish the run), %d runs each\n",
      kRuns);
  // ORC_BENCH_BACKENDS=sqlite (or postgres) measures one backend only.
  if (BenchBackendWanted("sqlite")) {
    testing::TempDir directory;
    for (int threads : {1, 2, 4, 8}) {
      const std::string url = "sqlite:" + directory.File("bench" + std::to_string(threads) + ".db");
      const double per_second = MedianOf([&] { return Measure(url, threads, kRuns); });
      Report("sqlite", threads, per_second, kSqliteBar);
    }
  }
  if (!BenchBackendWanted("postgres")) return 0;
  BenchPostgres postgres;
  if (postgres.url().empty()) {
    std::printf("  postgres: could not start a server (see above)\n");
    return 1;
  }
  // ORC_BENCH_THREADS=8 measures that many threads only, and skips the synchronous comparison.
  const char* only_threads = std::getenv("ORC_BENCH_THREADS");
  const bool only = only_threads != nullptr && *only_threads != '\0';
  double best = 0;
  for (int threads : only ? std::vector<int>{std::atoi(only_threads)} : std::vector<int>{1, 4, 8}) {
    const double per_second = MedianOf([&] { return Measure(postgres.url(), threads, kRuns / 2); });
    Report("postgres", threads, per_second, kPostgresBar);
    best = std::max(best, per_second);
  }
  constexpr int kFloorThreads = 8;
  const double floor = MeasureFloor(postgres.url(), kFloorThreads, 5000);
  std::printf(
      "  postgres floor, same server: %.0f single-row UPDATEs/s (%d connections, asynchronous "
      "commits); best lifecycles/s above = %.2f of a quarter of that\n",
      floor, kFloorThreads, best / (floor / 4));
  if (only) return 0;
  // The same with every commit waiting for the WAL flush, for comparison.
  for (int threads : {1, 4}) {
    Report("postgres (all synchronous)", threads,
           Measure(postgres.url(), threads, kRuns / 4, /*relaxed=*/false), kPostgresBar);
  }
  return 0;
}
