// The worker pool against a real state store (SQLite and PostgreSQL), real DuckDB tasks in real
// executor processes, and test plugins that fail, crash, hang and allocate on purpose
// (tests/executor/test_plugins.h).
#include "worker/worker_manager.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/duckdb_engine.h"
#include "executor/test_plugins.h"
#include "plugins/plugin_registry.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::TestBackend;
using namespace std::chrono_literals;

class WorkerManagerTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    RegisterBuiltinPlugins(plugins_);
    RegisterTestPlugins(plugins_);
    Result<DatabaseUrl> url = ParseDatabaseUrl(database_.url());
    ASSERT_TRUE(url.ok());
    Result<std::unique_ptr<StateStore>> store = OpenStateStore(*url, SystemClock::Instance());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void TearDown() override { workers_.reset(); }

  void StartWorkers(int count = 2, int64_t task_memory_mb = 2048) {
    workers_ = std::make_unique<WorkerManager>(
        *store_, plugins_, SystemClock::Instance(), random_,
        WorkerManagerOptions{
            .workers = count,
            .lease = 2s,
            .heartbeat = 100ms,
            .poll_interval = 100ms,
            .reap_interval = 200ms,
            .executor = {.command = {ORC_TEST_EXECUTOR_PATH},
                         .settings = {.data_dir = dir_.path(), .allowed_hosts = {"127.0.0.1"}}},
            .task_memory_mb = task_memory_mb});
    ASSERT_TRUE(workers_->Start().ok());
  }

  static Task SqlTask(const std::string& name, const std::string& sql) {
    return Task{
        .task_name = name,
        .transform_config = json{{"type", "sql"}, {"db_path", "out.duckdb"}, {"sql", sql}}.dump()};
  }

  std::string CreateJob(std::vector<Task> tasks, RetryPolicy retry = {.max_attempts = 1}) {
    static int count = 0;
    Job job{
        .job_name = "job-" + std::to_string(++count), .retry = retry, .tasks = std::move(tasks)};
    Result<Job> created = store_->CreateJob(job);
    EXPECT_TRUE(created.ok()) << created.status();
    return created->job_id;
  }

  std::string Trigger(const std::string& job_id) {
    Result<orc::Run> run = store_->EnqueueRun({.job_id = job_id});
    EXPECT_TRUE(run.ok()) << run.status();
    if (workers_) workers_->RunEnqueued();
    return run->run_id;
  }

  // Waits until the run has status `status` or a final one.
  orc::Run WaitFor(const std::string& run_id, RunStatus status, Duration timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      Result<orc::Run> run = store_->GetRun(run_id);
      EXPECT_TRUE(run.ok()) << run.status();
      if (!run.ok() || run->status == status || IsFinal(run->status) ||
          std::chrono::steady_clock::now() > deadline) {
        return *run;
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  std::vector<TaskRun> TaskRuns(const std::string& run_id) { return *store_->GetTaskRuns(run_id); }

  testing::TestDatabase database_{GetParam()};
  testing::TempDir dir_;
  PluginRegistry plugins_;
  SeededRandom random_{1};
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<WorkerManager> workers_;
};

constexpr const char* kEndlessQuery =
    "CREATE TABLE endless AS SELECT count(*) FROM range(10000000000) a, range(1000) b";

TEST_P(WorkerManagerTest, RunsTasksInDependencyOrderAndRecordsTheOutcome) {
  std::ofstream(dir_.File("in.csv")) << "id,name\n1,a\n2,b\n3,c\n";
  Task load{.task_name = "load",
            .extractor_config = json{{"type", "csv"}, {"path", "in.csv"}}.dump(),
            .loader_config =
                json{{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}.dump()};
  // Listed first, runs second: it depends on the load.
  Task count = SqlTask("count", "CREATE TABLE n AS SELECT count(*) AS n FROM t");
  count.depends_on = {"load"};
  StartWorkers();
  const std::string run_id = Trigger(CreateJob({count, load}));
  const orc::Run run = WaitFor(run_id, RunStatus::kSuccess);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  EXPECT_EQ(run.rows_loaded, 3);
  const std::vector<TaskRun> task_runs = TaskRuns(run_id);
  ASSERT_EQ(task_runs.size(), 2u);
  for (const TaskRun& task_run : task_runs) {
    EXPECT_EQ(task_run.status, TaskRunStatus::kSuccess) << task_run.task_name;
    EXPECT_EQ(task_run.attempts, 1);
    EXPECT_TRUE(task_run.finished_at.has_value());
  }
  EXPECT_EQ(task_runs[1].bytes_read, 20);
  Result<std::vector<RunLogLine>> logs = store_->GetRunLogs(run_id, 0, 100);
  ASSERT_TRUE(logs.ok());
  ASSERT_GE(logs->size(), 3u);
  EXPECT_EQ(logs->back().message, "run success");
}

TEST_P(WorkerManagerTest, ASourceThatFailsTwiceSucceedsOnTheThirdAttempt) {
  StartWorkers();
  const std::string run_id = Trigger(CreateJob(
      {Task{.task_name = "flaky",
            .transform_config =
                json{{"type", "test_flaky"}, {"failures", 2}, {"counter", "flaky.count"}}.dump()}},
      {.max_attempts = 3, .initial_delay_s = 0.05, .max_delay_s = 1}));
  const orc::Run run = WaitFor(run_id, RunStatus::kSuccess);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  const TaskRun task_run = TaskRuns(run_id).at(0);
  EXPECT_EQ(task_run.attempts, 3);
  EXPECT_EQ(task_run.errors.size(), 2u);
  EXPECT_EQ(task_run.status, TaskRunStatus::kSuccess);
}

TEST_P(WorkerManagerTest, APermanentErrorFailsAtOnceWithItsRootCause) {
  StartWorkers();
  Task load{.task_name = "load",
            .extractor_config = json{{"type", "csv"}, {"path", "missing.csv"}}.dump(),
            .loader_config =
                json{{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}.dump()};
  const std::string run_id = Trigger(CreateJob({load}, {.max_attempts = 3}));
  const orc::Run run = WaitFor(run_id, RunStatus::kFailed);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error_message.find("task load failed after 1 attempt: duckdb out.duckdb t: csv "
                                   "missing.csv: no file matches"),
            std::string::npos)
      << run.error_message;
  EXPECT_EQ(TaskRuns(run_id).at(0).attempts, 1) << "a missing file cannot heal: not retried";
}

TEST_P(WorkerManagerTest, SecretsAreResolvedForTheTaskAndKeptOutOfItsErrorsAndLog) {
  setenv("ORC_SECRET_WORKER_TEST", "s3cret-value", 1);
  StartWorkers(1);
  // DuckDB's error quotes the value it could not convert: the secret.
  const std::string run_id =
      Trigger(CreateJob({SqlTask("convert", "SELECT '${env:ORC_SECRET_WORKER_TEST}'::INTEGER")}));
  const orc::Run run = WaitFor(run_id, RunStatus::kFailed);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error_message.find("Could not convert string '***'"), std::string::npos)
      << run.error_message;
  const TaskRun task_run = TaskRuns(run_id).at(0);
  std::string everything = run.error_message + task_run.error_message;
  for (const std::string& error : task_run.errors) everything += error;
  for (const RunLogLine& line : *store_->GetRunLogs(run_id, 0, 1000)) everything += line.message;
  EXPECT_EQ(everything.find("s3cret-value"), std::string::npos) << everything;
}

TEST_P(WorkerManagerTest, AReferenceToAVariableJobsMayNotReadFailsTheTask) {
  StartWorkers(1);
  // Stored directly, as a job written before the policy existed would be.
  const std::string run_id =
      Trigger(CreateJob({SqlTask("home", "SELECT '${env:HOME}'")}, {.max_attempts = 3}));
  const orc::Run run = WaitFor(run_id, RunStatus::kFailed);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error_message.find("${env:HOME} is not a variable jobs may read"),
            std::string::npos)
      << run.error_message;
  EXPECT_EQ(TaskRuns(run_id).at(0).attempts, 1) << "a refused name cannot heal: not retried";
}

