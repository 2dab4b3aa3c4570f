// Scale-out: several orc processes sharing one PostgreSQL server (started here, fsync on), each
// figure printed beside its bar or reference, all in one run against the same server:
//   1. throughput with I/O-bound tasks: 1, 2 and 4 worker processes of 8 workers each, every task
//      sleeping 50 ms (so that the 2 cores are not the limit); N one-task runs of 64 jobs queued
//      at once (one EnqueueSlots from this process), from the enqueue to the last run finished.
//      Bar: >= 3.6x the runs/s of 1 process at 4. The worker processes are this binary re-run
//      with a hidden argument, each wired as `orc serve --roles worker` is (its own state store,
//      a WorkerManager, a NodeHeartbeat, a ChangeFeed whose runs_queued wakes the workers),
//      except that each worker's AttemptRunner is in-process and only sleeps: claims, leases,
//      task-run bookkeeping, notifications and finishes are all real. Each round also prints the
//      CPU a run costs (the worker processes, the PostgreSQL server, the rest of the machine) and
//      the server's transactions a run.
//   2. dispatch latency across processes: a real `orc serve --roles api` and a real `orc serve
//      --roles worker` (2 workers, executor processes), a trivial task (SQL `select 1` in
//      :memory:), 1,000 triggers one at a time through the API (POST /jobs/{id}/run), each waited
//      to finish. Latency = the run's started_at - queued_at (the API process stamps the one, the
//      worker process the other, on one machine's clock), as stored (microseconds) and as GET
//      /runs/{id} reports them (milliseconds). Bars: p50 <= 3 ms, p99 <= 15 ms. Reference: the
//      polling lane, measured here with a worker process of this binary wired as orc serve's
//      (executor processes) but without a change feed, each trigger after a random pause of
//      0-1 s; p50 0.47-0.53 s measured before notifications existed.
//   3. 10,000 jobs firing every minute ("* * * * *"), three `orc serve --roles scheduler`
//      processes, no workers, in a database of their own on the server, for ORC_BENCH_MINUTES
//      minute boundaries: every (job, slot) has exactly one run; fire lag p50/p99/max as
//      queued_at - slot and as the commit time of the run's transaction
//      (pg_xact_commit_timestamp) - slot. Bar: p99 <= 50 ms. The standby schedulers write
//      nothing: the server logs every statement with its application name (each scheduler runs
//      with PGAPPNAME=scheduler-N), and the writing statements are counted per process, leaving
//      out the node heartbeat (INSERT/UPDATE/DELETE on nodes), split into the scheduler's own and
//      the notifier's (every orc process runs one); the table counters say which rows changed.
//   4. beside them, bench_state_store's PostgreSQL lifecycle figure (that binary run with
//      ORC_BENCH_BACKENDS=postgres on this server, before part 3, whose runs stay queued).
//      Bar: >= 2,000 runs/s.
//
// The machine has 2 cores shared with other work: every part prints the load average and the
// machine's busy CPU, and figures taken under load are noisy.
//
// Environment: ORC_BENCH_PARTS (default "1234") the parts to run; ORC_BENCH_MINUTES (2) minute
// boundaries of part 3; ORC_BENCH_SCHEDULED_JOBS (10000); ORC_BENCH_ROUND_SECONDS (6) how long a
// round of part 1 would last at the ideal rate (N = processes x 8 workers x 20 runs/s x this);
// ORC_BENCH_DISPATCH_RUNS (1000); ORC_BENCH_POLLING_RUNS (20; 0 cites the earlier figure instead
// of measuring the polling lane); ORC_BENCH_LOG_STATEMENTS (all; "none" turns the statement log
// of part 3 off, to see what logging costs the lag); ORC_BENCH_SCHEDULER_DATABASE (own; "shared":
// part 3 in the database of the other parts, whose finished runs leave notices for the
// schedulers' notifiers to settle); ORC_BENCH_LIFECYCLE_THREADS (8); ORC_BENCH_POSTGRES_URL a
// server to use instead of starting one (as it is configured: the commit lag needs
// track_commit_timestamp, the standbys' writes and the server's CPU are not measured).
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_postgres.h"
#include "bench_support.h"
#include "common/logging.h"
#include "common/random_source.h"
#include "common/termination_signals.h"
#include "common/time_format.h"
#include "plugins/plugin_registry.h"
#include "state/change_feed.h"
#include "state/postgres/postgres_connection.h"
#include "state/state_store.h"
#include "support/temp_dir.h"
#include "worker/node_heartbeat.h"
#include "worker/worker_manager.h"

extern char** environ;

namespace orc {
namespace {

using namespace std::chrono_literals;

constexpr int kWorkersPerProcess = 8;
constexpr Duration kTaskSleep = 50ms;
constexpr double kScalingBar = 3.6;
constexpr double kDispatchP50BarMs = 3;
constexpr double kDispatchP99BarMs = 15;
constexpr double kPollingLaneLowS = 0.47, kPollingLaneHighS = 0.53;
constexpr double kFireLagBarMs = 50;
constexpr double kLifecycleBar = 2000;

const char* Verdict(bool met) { return met ? "(met)" : "(NOT met)"; }

// Ends the benchmark: thrown to main, so that on the way the processes it started are stopped
// and its PostgreSQL server too.
[[noreturn]] void Die(const std::string& message) { throw std::runtime_error(message); }

double Ms(Duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

// The value at `percent` of sorted `values` (the convention of the other benchmarks).
double Percentile(const std::vector<double>& sorted, int percent) {
  return sorted[std::min(sorted.size() - 1, sorted.size() * percent / 100)];
}

// The machine's processors, for busy CPU as a share of all of them.
int Cores() { return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))); }

std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "?";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return text;
}

// CPU seconds of a PostgreSQL server: the postmaster, its live backends, and the backends it
// reaped (the postmaster's children's times); 0 when `data_directory` is empty.
double PostgresCpuSeconds(const std::string& data_directory) {
  if (data_directory.empty()) return 0;
  pid_t postmaster = 0;
  std::ifstream(data_directory + "/postmaster.pid") >> postmaster;
  if (postmaster <= 0) return 0;
  return TreeCpuSeconds(postmaster) + StatSeconds(postmaster, 16, 17);
}