TEST_P(WorkerManagerTest, AHangingTaskTimesOutIsRetriedThenFailsAndTheWorkerIsFreeAgain) {
  StartWorkers(1);
  Task hang = SqlTask("hang", kEndlessQuery);
  hang.timeout_s = 1;
  const std::string run_id =
      Trigger(CreateJob({hang}, {.max_attempts = 2, .initial_delay_s = 0.05, .max_delay_s = 1}));
  const orc::Run run = WaitFor(run_id, RunStatus::kFailed);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error_message.find("failed after 2 attempts"), std::string::npos)
      << run.error_message;
  EXPECT_NE(run.error_message.find("timed out after 1 s"), std::string::npos) << run.error_message;
  const std::string next = Trigger(CreateJob({SqlTask("quick", "SELECT 1")}));
  EXPECT_EQ(WaitFor(next, RunStatus::kSuccess, 5s).status, RunStatus::kSuccess);
}

TEST_P(WorkerManagerTest, AFailedTaskFailsItsDependentsButNotTheOthers) {
  StartWorkers();
  Task broken = SqlTask("broken", "SELECT * FROM no_such_table");
  Task dependent = SqlTask("dependent", "SELECT 1");
  dependent.depends_on = {"broken"};
  Task independent = SqlTask("independent", "SELECT 1");
  const std::string run_id = Trigger(CreateJob({broken, dependent, independent}));
  const orc::Run run = WaitFor(run_id, RunStatus::kFailed);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  const std::vector<TaskRun> task_runs = TaskRuns(run_id);
  EXPECT_EQ(task_runs[0].status, TaskRunStatus::kFailed);
  EXPECT_EQ(task_runs[1].status, TaskRunStatus::kUpstreamFailed);
  EXPECT_EQ(task_runs[2].status, TaskRunStatus::kSuccess);
}

TEST_P(WorkerManagerTest, ARunningRunIsCancelledWithinASecond) {
  StartWorkers();
  const std::string run_id = Trigger(CreateJob({SqlTask("hang", kEndlessQuery)}));
  ASSERT_EQ(WaitFor(run_id, RunStatus::kRunning).status, RunStatus::kRunning);
  std::this_thread::sleep_for(200ms);  // well inside the query
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(store_->RequestCancel(run_id).ok());
  workers_->CancelRequested(run_id);
  const orc::Run run = WaitFor(run_id, RunStatus::kCancelled, 5s);
  EXPECT_EQ(run.status, RunStatus::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  EXPECT_EQ(TaskRuns(run_id).at(0).status, TaskRunStatus::kCancelled);
}

TEST_P(WorkerManagerTest, ACancelRequestedElsewhereIsSeenAtTheNextHeartbeat) {
  StartWorkers();
  const std::string run_id = Trigger(CreateJob({SqlTask("hang", kEndlessQuery)}));
  ASSERT_EQ(WaitFor(run_id, RunStatus::kRunning).status, RunStatus::kRunning);
  ASSERT_TRUE(store_->RequestCancel(run_id).ok());  // as another process would: no local event
  EXPECT_EQ(WaitFor(run_id, RunStatus::kCancelled, 5s).status, RunStatus::kCancelled);
}

TEST_P(WorkerManagerTest, ShutdownGivesRunningRunsBackToTheQueue) {
  StartWorkers();
  const std::string run_id = Trigger(CreateJob({SqlTask("hang", kEndlessQuery)}));
  ASSERT_EQ(WaitFor(run_id, RunStatus::kRunning).status, RunStatus::kRunning);
  workers_->Shutdown(200ms);
  Result<orc::Run> run = store_->GetRun(run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, RunStatus::kQueued);
  EXPECT_EQ(run->lease_owner, "");
}

// A shutdown gives the run back without counting the attempt; the task that had succeeded before
// it stays done when the run is claimed again.
TEST_P(WorkerManagerTest, ATaskThatSucceededBeforeAShutdownIsNotRunAgain) {
  StartWorkers(1);
  Task mark = SqlTask("mark",
                      "CREATE TABLE IF NOT EXISTS marks (x INTEGER); "
                      "INSERT INTO marks VALUES (1)");
  Task wait{.task_name = "wait",
            .transform_config = json{{"type", "test_sleep"}, {"seconds", 1}}.dump(),
            .depends_on = {"mark"}};
  const std::string run_id = Trigger(CreateJob({mark, wait}));
  auto waiting = [&] {
    const std::vector<TaskRun> task_runs = TaskRuns(run_id);
    return task_runs.size() == 2 && task_runs[1].status == TaskRunStatus::kRunning;
  };
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!waiting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(waiting());
  workers_->Shutdown(0s);
  ASSERT_EQ(store_->GetRun(run_id)->status, RunStatus::kQueued);

  StartWorkers(1);
  const orc::Run run = WaitFor(run_id, RunStatus::kSuccess);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  int marked = 0;
  const std::vector<RunLogLine> logs = *store_->GetRunLogs(run_id, 0, 1000);
  for (const RunLogLine& line : logs) {
    marked += line.task_name == "mark" && line.message.starts_with("succeeded") ? 1 : 0;
  }
  EXPECT_EQ(marked, 1) << "mark ran again";
  workers_.reset();
  DuckDbEngine engine;
  EXPECT_EQ((*engine.Connect(dir_.File("out.duckdb")))->Query("SELECT count(*) FROM marks")->rows,
            (std::vector<std::vector<std::optional<std::string>>>{{"1"}}));
}

// This worker's lease runs out (as if it had stalled) and another process takes the run over: at
// its next heartbeat the worker stops the run and leaves it, task runs included, to the new owner.
TEST_P(WorkerManagerTest, AWorkerWhoseRunWasTakenOverLeavesItsTaskRunsToTheNewOwner) {
  StartWorkers(1);
  const std::string run_id =
      Trigger(CreateJob({SqlTask("hang", kEndlessQuery)}, {.max_attempts = 2}));
  ASSERT_EQ(WaitFor(run_id, RunStatus::kRunning).status, RunStatus::kRunning);
  while (TaskRuns(run_id).empty()) std::this_thread::sleep_for(5ms);

  // The other process's clock is past this worker's lease.
  FakeClock later(SystemClock::Instance().Now() + 1h);
  Result<std::unique_ptr<StateStore>> other =
      OpenStateStore(*ParseDatabaseUrl(database_.url()), later);
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE((*other)->ReclaimExpiredLeases().ok());
  Result<std::optional<orc::Run>> taken = (*other)->ClaimRun("another-process", 1h);
  ASSERT_TRUE(taken.ok() && taken->has_value()) << taken.status();
  ASSERT_EQ((*taken)->run_id, run_id);
  TaskRun theirs = TaskRuns(run_id).at(0);
  theirs.attempts = 7;
  ASSERT_TRUE((*other)->SaveTaskRun(theirs, "another-process").ok());

  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (workers_->stats().active_runs > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(workers_->stats().active_runs, 0) << "the worker did not stop the run";
  const orc::Run run = *store_->GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.lease_owner, "another-process");
  EXPECT_EQ(TaskRuns(run_id), std::vector<TaskRun>{theirs});
}

TEST_P(WorkerManagerTest, ARunWhoseWorkerWasLostIsRecoveredAtStart) {
  const std::string run_id =
      Trigger(CreateJob({SqlTask("quick", "SELECT 1")}, {.max_attempts = 3}));
  Result<std::optional<orc::Run>> claimed = store_->ClaimRun("a-process-that-died", 1ms);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  std::this_thread::sleep_for(20ms);  // its lease expires
  StartWorkers();
  const orc::Run run = WaitFor(run_id, RunStatus::kSuccess);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  EXPECT_EQ(run.attempt, 2);
}

TEST_P(WorkerManagerTest, ProgressIsSavedWhileATaskRuns) {
  httplib::Server server;
  server.Get("/pages", [](const httplib::Request& request, httplib::Response& response) {
    const int page = std::stoi(request.get_param_value("page"));
    std::this_thread::sleep_for(50ms);
    json records = json::array();
    for (int i = 0; page <= 20 && i < 100; ++i) records.push_back({{"id", page * 100 + i}});
    response.set_content(records.dump(), "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&server] { server.listen_after_bind(); });
  StartWorkers();
  Task load{
      .task_name = "load",
      .extractor_config = json{{"type", "api"},
                               {"url", "http://127.0.0.1:" + std::to_string(port) + "/pages"},
                               {"pagination", {{"type", "page_number"}, {"page_param", "page"}}}}
                              .dump(),
      .loader_config =
          json{{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}.dump()};
  const std::string run_id = Trigger(CreateJob({load}));
  int64_t seen_while_running = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::vector<TaskRun> task_runs = TaskRuns(run_id);
    if (task_runs.empty()) {  // not claimed yet
      std::this_thread::sleep_for(5ms);
      continue;
    }
    const TaskRun& task_run = task_runs[0];
    if (task_run.status != TaskRunStatus::kRunning) break;
    seen_while_running = std::max(seen_while_running, task_run.rows_extracted);
    std::this_thread::sleep_for(20ms);
  }
  server.stop();
  serving.join();
  EXPECT_GT(seen_while_running, 0) << "rows were reported before the task ended";
  EXPECT_LE(seen_while_running, 2000);
  const orc::Run run = WaitFor(run_id, RunStatus::kSuccess);
  EXPECT_EQ(run.rows_loaded, 2000) << run.error_message;
  EXPECT_EQ(TaskRuns(run_id).at(0).rows_extracted, 2000);
}

// A task that crashes its process fails its own attempts only: the run beside it, in the other
// worker's process, finishes, and the crashed worker takes the next run in a new process.
TEST_P(WorkerManagerTest, ACrashingTaskTakesDownOnlyItsOwnAttempt) {
  StartWorkers(2);
  const std::string slow = Trigger(
      CreateJob({Task{.task_name = "slow",
                      .transform_config = json{{"type", "test_sleep"}, {"seconds", 1}}.dump()}}));
  ASSERT_EQ(WaitFor(slow, RunStatus::kRunning).status, RunStatus::kRunning);
  const std::string crash = Trigger(CreateJob(
      {Task{.task_name = "crash", .transform_config = json{{"type", "test_crash"}}.dump()}},
      {.max_attempts = 2, .initial_delay_s = 0.01, .max_delay_s = 0.01}));
  const orc::Run crashed = WaitFor(crash, RunStatus::kFailed);
  EXPECT_EQ(crashed.status, RunStatus::kFailed);
  EXPECT_NE(crashed.error_message.find("failed after 2 attempts: task process crashed (SIGSEGV)"),
            std::string::npos)
      << crashed.error_message;
  EXPECT_EQ(WaitFor(slow, RunStatus::kSuccess).status, RunStatus::kSuccess);
  const std::string next = Trigger(CreateJob({SqlTask("quick", "SELECT 1")}));
  EXPECT_EQ(WaitFor(next, RunStatus::kSuccess).status, RunStatus::kSuccess);
}

TEST_P(WorkerManagerTest, ATaskAboveItsMemoryLimitFailsNamingTheLimit) {
  StartWorkers(1, /*task_memory_mb=*/4096);
  Task hungry{.task_name = "hungry",
              .transform_config = json{{"type", "test_allocate"}, {"mb", 600}}.dump()};
  hungry.memory_mb = 256;  // the task's own limit wins over the server's
  const std::string run_id = Trigger(CreateJob({hungry}));
  const orc::Run run = WaitFor(run_id, RunStatus::kFailed);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error_message.find("task exceeded its memory limit of 256 MiB"), std::string::npos)
      << run.error_message;
}

// A secret's value reaches the task, and nothing the task says comes back with it: not a log
// line, not an error message.
TEST_P(WorkerManagerTest, SecretValuesNeverReachTheRecord) {
  setenv("ORC_SECRET_WORKER_TEST", "pa55-w0rd", 1);
  StartWorkers();
  const std::string echoed = Trigger(CreateJob(
      {Task{.task_name = "echo",
            .transform_config =
                json{{"type", "test_echo"}, {"lines", {"token is ${env:ORC_SECRET_WORKER_TEST}"}}}
                    .dump()}}));
  ASSERT_EQ(WaitFor(echoed, RunStatus::kSuccess).status, RunStatus::kSuccess);
  const std::string failing =
      Trigger(CreateJob({SqlTask("query", "SELECT * FROM \"${env:ORC_SECRET_WORKER_TEST}\"")}));
  const orc::Run failed = WaitFor(failing, RunStatus::kFailed);
  ASSERT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_NE(failed.error_message.find("***"), std::string::npos) << failed.error_message;
  for (const std::string& run_id : {echoed, failing}) {
    const orc::Run run = *store_->GetRun(run_id);
    EXPECT_EQ(run.error_message.find("pa55-w0rd"), std::string::npos) << run.error_message;
    for (const TaskRun& task_run : TaskRuns(run_id)) {
      EXPECT_EQ(task_run.error_message.find("pa55-w0rd"), std::string::npos);
      for (const std::string& error : task_run.errors) {
        EXPECT_EQ(error.find("pa55-w0rd"), std::string::npos) << error;
      }
    }
    for (const RunLogLine& line : *store_->GetRunLogs(run_id, 0, 1000)) {
      EXPECT_EQ(line.message.find("pa55-w0rd"), std::string::npos) << line.message;
    }
  }
  const std::vector<RunLogLine> lines = *store_->GetRunLogs(echoed, 0, 1000);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [](const RunLogLine& line) { return line.message == "token is ***"; }));
  unsetenv("ORC_SECRET_WORKER_TEST");
}

// DuckDB holds a file in one process at a time: tasks of two workers writing one file take turns
// instead of failing on its lock (no retries here to hide a failure).
TEST_P(WorkerManagerTest, TasksOfTwoWorkersWritingOneFileTakeTurns) {
  StartWorkers(2);
  std::vector<std::string> runs;
  for (int i = 0; i < 6; ++i) {
    runs.push_back(Trigger(
        CreateJob({SqlTask("write", "CREATE TABLE t" + std::to_string(i) +
                                        " AS SELECT sum(range) AS s FROM range(20000000)")})));
  }
  for (const std::string& run_id : runs) {
    const orc::Run run = WaitFor(run_id, RunStatus::kSuccess);
    EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  }
}

// ":memory:" is the executor's: the tasks of a run hand tables on through it, another job's tasks
// find it empty.
TEST_P(WorkerManagerTest, MemoryIsSharedByTheTasksOfAJobNotWithOtherJobs) {
  StartWorkers(1);
  auto memory_task = [](const std::string& name, const std::string& sql) {
    return Task{
        .task_name = name,
        .transform_config = json{{"type", "sql"}, {"db_path", ":memory:"}, {"sql", sql}}.dump()};
  };
  Task use = memory_task("use", "CREATE TABLE copied AS SELECT * FROM handed_on");
  use.depends_on = {"make"};
  const std::string shared =
      Trigger(CreateJob({memory_task("make", "CREATE TABLE handed_on AS SELECT 1 AS x"), use}));
  const orc::Run run = WaitFor(shared, RunStatus::kSuccess);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  const std::string other = Trigger(CreateJob({memory_task("peek", "SELECT * FROM handed_on")}));
  const orc::Run peeked = WaitFor(other, RunStatus::kFailed);
  EXPECT_EQ(peeked.status, RunStatus::kFailed);
  EXPECT_NE(peeked.error_message.find("handed_on does not exist"), std::string::npos)
      << peeked.error_message;
}

// A source that draws the same number every time.
class ConstantRandom final : public RandomSource {
 public:
  explicit ConstantRandom(double value) : value_(value) {}
  double Uniform(double, double) override { return value_; }

 private:
  double value_;
};

TEST(RetryDelayTest, DoublesUpToTheCapWithJitter) {
  const RetryPolicy policy{.max_attempts = 10, .initial_delay_s = 1, .max_delay_s = 5};
  ConstantRandom no_jitter(1.0);
  EXPECT_EQ(RetryDelay(policy, 2, no_jitter), 1s);
  EXPECT_EQ(RetryDelay(policy, 3, no_jitter), 2s);
  EXPECT_EQ(RetryDelay(policy, 4, no_jitter), 4s);
  EXPECT_EQ(RetryDelay(policy, 5, no_jitter), 5s);
  ConstantRandom half(0.5);
  EXPECT_EQ(RetryDelay(policy, 3, half), 1s);
}

TEST(RetryDelayTest, AFixedSeedGivesTheSameDelays) {
  const RetryPolicy policy{.max_attempts = 10, .initial_delay_s = 1, .max_delay_s = 1000};
  const auto delays = [&](std::uint64_t seed) {
    SeededRandom random(seed);
    std::vector<Duration> result;
    for (int attempt = 2; attempt <= 8; ++attempt) {
      result.push_back(RetryDelay(policy, attempt, random));
    }
    return result;
  };
  const std::vector<Duration> first = delays(42);
  EXPECT_EQ(first, delays(42));
  EXPECT_NE(first, delays(43));
  for (size_t i = 0; i < first.size(); ++i) {
    const Duration uncapped = std::chrono::seconds(1 << i);
    EXPECT_GE(first[i], uncapped / 2);
    EXPECT_LT(first[i], uncapped);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkerManagerTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