// Starts `args` with this environment plus `env` ("NAME=value"), its output into `output`.
pid_t Spawn(const std::vector<std::string>& args, const std::string& output,
            const std::vector<std::string>& env = {}) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> environment(env);
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    const bool replaced = std::any_of(env.begin(), env.end(), [&](const std::string& mine) {
      return mine.substr(0, mine.find('=')) == name;
    });
    if (!replaced) environment.push_back(text);
  }
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) {
    Die("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

void Stop(pid_t pid) {
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

// Processes started here, stopped (SIGTERM, then waited for) when it goes away.
class Children {
 public:
  Children() = default;
  ~Children() { StopAll(); }
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  void Add(pid_t pid) { pids_.push_back(pid); }
  void StopAll() {
    for (pid_t pid : pids_) Stop(pid);
    pids_.clear();
  }
  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  std::vector<pid_t> pids_;
};

std::string ReadFile(const std::string& path, size_t from = 0) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t FileSize(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<size_t>(size);
}

std::unique_ptr<SqlConnection> Connect(const std::string& url) {
  Result<std::unique_ptr<SqlConnection>> connection =
      OpenPostgresConnection({.uri = url, .redacted = "the benchmark's server"});
  if (!connection.ok()) Die(connection.status().ToString());
  return std::move(*connection);
}

SqlRows Query(SqlConnection& sql, const std::string& statement,
              const std::vector<SqlValue>& params = {}) {
  Result<SqlRows> rows = sql.Execute(statement, params);
  if (!rows.ok()) Die(statement + ": " + rows.status().ToString());
  return std::move(*rows);
}

// A statement outside any transaction (ALTER SYSTEM), by the simple protocol.
void Admin(SqlConnection& sql, const std::string& statement) {
  if (Status done = sql.ExecuteScript(statement); !done.ok()) {
    Die(statement + ": " + done.ToString());
  }
}

// ---------------------------------------------------------------------------------------------
// The worker process of part 1: what `orc serve --roles worker` wires up
// (src/cli/serve_command.cc), duplicated here, with an in-process runner whose attempts sleep.

class SleepingRunner final : public AttemptRunner {
 public:
  Status Start() override { return Status::Ok(); }
  TaskReport Run(const TaskAssignment&, Interrupter& interrupter, const LogSink&,
                 const ProgressSink&) override {
    std::mutex mutex;
    std::condition_variable woken;
    bool interrupted = false;
    const Interrupter::Registration registration = interrupter.OnInterrupt([&] {
      {
        std::lock_guard lock(mutex);
        interrupted = true;
      }
      woken.notify_all();
    });
    {
      std::unique_lock lock(mutex);
      woken.wait_for(lock, kTaskSleep, [&] { return interrupted; });
    }
    if (interrupter.interrupted()) return {.status = interrupter.reason()};
    return {.status = Status::Ok(), .rows = 1};
  }
  const std::string& sandbox() const override { return sandbox_; }

 private:
  const std::string sandbox_ = "in-process, sleeps";
};

// `executors`: each worker runs its attempts in an executor process of the orc binary, as orc
// serve does, instead of sleeping in-process. `listen`: a ChangeFeed wakes the workers; without
// one they find runs queued elsewhere by polling (every poll_interval, 1 s, as before the feed).
int WorkerProcessMain(const std::string& url, int workers, const std::string& ready_file,
                      bool executors, bool listen) {
  TerminationSignals termination_signals;  // before any thread
  InitLogging(LogLevel::kWarn);
  Clock& clock = SystemClock::Instance();
  const Result<DatabaseUrl> database = ParseDatabaseUrl(url);
  if (!database.ok()) return Fail(database.status());
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(*database, clock);
  if (!store.ok()) return Fail(store.status());
  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  SeededRandom random(SeededRandom::UnpredictableSeed());
  testing::TempDir data_dir;
  const std::string node_id = NewNodeId();
  const Duration node_timeout = 5s;
  WorkerManager manager(
      **store, plugins, clock, random,
      WorkerManagerOptions{.workers = workers,
                           .lease = 30s,
                           .heartbeat = 1s,
                           .reap_interval = 1s,
                           .node_timeout = node_timeout,
                           .node_id = node_id,
                           .executor = {.command = {ORC_BINARY_PATH, "executor"},
                                        .settings = {.data_dir = data_dir.path()}},
                           .make_runner = executors
                                              ? std::function<std::unique_ptr<AttemptRunner>()>()
                                              : [] { return std::make_unique<SleepingRunner>(); }});
  NodeHeartbeat heartbeat(
      **store, clock,
      NodeInfo{.node_id = node_id,
               .host = "bench",
               .roles = {"worker"},
               .version = "bench",
               .started_at = clock.Now(),
               .workers = workers},
      NodeHeartbeatOptions{.interval = 1s,
                           .node_timeout = node_timeout,
                           .fence_after = node_timeout * 3 / 5,
                           .busy_workers = [&manager] { return manager.stats().active_runs; },
                           .on_silent = [&manager] { manager.Fence(); },
                           .on_heard = [&manager] { manager.Unfence(); }});
  if (Status started = heartbeat.Start(); !started.ok()) return Fail(started);
  ChangeHandlers handlers;
  handlers.runs_queued = [&manager] { manager.RunEnqueued(); };
  handlers.cancel_requested = [&manager](const std::string& run_id) {
    manager.CancelRequested(run_id);
  };
  handlers.resumed = [&manager] { manager.RunEnqueued(); };
  std::unique_ptr<ChangeFeed> changes =
      listen ? OpenChangeFeed(*database, std::move(handlers)) : nullptr;
  if (listen && changes == nullptr) return Fail(InvalidArgumentError("no feed: not PostgreSQL"));
  if (changes != nullptr) {
    if (Status started = changes->Start(); !started.ok()) return Fail(started);
  }
  if (Status started = manager.Start(); !started.ok()) return Fail(started);
  if (changes != nullptr) {
    for (int i = 0; i < 1000 && !changes->listening(); ++i) std::this_thread::sleep_for(10ms);
    if (!changes->listening()) return Fail(UnavailableError("the change feed does not listen"));
  }
  std::ofstream(ready_file) << "ready\n";
  termination_signals.Wait();
  manager.Shutdown(0s);
  if (changes != nullptr) changes->Stop();
  heartbeat.Stop();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Part 1: throughput scaling.

struct ScalingRound {
  int processes = 0;
  int runs = 0;
  int succeeded = 0;
  double from_enqueue_s = 0;          // the enqueue call's start -> the last run finished
  double enqueue_s = 0;               // the enqueue call (one transaction, N inserts)
  double from_commit_s = 0;           // the enqueue's return -> the last run finished
  double first_claim_ms = 0;          // the enqueue's return -> the first run started
  double worker_cpu_s = 0;            // the worker processes' CPU over the round
  double machine_busy_s = 0;          // the whole machine's busy CPU over the round
  double postgres_cpu_s = 0;          // the PostgreSQL server's CPU over the round
  double commits = 0, rollbacks = 0;  // transactions of the server, this process's polls left out
  double runs_per_s() const { return runs / from_enqueue_s; }
  double runs_per_s_from_commit() const { return runs / from_commit_s; }
};

ScalingRound MeasureScaling(const std::string& self, const std::string& url,
                            const std::string& postgres_data, StateStore& store, SqlConnection& sql,
                            const std::vector<std::string>& job_ids, int processes, int runs,
                            const testing::TempDir& dir) {
  auto transactions = [&sql] {
    const SqlRows rows = Query(sql,
                               "SELECT xact_commit, xact_rollback FROM pg_stat_database "
                               "WHERE datname = current_database()");
    return std::pair{rows.Int(0, 0), rows.Int(0, 1)};
  };
  static int round = 0;
  ++round;
  Children children;
  const std::vector<pid_t>& pids = children.pids();
  std::vector<std::string> ready_files;
  for (int p = 0; p < processes; ++p) {
    const std::string name = "worker-" + std::to_string(round) + "-" + std::to_string(p);
    ready_files.push_back(dir.File(name + ".ready"));
    children.Add(Spawn({self, "--worker-process", url, std::to_string(kWorkersPerProcess),
                        ready_files.back(), "sleep", "listen"},
                       dir.File(name + ".log")));
  }
  for (int i = 0; i < 3000; ++i) {
    if (std::all_of(ready_files.begin(), ready_files.end(),
                    [](const std::string& file) { return std::filesystem::exists(file); })) {
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  for (size_t p = 0; p < ready_files.size(); ++p) {
    if (!std::filesystem::exists(ready_files[p])) {
      Die("worker process " + std::to_string(p) + " did not start; see " + dir.path());
    }
  }
  // Every run a slot of its own (EnqueueSlots wants one), a day ago; the jobs in turn.
  const TimePoint base = SystemClock::Instance().Now() - 24h;
  std::vector<NewRun> new_runs;
  for (int i = 0; i < runs; ++i) {
    new_runs.push_back(NewRun{.job_id = job_ids[i % job_ids.size()],
                              .triggered_by = TriggeredBy::kScheduler,
                              .scheduled_for = base + std::chrono::microseconds(i)});
  }
  std::this_thread::sleep_for(1s);  // the new sessions' statistics flushed
  const auto transactions_before = transactions();
  double cpu_before = 0;
  for (pid_t pid : pids) cpu_before += TreeCpuSeconds(pid);
  const double busy_before = MachineBusySeconds();
  const double postgres_before = PostgresCpuSeconds(postgres_data);
  int polls = 0;
  const TimePoint enqueued = SystemClock::Instance().Now();
  Result<std::vector<Run>> created = store.EnqueueSlots(new_runs);
  const TimePoint committed = SystemClock::Instance().Now();
  if (!created.ok() || static_cast<int>(created->size()) != runs) {
    Die("enqueue failed: " +
        (created.ok() ? std::to_string(created->size()) + " runs" : created.status().ToString()));
  }
  const auto deadline = std::chrono::steady_clock::now() + 600s;
  while (true) {
    // Through the partial indexes of queued and running runs: a count of `status IN (...)`
    // reads the whole table (2 ms of the server's CPU at 7,000 runs), which the poll must not
    // take from the workers. The end is the last finished_at, not when the poll sees it.
    const SqlRows left = Query(sql,
                               "SELECT EXISTS (SELECT 1 FROM runs WHERE status = 'queued') OR "
                               "EXISTS (SELECT 1 FROM runs WHERE lease_expires_at IS NOT NULL "
                               "AND status = 'running')");
    ++polls;
    if (!left.Bool(0, 0)) break;
    if (std::chrono::steady_clock::now() > deadline) Die("the runs did not finish in 600 s");
    std::this_thread::sleep_for(20ms);
  }
  ScalingRound result{.processes = processes, .runs = runs};
  for (pid_t pid : pids) result.worker_cpu_s += TreeCpuSeconds(pid);
  result.worker_cpu_s -= cpu_before;
  result.machine_busy_s = MachineBusySeconds() - busy_before;
  result.postgres_cpu_s = PostgresCpuSeconds(postgres_data) - postgres_before;
  children.StopAll();
  std::this_thread::sleep_for(500ms);
  const auto transactions_after = transactions();
  result.commits =
      static_cast<double>(transactions_after.first - transactions_before.first - polls - 1);
  result.rollbacks = static_cast<double>(transactions_after.second - transactions_before.second);
  const SqlRows rows =
      Query(sql,
            "SELECT count(*) FILTER (WHERE status = 'success'), max(finished_at), min(started_at) "
            "FROM runs WHERE triggered_by = 'scheduler' AND scheduled_for BETWEEN $1 AND $2",
            {ToStoredTime(base), ToStoredTime(base + std::chrono::microseconds(runs))});
  result.succeeded = static_cast<int>(rows.Int(0, 0));
  const TimePoint last_finished = rows.Time(0, 1);
  result.from_enqueue_s = Ms(last_finished - enqueued) / 1000;
  result.enqueue_s = Ms(committed - enqueued) / 1000;
  result.from_commit_s = Ms(last_finished - committed) / 1000;
  result.first_claim_ms = Ms(rows.Time(0, 2) - committed);
  return result;
}

struct ScalingFigures {
  std::vector<ScalingRound> rounds;
  double ratio = 0;  // 4 processes / 1
};

ScalingFigures Scaling(const std::string& self, const std::string& url,
                       const std::string& postgres_data, StateStore& store, SqlConnection& sql) {
  const double round_seconds = std::atof(Env("ORC_BENCH_ROUND_SECONDS", "6").c_str());
  std::printf(
      "1. throughput scaling: worker processes of %d workers, each task sleeps %.0f ms, one-task "
      "runs queued at once (one EnqueueSlots), enqueue -> last run finished (load %s)\n",
      kWorkersPerProcess, Ms(kTaskSleep), LoadAverage().c_str());
  testing::TempDir dir;
  // Enough jobs that neither max_active_runs nor one job's running-run count (a row every claim
  // and finish updates) is what limits: 64 jobs, each allowing 1,000 runs at once.
  std::vector<std::string> job_ids;
  for (int i = 0; i < 64; ++i) {
    Result<Job> job = store.CreateJob(
        Job{.job_name = "throughput " + std::to_string(i),
            .max_active_runs = 1000,
            .tasks = {Task{
                .task_name = "sleep",
                .transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})"}}});
    if (!job.ok()) Die(job.status().ToString());
    job_ids.push_back(job->job_id);
  }
  ScalingFigures figures;
  for (int processes : {1, 2, 4}) {
    // What the round would take at the ideal rate (every worker always sleeping): round_seconds.
    const int runs =
        static_cast<int>(processes * kWorkersPerProcess * (1000 / Ms(kTaskSleep)) * round_seconds);
    const ScalingRound round =
        MeasureScaling(self, url, postgres_data, store, sql, job_ids, processes, runs, dir);
    const double ideal = processes * kWorkersPerProcess * 1000 / Ms(kTaskSleep);
    std::printf(
        "   %d process%s x %d workers: %5d runs in %6.2f s: %6.1f runs/s (%.0f%% of the ideal "
        "%.0f); enqueue %.2f s, from its commit %6.1f runs/s, first claim %.1f ms after it "
        "returned; "
        "%d succeeded\n",
        processes, processes == 1 ? "  " : "es", kWorkersPerProcess, round.runs,
        round.from_enqueue_s, round.runs_per_s(), 100 * round.runs_per_s() / ideal, ideal,
        round.enqueue_s, round.runs_per_s_from_commit(), round.first_claim_ms, round.succeeded);
    std::printf(
        "      CPU a run: machine %.2f ms (busy %.0f%% of %d cores), worker processes %.2f ms, "
        "PostgreSQL %.2f ms, the rest (this process, anything else running) %.2f ms; "
        "server transactions a run %.1f committed, %.2f rolled back; load %s\n",
        1000 * round.machine_busy_s / round.runs,
        100 * round.machine_busy_s / round.from_enqueue_s / Cores(), Cores(),
        1000 * round.worker_cpu_s / round.runs, 1000 * round.postgres_cpu_s / round.runs,
        1000 * (round.machine_busy_s - round.worker_cpu_s - round.postgres_cpu_s) / round.runs,
        round.commits / round.runs, round.rollbacks / round.runs, LoadAverage().c_str());
    figures.rounds.push_back(round);
  }
  const ScalingRound& one = figures.rounds[0];
  const ScalingRound& four = figures.rounds[2];
  figures.ratio = four.runs_per_s() / one.runs_per_s();
  std::printf(
      "   scaling: 2 processes %.2fx, 4 processes %.2fx the runs/s of 1 (bar %.1fx: %.2f of it) "
      "%s; from the enqueue's commit: 2 processes %.2fx, 4 processes %.2fx\n",
      figures.rounds[1].runs_per_s() / one.runs_per_s(), figures.ratio, kScalingBar,
      figures.ratio / kScalingBar, Verdict(figures.ratio >= kScalingBar),
      figures.rounds[1].runs_per_s_from_commit() / one.runs_per_s_from_commit(),
      four.runs_per_s_from_commit() / one.runs_per_s_from_commit());
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Parts 2 and 3: real `orc serve` processes.

// A running `orc serve` with some roles; its log in `dir`.
class OrcServe {
 public:
  OrcServe(const std::string& name, const std::string& roles, const std::string& url,
           const testing::TempDir& dir, const std::vector<std::string>& extra_args = {},
           const std::vector<std::string>& env = {})
      : log_(dir.File(name + ".log")) {
    std::filesystem::create_directories(dir.File(name + "-data"));
    std::vector<std::string> args = {
        ORC_BINARY_PATH, "serve",          "--roles", roles,        "--bind",
        "127.0.0.1:0",   "--database-url", url,       "--data-dir", dir.File(name + "-data")};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = Spawn(args, log_, env);
    const std::string marker = "listening on http://127.0.0.1:";
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      std::this_thread::sleep_for(10ms);
      const std::string content = ReadFile(log_);
      if (const size_t at = content.find(marker); at != std::string::npos) {
        port_ = std::atoi(content.c_str() + at + marker.size());
      }
    }
    if (port_ == 0) {
      Stop(pid_);
      Die("orc serve --roles " + roles + " did not start; see " + log_);
    }
  }
  ~OrcServe() {
    if (pid_ != 0) Stop(pid_);
  }
  OrcServe(const OrcServe&) = delete;
  OrcServe& operator=(const OrcServe&) = delete;

  void Terminate() {
    if (pid_ != 0) Stop(pid_);
    pid_ = 0;
  }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = 0;
  int port_ = 0;
};

TimePoint TimeOf(const nlohmann::json& value) {
  if (!value.is_string()) Die("no time: " + value.dump());
  Result<TimePoint> parsed = ParseRfc3339(value.get<std::string>());
  if (!parsed.ok()) Die("bad time " + value.dump());
  return *parsed;
}

struct Distribution {
  double p50 = 0, p99 = 0, max = 0;
};

Distribution Distribute(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  return {Percentile(values, 50), Percentile(values, 99), values.back()};
}

struct DispatchFigures {
  Distribution store;    // started_at - queued_at, microseconds as stored
  Distribution api;      // the same as the API reports them (milliseconds)
  Distribution polling;  // the same with a worker process that does not listen
  int runs = 0;
  bool met = false;
};

// What one trigger took, from the run's times (each stamped by the process that set it, on this
// machine's clock) and this process's.
struct DispatchSamples {
  std::vector<double> claim;      // queued_at -> started_at, as stored (microseconds)
  std::vector<double> claim_api;  // the same as GET /runs/{id} reports them (milliseconds)
  std::vector<double> to_queued, queued_to_answer, to_started, to_task, to_finished;
  int failed = 0;
};

// Triggers `count` runs of `job_id` one at a time through the API, each waited to finish (read
// from the store every millisecond); the first `warm_up` are not counted. With `pause`, each
// trigger waits a random time below it first.
DispatchSamples TriggerOneAtATime(httplib::Client& client, StateStore& store,
                                  const std::string& job_id, int count, int warm_up,
                                  Duration pause = Duration::zero()) {
  DispatchSamples samples;
  std::mt19937_64 random(std::random_device{}());
  for (int i = 0; i < warm_up + count; ++i) {
    if (pause > Duration::zero()) {
      std::this_thread::sleep_for(std::uniform_int_distribution<int64_t>(0, pause.count())(random) *
                                  Duration(1));
    }
    const TimePoint triggered = SystemClock::Instance().Now();
    auto response = client.Post("/jobs/" + job_id + "/run");
    const TimePoint answered = SystemClock::Instance().Now();
    if (!response || response->status != 202) Die("POST /jobs/{id}/run failed");
    const std::string run_id = nlohmann::json::parse(response->body)["run_id"];
    Run run;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (true) {
      Result<Run> read = store.GetRun(run_id);
      if (read.ok() && IsFinal(read->status)) {
        run = *read;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) Die("run " + run_id + " did not finish");
      std::this_thread::sleep_for(1ms);
    }
    auto reported = client.Get("/runs/" + run_id);
    if (!reported || reported->status != 200) Die("GET /runs/{id} failed");
    if (i < warm_up) continue;
    if (run.status != RunStatus::kSuccess) ++samples.failed;
    const nlohmann::json body = nlohmann::json::parse(reported->body);
    samples.claim_api.push_back(Ms(TimeOf(body["started_at"]) - TimeOf(body["queued_at"])));
    samples.claim.push_back(Ms(*run.started_at - run.queued_at));
    samples.to_queued.push_back(Ms(run.queued_at - triggered));
    samples.queued_to_answer.push_back(Ms(answered - run.queued_at));
    samples.to_started.push_back(Ms(*run.started_at - triggered));
    samples.to_finished.push_back(Ms(*run.finished_at - triggered));
    Result<std::vector<TaskRun>> task_runs = store.GetTaskRuns(run_id);
    if (task_runs.ok() && !task_runs->empty() && task_runs->at(0).started_at) {
      samples.to_task.push_back(Ms(*task_runs->at(0).started_at - triggered));
    }
  }
  return samples;
}

DispatchFigures Dispatch(const std::string& self, const std::string& url, StateStore& store) {
  const int runs = std::atoi(Env("ORC_BENCH_DISPATCH_RUNS", "1000").c_str());
  const int polling_runs = std::atoi(Env("ORC_BENCH_POLLING_RUNS", "20").c_str());
  constexpr int kWarmUp = 20;
  std::printf(
      "2. dispatch across processes: orc serve --roles api and orc serve --roles worker (2 "
      "workers, executor processes), select 1 in :memory:, %d triggers one at a time after %d "
      "not counted (load %s)\n",
      runs, kWarmUp, LoadAverage().c_str());
  testing::TempDir dir;
  OrcServe api("api", "api", url, dir);
  auto worker = std::make_unique<OrcServe>("worker", "worker", url, dir,
                                           std::vector<std::string>{"--workers", "2"});
  httplib::Client client("127.0.0.1", api.port());
  client.set_keep_alive(true);
  const nlohmann::json job = {
      {"job_name", "dispatch"},
      {"tasks",
       {{{"task_name", "t"},
         {"transform_config", {{"type", "sql"}, {"db_path", ":memory:"}, {"sql", "select 1"}}}}}}};
  auto created = client.Post("/jobs", job.dump(), "application/json");
  if (!created || created->status != 201) Die("POST /jobs failed");
  const std::string job_id = nlohmann::json::parse(created->body)["job_id"];
  const double busy_before = MachineBusySeconds();
  const double api_cpu_before = TreeCpuSeconds(api.pid());
  const double worker_cpu_before = TreeCpuSeconds(worker->pid());
  const auto started = std::chrono::steady_clock::now();
  const DispatchSamples samples = TriggerOneAtATime(client, store, job_id, runs, kWarmUp);
  const double wall = SecondsSince(started);
  const double busy = MachineBusySeconds() - busy_before;
  const double api_cpu = TreeCpuSeconds(api.pid()) - api_cpu_before;
  const double worker_cpu = TreeCpuSeconds(worker->pid()) - worker_cpu_before;
  worker->Terminate();
  DispatchFigures figures{
      .store = Distribute(samples.claim), .api = Distribute(samples.claim_api), .runs = runs};
  auto print = [](const char* what, const std::vector<double>& values) {
    const Distribution d = Distribute(values);
    std::printf("      %-54s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", what, d.p50, d.p99,
                d.max);
  };
  print("trigger -> queued_at (the API's part)", samples.to_queued);
  print("queued_at -> POST answered (the enqueue's commit...)", samples.queued_to_answer);
  print("trigger -> run started (this process's clock -> worker)", samples.to_started);
  print("trigger -> task started", samples.to_task);
  print("trigger -> run finished", samples.to_finished);
  std::printf(
      "      CPU over the %d triggers (%.1f s): machine busy %.0f%% of %d cores, api process %.2f "
      "ms a run, worker process and its executors %.2f ms a run; %d runs not successful; load "
      "%s\n",
      runs + kWarmUp, wall, 100 * busy / wall / Cores(), Cores(), 1000 * api_cpu / (runs + kWarmUp),
      1000 * worker_cpu / (runs + kWarmUp), samples.failed, LoadAverage().c_str());
  const Distribution& s = figures.store;
  const Distribution& a = figures.api;
  figures.met = s.p50 <= kDispatchP50BarMs && s.p99 <= kDispatchP99BarMs;
  std::printf(
      "   queued_at -> started_at as stored (us): p50 %.2f ms (bar %.0f: %.2fx) p99 %.2f ms (bar "
      "%.0f: %.2fx) max %.2f ms %s\n",
      s.p50, kDispatchP50BarMs, kDispatchP50BarMs / s.p50, s.p99, kDispatchP99BarMs,
      kDispatchP99BarMs / s.p99, s.max, Verdict(figures.met));
  std::printf(
      "   the same as GET /runs/{id} reports them (whole ms, each time truncated): p50 %.0f ms "
      "p99 %.0f ms max %.0f ms %s\n",
      a.p50, a.p99, a.max, Verdict(a.p50 <= kDispatchP50BarMs && a.p99 <= kDispatchP99BarMs));

  // The reference: the same API process, and a worker process wired as orc serve's (this
  // binary, executor processes) but without a change feed, so it finds the runs by polling.
  if (polling_runs > 0) {
    const std::string ready = dir.File("polling.ready");
    Children polling;
    polling.Add(Spawn({self, "--worker-process", url, "2", ready, "executors", "deaf"},
                      dir.File("polling.log")));
    for (int i = 0; i < 3000 && !std::filesystem::exists(ready); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    if (!std::filesystem::exists(ready)) Die("the polling worker process did not start");
    // Each trigger after a random pause below the poll interval (1 s), so that it falls anywhere
    // in it: triggered right after the previous run finished, it would wait nearly all of it.
    const DispatchSamples lane = TriggerOneAtATime(client, store, job_id, polling_runs, 2, 1s);
    polling.StopAll();
    figures.polling = Distribute(lane.claim);
    std::printf(
        "   reference, the polling lane (a worker process without the change feed, %d "
        "triggers, each after a random pause of 0-1 s): queued_at -> started_at p50 %.0f ms p99 "
        "%.0f ms: %.0fx the p50 here "
        "(measured before: p50 %.2f-%.2f s)\n",
        polling_runs, figures.polling.p50, figures.polling.p99, figures.polling.p50 / s.p50,
        kPollingLaneLowS, kPollingLaneHighS);
  } else {
    std::printf(
        "   reference: the polling lane before notifications, p50 %.2f-%.2f s (measured before, "
        "not in this run): %.0f-%.0fx the p50 here\n",
        kPollingLaneLowS, kPollingLaneHighS, kPollingLaneLowS * 1000 / s.p50,
        kPollingLaneHighS * 1000 / s.p50);
  }
  return figures;
}

// The statements in the server's log between two offsets, by application name (log_line_prefix
// '[%a] '), sorted by what issued them: the node heartbeat (INSERT/UPDATE/DELETE on nodes), the
// scheduler (runs queued, leadership terms, the runs_queued notification), the notifier (notices,
// deliveries, late slots: every orc process runs one, whatever its roles), anything else that
// writes (the migrations' check at start), and the statements that only read.
struct StatementCounts {
  std::map<std::string, int64_t> writes;  // by the statement's start
  int64_t scheduler = 0, notifier = 0, other_writes = 0;
  int64_t heartbeat = 0;
  int64_t reads = 0;
  int64_t total_writes() const { return scheduler + notifier + other_writes; }
};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

bool IsWrite(const std::string& upper) {
  // Row locks of a SELECT are not writes of data.
  static const std::regex locks(R"(\bFOR (NO KEY )?UPDATE\b|\bFOR (KEY )?SHARE\b)");
  static const std::regex verbs(
      R"(\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP|COPY)\b|PG_NOTIFY\(|^\s*NOTIFY\b)");
  return std::regex_search(std::regex_replace(upper, locks, ""), verbs);
}

std::map<std::string, StatementCounts> CountStatements(const std::string& log, size_t from,
                                                       size_t to) {
  static const std::regex entry(R"(^\[([^\]]*)\] LOG:  (statement|execute [^:]*): (.*)$)");
  static const std::regex heartbeat(R"(^\s*(INSERT INTO|UPDATE|DELETE FROM) NODES\b)");
  static const std::regex scheduler(R"(^\s*INSERT INTO RUNS\b|\bLEADERS\b|PG_NOTIFY\()");
  static const std::regex notifier(R"(NOTICE_PENDING|\bNOTIFY_DELIVERIES\b|\bLATE_SLOTS\b)");
  std::map<std::string, StatementCounts> counts;
  const std::string text = ReadFile(log, from).substr(0, to - from);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, entry)) continue;
    const std::string app = match[1].str().empty() ? "(none: this benchmark)" : match[1].str();
    std::string statement = match[3].str();
    const std::string upper = Upper(statement);
    StatementCounts& mine = counts[app];
    if (std::regex_search(upper, heartbeat)) {
      ++mine.heartbeat;
      continue;
    }
    if (!IsWrite(upper)) {
      ++mine.reads;
      continue;
    }
    if (std::regex_search(upper, scheduler)) {
      ++mine.scheduler;
    } else if (std::regex_search(upper, notifier)) {
      ++mine.notifier;
    } else {
      ++mine.other_writes;
    }
    if (statement.size() > 80) statement = statement.substr(0, 80) + "...";
    ++mine.writes[statement];
  }
  return counts;
}

// Rows inserted, updated and deleted so far, by table (pg_stat_user_tables).
std::map<std::string, std::array<int64_t, 3>> TableWrites(SqlConnection& sql) {
  std::map<std::string, std::array<int64_t, 3>> writes;
  const SqlRows rows = Query(sql,
                             "SELECT relname::text, n_tup_ins, n_tup_upd, n_tup_del "
                             "FROM pg_stat_user_tables");
  for (size_t r = 0; r < rows.size(); ++r) {
    writes[rows.Text(r, 0)] = {rows.Int(r, 1), rows.Int(r, 2), rows.Int(r, 3)};
  }
  return writes;
}

struct SchedulingFigures {
  int jobs = 0, minutes = 0;
  int64_t expected = 0, found = 0, duplicates = 0;
  Distribution queued_lag, commit_lag;
  bool commit_measured = false;
  bool writes_measured = false;
  std::vector<int64_t> standby_writes;            // besides the heartbeat, steady state
  std::vector<int64_t> standby_scheduler_writes;  // the scheduler's own statements
  bool met = false;
};

SchedulingFigures Scheduling(const std::string& main_url, SqlConnection& main_sql,
                             const BenchPostgres& postgres) {
  const int jobs = std::atoi(Env("ORC_BENCH_SCHEDULED_JOBS", "10000").c_str());
  const int minutes = std::max(1, std::atoi(Env("ORC_BENCH_MINUTES", "2").c_str()));
  const std::string log_statements = Env("ORC_BENCH_LOG_STATEMENTS", "all");
  const bool logged = postgres.configured() && log_statements != "none";
  // A database of its own on the same server, unless ORC_BENCH_SCHEDULER_DATABASE=shared: the
  // runs the other parts finished leave notices that the notifier of every orc process settles,
  // which would bury what the schedulers write.
  const bool own = Env("ORC_BENCH_SCHEDULER_DATABASE", "own") != "shared";
  std::string url = main_url;
  if (own) {
    Admin(main_sql, "CREATE DATABASE orc_scheduling");
    url = main_url.substr(0, main_url.rfind('/')) + "/orc_scheduling";
  }
  std::printf(
      "3. %d jobs firing every minute, 3 orc serve --roles scheduler, no workers, %d minute "
      "boundaries, %s; statement log %s (load %s)\n",
      jobs, minutes, own ? "in a database of their own on the server" : "in the shared database",
      logged ? log_statements.c_str() : "off", LoadAverage().c_str());
  std::unique_ptr<SqlConnection> sql_owned = own ? Connect(url) : nullptr;
  std::vector<std::string> job_ids;
  SqlConnection& sql = own ? *sql_owned : main_sql;
  {
    // The jobs, through the store (POST /jobs one by one would take minutes), 4 at a time. The
    // store is closed after, so that its sessions' statistics are flushed before the counts.
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl(url), SystemClock::Instance());
    if (!store.ok()) Die(store.status().ToString());
    const auto creating = std::chrono::steady_clock::now();
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::vector<std::thread> creators;
    for (int t = 0; t < 4; ++t) {
      creators.emplace_back([&] {
        for (int i = next++; i < jobs && !failed; i = next++) {
          Result<Job> job = (*store)->CreateJob(
              Job{.job_name = "every minute " + std::to_string(i),
                  .schedule = "* * * * *",
                  .tasks = {Task{.task_name = "t",
                                 .transform_config =
                                     R"({"type":"sql","db_path":":memory:","sql":"select 1"})"}}});
          if (!job.ok()) {
            std::fprintf(stderr, "%s\n", job.status().ToString().c_str());
            failed = true;
          } else {
            std::lock_guard lock(mutex);
            job_ids.push_back(job->job_id);
          }
        }
      });
    }
    for (std::thread& creator : creators) creator.join();
    if (failed) Die("cannot create the jobs");
    std::printf("   %d jobs created through the store in %.1f s\n", jobs, SecondsSince(creating));
  }
  std::this_thread::sleep_for(1s);
  const auto tables_before = TableWrites(sql);

  const std::string log = postgres.log_file();
  if (logged) {
    Admin(sql, "ALTER SYSTEM SET log_statement = '" + log_statements + "'");
    Admin(sql, "SELECT pg_reload_conf()");
    std::this_thread::sleep_for(500ms);
  }
  const size_t log_start = logged ? FileSize(log) : 0;
  testing::TempDir dir;
  std::vector<std::unique_ptr<OrcServe>> schedulers;
  for (int n = 1; n <= 3; ++n) {
    schedulers.push_back(std::make_unique<OrcServe>(
        "scheduler-" + std::to_string(n), "scheduler", url, dir, std::vector<std::string>{},
        std::vector<std::string>{"PGAPPNAME=scheduler-" + std::to_string(n)}));
  }
  const size_t log_steady = logged ? FileSize(log) : 0;
  auto leading = [&] {
    std::string leader = "none";
    for (int n = 0; n < 3; ++n) {
      if (schedulers[n]->log().find("scheduler: leading") != std::string::npos) {
        leader = leader == "none" ? "scheduler-" + std::to_string(n + 1) : leader + " and more";
      }
    }
    return leader;
  };
  std::string leader = leading();
  double cpu_before[3];
  for (int n = 0; n < 3; ++n) cpu_before[n] = TreeCpuSeconds(schedulers[n]->pid());
  const auto steady_started = std::chrono::steady_clock::now();
  // The slots: the minute boundaries after every scheduler is up (and 2 s more).
  const TimePoint up = SystemClock::Instance().Now() + 2s;
  const TimePoint first = std::chrono::ceil<std::chrono::minutes>(up);
  const TimePoint last = first + std::chrono::minutes(minutes - 1);
  std::printf("   leader at start: %s; slots %s to %s; waiting for them\n", leader.c_str(),
              FormatRfc3339(first).c_str(), FormatRfc3339(last).c_str());
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(last.time_since_epoch())));
  // Until the last slot's runs are all there, or 55 s: first one job's run of the slot, looked
  // up by the slot's unique key (a count over the slot would read the whole table, a few ms of
  // the server's CPU each time), then the count.
  const auto deadline = std::chrono::steady_clock::now() + 55s;
  while (std::chrono::steady_clock::now() < deadline) {
    const SqlRows found = Query(sql,
                                "SELECT EXISTS (SELECT 1 FROM runs WHERE job_id = $1 AND "
                                "scheduled_for = $2)",
                                {job_ids.back(), ToStoredTime(last)});
    if (found.Bool(0, 0)) break;
    std::this_thread::sleep_for(50ms);
  }
  while (std::chrono::steady_clock::now() < deadline) {
    const SqlRows count = Query(sql,
                                "SELECT count(*) FROM runs WHERE scheduled_for = $1 AND "
                                "triggered_by = 'scheduler'",
                                {ToStoredTime(last)});
    if (count.Int(0, 0) >= jobs) break;
    std::this_thread::sleep_for(1s);
  }
  std::this_thread::sleep_for(1s);  // anything late or doubled
  const double steady_wall = SecondsSince(steady_started);
  double cpu[3];
  for (int n = 0; n < 3; ++n) cpu[n] = TreeCpuSeconds(schedulers[n]->pid()) - cpu_before[n];
  const size_t log_end = logged ? FileSize(log) : 0;
  const std::string leader_at_end = leading();
  if (leader == "none") leader = leader_at_end;
  // The standbys first, so that none takes over when the leader steps down.
  for (int n = 0; n < 3; ++n) {
    if ("scheduler-" + std::to_string(n + 1) != leader) schedulers[n]->Terminate();
  }
  for (auto& scheduler : schedulers) scheduler->Terminate();
  if (logged) {
    Admin(sql, "ALTER SYSTEM RESET log_statement");
    Admin(sql, "SELECT pg_reload_conf()");
  }
  std::this_thread::sleep_for(1s);
  const auto tables_after = TableWrites(sql);

  SchedulingFigures figures{.jobs = jobs, .minutes = minutes};
  figures.expected = static_cast<int64_t>(jobs) * minutes;
  const std::vector<SqlValue> window = {ToStoredTime(first), ToStoredTime(last)};
  figures.found = Query(sql,
                        "SELECT count(*) FROM (SELECT DISTINCT job_id, scheduled_for FROM runs "
                        "WHERE triggered_by = 'scheduler' AND scheduled_for BETWEEN $1 AND $2) s",
                        window)
                      .Int(0, 0);
  figures.duplicates = Query(sql,
                             "SELECT count(*) FROM (SELECT job_id, scheduled_for FROM runs "
                             "WHERE scheduled_for IS NOT NULL GROUP BY 1, 2 "
                             "HAVING count(*) <> 1) d")
                           .Int(0, 0);
  const int64_t outside_window =
      Query(sql,
            "SELECT count(*) FROM runs WHERE triggered_by = "
            "'scheduler' AND scheduled_for NOT BETWEEN $1 AND $2 "
            "AND scheduled_for > $3",
            {ToStoredTime(first), ToStoredTime(last), ToStoredTime(first - 1h)})
          .Int(0, 0);
  figures.commit_measured =
      Query(sql, "SELECT current_setting('track_commit_timestamp') = 'on'").Bool(0, 0);
  const SqlRows lags =
      Query(sql,
            std::string("SELECT scheduled_for, queued_at - scheduled_for, ") +
                (figures.commit_measured
                     ? "(extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint - "
                       "scheduled_for, xmin::text "
                     : "NULL::bigint, xmin::text ") +
                "FROM runs WHERE triggered_by = 'scheduler' AND scheduled_for BETWEEN $1 AND $2",
            window);
  std::vector<double> queued_lags, commit_lags;
  struct Slot {
    int64_t runs = 0;
    std::set<std::string> transactions;
    std::vector<double> queued, committed;
  };
  std::map<int64_t, Slot> slots;
  for (size_t r = 0; r < lags.size(); ++r) {
    Slot& slot = slots[lags.Int(r, 0)];
    ++slot.runs;
    slot.transactions.insert(lags.Text(r, 3));
    queued_lags.push_back(lags.Int(r, 1) / 1000.0);
    slot.queued.push_back(lags.Int(r, 1) / 1000.0);
    if (!lags.IsNull(r, 2)) {
      commit_lags.push_back(lags.Int(r, 2) / 1000.0);
      slot.committed.push_back(lags.Int(r, 2) / 1000.0);
    }
  }
  for (auto& [at, slot] : slots) {
    const Distribution queued = Distribute(slot.queued);
    const Distribution committed = Distribute(slot.committed);
    std::printf("      slot %s: %" PRId64
                " runs in %zu transaction%s; queued_at - slot p50 %.1f ms max "
                "%.1f ms; commit - slot p50 %.1f ms max %.1f ms\n",
                FormatRfc3339(FromStoredTime(at)).c_str(), slot.runs, slot.transactions.size(),
                slot.transactions.size() == 1 ? "" : "s", queued.p50, queued.max, committed.p50,
                committed.max);
  }
  figures.queued_lag = Distribute(queued_lags);
  figures.commit_lag = Distribute(commit_lags);
  std::printf(
      "      CPU of the schedulers over %.0f s: %.1f%%, %.1f%%, %.1f%% of a core; leader at the "
      "end: %s; runs of other slots in the last hour (a start's catch-up): %" PRId64 "; load %s\n",
      steady_wall, 100 * cpu[0] / steady_wall, 100 * cpu[1] / steady_wall,
      100 * cpu[2] / steady_wall, leader_at_end.c_str(), outside_window, LoadAverage().c_str());
  const bool complete = figures.found == figures.expected && figures.duplicates == 0 &&
                        static_cast<int64_t>(queued_lags.size()) == figures.expected;
  std::printf(
      "   exactly one run per (job, slot): %" PRId64 " of %" PRId64
      " expected (job, slot) pairs have a run, %zu runs, %" PRId64 " pairs with more than one %s\n",
      figures.found, figures.expected, queued_lags.size(), figures.duplicates, Verdict(complete));
  const Distribution& q = figures.queued_lag;
  std::printf(
      "   fire lag, queued_at - slot (what bench_scheduler measures): p50 %.2f ms p99 %.2f ms "
      "max %.2f ms (bar p99 %.0f: %.2fx) %s\n",
      q.p50, q.p99, q.max, kFireLagBarMs, kFireLagBarMs / q.p99, Verdict(q.p99 <= kFireLagBarMs));
  const Distribution& c = figures.commit_lag;
  if (figures.commit_measured && !commit_lags.empty()) {
    std::printf(
        "   fire lag, commit - slot (pg_xact_commit_timestamp): p50 %.2f ms p99 %.2f ms max "
        "%.2f ms (bar p99 %.0f: %.2fx) %s\n",
        c.p50, c.p99, c.max, kFireLagBarMs, kFireLagBarMs / c.p99, Verdict(c.p99 <= kFireLagBarMs));
  } else {
    std::printf("   fire lag, commit - slot: not measured (track_commit_timestamp is off)\n");
  }
  figures.met =
      complete && q.p99 <= kFireLagBarMs && (!figures.commit_measured || c.p99 <= kFireLagBarMs);

  std::printf("   rows written from the schedulers' start to their stop, by table:\n");
  int64_t elsewhere = 0;  // rows other than runs queued, the term and the node registry
  for (const auto& [table, after] : tables_after) {
    const auto found = tables_before.find(table);
    const std::array<int64_t, 3> before =
        found == tables_before.end() ? std::array<int64_t, 3>{0, 0, 0} : found->second;
    if (after == before) continue;
    std::printf("      %-20s inserted %7" PRId64 ", updated %6" PRId64 ", deleted %5" PRId64 "\n",
                table.c_str(), after[0] - before[0], after[1] - before[1], after[2] - before[2]);
    if (table == "runs") {
      elsewhere += after[1] - before[1] + after[2] - before[2];
    } else if (table != "leaders" && table != "nodes") {
      elsewhere += after[0] - before[0] + after[1] - before[1] + after[2] - before[2];
    }
  }
  std::printf("      rows written besides runs queued, the term and the node registry: %" PRId64
              "\n",
              elsewhere);
  // Leadership changes: each process logs when it starts leading and when it stands by again.
  std::string changes;
  for (int n = 0; n < 3; ++n) {
    const std::string text = schedulers[n]->log();
    int led = 0, stood_by = 0;
    for (size_t at = text.find("scheduler: leading"); at != std::string::npos;
         at = text.find("scheduler: leading", at + 1)) {
      ++led;
    }
    for (size_t at = text.find("scheduler: standing by:"); at != std::string::npos;
         at = text.find("scheduler: standing by:", at + 1)) {
      ++stood_by;
    }
    changes += (changes.empty() ? "" : ", ") + std::string("scheduler-") + std::to_string(n + 1) +
               " led " + std::to_string(led) + "x, stood by " + std::to_string(stood_by) + "x";
  }
  std::printf("      leadership (from the processes' logs): %s\n", changes.c_str());
  if (!logged) {
    std::printf("   standby writes: not measured (no statement log)\n");
    return figures;
  }
  figures.writes_measured = true;
  for (const auto& [phase, range] :
       {std::pair{"start (open, migrations' check, register, first term)",
                  std::pair{log_start, log_steady}},
        std::pair{"steady state (the minutes measured)", std::pair{log_steady, log_end}}}) {
    std::printf("   statements in the server log, %s, by application name:\n", phase);
    const auto counts = CountStatements(log, range.first, range.second);
    for (const auto& [app, mine] : counts) {
      std::printf("      %-22s writing: scheduler %6" PRId64 ", notifier %6" PRId64
                  ", other %3" PRId64 "; node heartbeat %4" PRId64 "; reading %6" PRId64 "\n",
                  app.c_str(), mine.scheduler, mine.notifier, mine.other_writes, mine.heartbeat,
                  mine.reads);
      for (const auto& [statement, count] : mine.writes) {
        std::printf("         %7" PRId64 "  %s\n", count, statement.c_str());
      }
    }
    if (range.first != log_steady) continue;
    for (int n = 1; n <= 3; ++n) {
      const std::string app = "scheduler-" + std::to_string(n);
      if (app == leader) continue;
      const auto found = counts.find(app);
      figures.standby_writes.push_back(found == counts.end() ? 0 : found->second.total_writes());
      figures.standby_scheduler_writes.push_back(found == counts.end() ? 0
                                                                       : found->second.scheduler);
    }
  }
  auto list = [](const std::vector<int64_t>& values) {
    std::string text;
    for (int64_t value : values) text += (text.empty() ? "" : ", ") + std::to_string(value);
    return text;
  };
  auto none = [](const std::vector<int64_t>& values) {
    return std::all_of(values.begin(), values.end(), [](int64_t value) { return value == 0; });
  };
  std::printf(
      "   the standbys (all but the leader %s), steady state: writing statements besides the node "
      "heartbeat %s %s; of them the scheduler's own %s %s\n",
      leader.c_str(), list(figures.standby_writes).c_str(), Verdict(none(figures.standby_writes)),
      list(figures.standby_scheduler_writes).c_str(),
      Verdict(none(figures.standby_scheduler_writes)));
  figures.met = figures.met && none(figures.standby_writes);
  return figures;
}

// ---------------------------------------------------------------------------------------------
// Part 4: bench_state_store's PostgreSQL figure on this server.

double Lifecycles(const std::string& url) {
  const std::string threads = Env("ORC_BENCH_LIFECYCLE_THREADS", "8");
  std::printf(
      "4. run lifecycles through the state store alone (bench_state_store, PostgreSQL, %s "
      "threads, on this server) (load %s)\n",
      threads.c_str(), LoadAverage().c_str());
  const std::string command = "ORC_BENCH_BACKENDS=postgres ORC_BENCH_THREADS=" + threads +
                              " ORC_BENCH_POSTGRES_URL='" + url + "' " + BENCH_STATE_STORE_PATH +
                              " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Die("cannot run bench_state_store");
  double rate = -1;
  char buffer[1024];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    std::string line = buffer;
    std::printf("   | %s", line.c_str());
    const size_t at = line.find("postgres ");
    const size_t unit = line.find(" runs/s");
    if (at != std::string::npos && unit != std::string::npos &&
        line.find("bar") != std::string::npos) {
      const size_t threads_word = line.find("thread", at);
      if (threads_word != std::string::npos && threads_word < unit) {
        size_t begin = line.rfind(' ', unit - 1);
        rate = std::atof(line.c_str() + begin + 1);
      }
    }
  }
  if (pclose(pipe) != 0) std::printf("   bench_state_store failed\n");
  return rate;
}

int Main(const std::string& self) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string parts = Env("ORC_BENCH_PARTS", "1234");
  auto wanted = [&](char part) { return parts.find(part) != std::string::npos; };
  // Commit times of transactions (part 3's commit lag) and the application name on each log
  // line (part 3's writes by process); statements are logged only during part 3 (ALTER SYSTEM).
  BenchPostgres postgres(
      {"track_commit_timestamp = on", "log_line_prefix = '[%a] '", "log_parameter_max_length = 0"});
  if (postgres.url().empty()) {
    std::printf("could not start a PostgreSQL server\n");
    return 1;
  }
  std::printf(
      "scale-out: orc processes sharing one PostgreSQL server (%s, fsync on%s); 2 cores shared "
      "with other work: figures under load are noisy (load %s)\n",
      postgres.configured() ? "started here" : "ORC_BENCH_POSTGRES_URL",
      postgres.configured() ? ", track_commit_timestamp on" : "", LoadAverage().c_str());
  Result<std::unique_ptr<StateStore>> store =
      OpenStateStore(*ParseDatabaseUrl(postgres.url()), SystemClock::Instance());
  if (!store.ok()) return Fail(store.status());
  std::unique_ptr<SqlConnection> sql = Connect(postgres.url());

  std::optional<ScalingFigures> scaling;
  std::optional<DispatchFigures> dispatch;
  std::optional<SchedulingFigures> scheduling;
  double lifecycles = -1;
  if (wanted('1')) {
    scaling = Scaling(self, postgres.url(), postgres.data_directory(), **store, *sql);
  }
  if (wanted('2')) dispatch = Dispatch(self, postgres.url(), **store);
  // Before part 3, which leaves its runs queued (no workers), where bench_state_store's claims
  // would take them.
  if (wanted('4')) lifecycles = Lifecycles(postgres.url());
  if (wanted('3')) scheduling = Scheduling(postgres.url(), *sql, postgres);

  std::printf("summary, one run, one PostgreSQL server (load %s):\n", LoadAverage().c_str());
  if (scaling) {
    const auto& r = scaling->rounds;
    std::printf(
        "  1. I/O-bound throughput, 8 workers a process: 1 process %.1f runs/s, 2 %.1f (%.2fx), "
        "4 %.1f (%.2fx; bar %.1fx: %.2f of it) %s\n",
        r[0].runs_per_s(), r[1].runs_per_s(), r[1].runs_per_s() / r[0].runs_per_s(),
        r[2].runs_per_s(), scaling->ratio, kScalingBar, scaling->ratio / kScalingBar,
        Verdict(scaling->ratio >= kScalingBar));
  }
  if (dispatch) {
    std::printf(
        "  2. dispatch across processes, queued -> started: p50 %.2f ms (bar %.0f: %.2fx), p99 "
        "%.2f ms (bar %.0f: %.2fx) %s; ",
        dispatch->store.p50, kDispatchP50BarMs, kDispatchP50BarMs / dispatch->store.p50,
        dispatch->store.p99, kDispatchP99BarMs, kDispatchP99BarMs / dispatch->store.p99,
        Verdict(dispatch->met));
    if (dispatch->polling.p50 > 0) {
      std::printf("the polling lane p50 %.0f ms here (%.0fx slower), %.2f-%.2f s measured before\n",
                  dispatch->polling.p50, dispatch->polling.p50 / dispatch->store.p50,
                  kPollingLaneLowS, kPollingLaneHighS);
    } else {
      std::printf("the polling lane p50 %.2f-%.2f s measured before (%.0fx slower)\n",
                  kPollingLaneLowS, kPollingLaneHighS,
                  kPollingLaneLowS * 1000 / dispatch->store.p50);
    }
  }
  if (scheduling) {
    const SchedulingFigures& f = *scheduling;
    auto joined = [](const std::vector<int64_t>& values) {
      std::string text;
      for (int64_t value : values) text += (text.empty() ? "" : "/") + std::to_string(value);
      return text.empty() ? std::string("-") : text;
    };
    auto none = [](const std::vector<int64_t>& values) {
      return std::all_of(values.begin(), values.end(), [](int64_t value) { return value == 0; });
    };
    std::printf("  3. %d jobs every minute, 3 schedulers, %d minutes: %" PRId64 "/%" PRId64
                " (job, slot) pairs have a run, %" PRId64
                " more than one %s; lag p99 queued %.1f ms "
                "(bar %.0f: %.2fx) %s, committed %.1f ms (%.2fx) %s",
                f.jobs, f.minutes, f.found, f.expected, f.duplicates,
                Verdict(f.found == f.expected && f.duplicates == 0), f.queued_lag.p99,
                kFireLagBarMs, kFireLagBarMs / f.queued_lag.p99,
                Verdict(f.queued_lag.p99 <= kFireLagBarMs), f.commit_lag.p99,
                kFireLagBarMs / f.commit_lag.p99,
                f.commit_measured ? Verdict(f.commit_lag.p99 <= kFireLagBarMs) : "(not measured)");
    if (f.writes_measured) {
      std::printf(
          "; the standbys' writing statements: the scheduler's %s %s, all but the heartbeat's %s "
          "%s\n",
          joined(f.standby_scheduler_writes).c_str(), Verdict(none(f.standby_scheduler_writes)),
          joined(f.standby_writes).c_str(), Verdict(none(f.standby_writes)));
    } else {
      std::printf("; the standbys' writes not measured\n");
    }
  }
  if (wanted('4')) {
    std::printf("  4. state store lifecycles, PostgreSQL: %.0f runs/s (bar %.0f: %.2fx) %s\n",
                lifecycles, kLifecycleBar, lifecycles / kLifecycleBar,
                Verdict(lifecycles >= kLifecycleBar));
  }
  return 0;
}

}  // namespace
}  // namespace orc

int main(int argc, char** argv) {
  if (argc == 7 && std::string(argv[1]) == "--worker-process") {
    return orc::WorkerProcessMain(argv[2], std::atoi(argv[3]), argv[4],
                                  std::string(argv[5]) == "executors",
                                  std::string(argv[6]) == "listen");
  }
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  try {
    return orc::Main(self.empty() ? argv[0] : self);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_scale_out: %s\n", error.what());
    return 1;
  }
}
