// The worker pool against a real state store (SQLite and PostgreSQL), real DuckDB tasks in real
// executor processes, and test plugins that fail, crash, hang and allocate on purpose
// (tests/executor/test_plugins.h): what only real processes show (data moved, crashes, memory
// limits, secrets kept out of what a process says, DuckDB's file locks). The logic around the
// attempts (claims, leases, heartbeats, timeouts, cancel, shutdown) is tested on fake time in
// worker_manager_test.cc; these tests wait on the wall clock, with bounds meant for a busy machine.
#include "worker/worker_manager.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

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

class WorkerManagerProcessTest : public ::testing::TestWithParam<TestBackend> {
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
  // A copy: a range-for over *store_->GetRunLogs() would outlive the Result holding the lines.
  std::vector<RunLogLine> Logs(const std::string& run_id) {
    return *store_->GetRunLogs(run_id, 0, 1000);
  }

  testing::TestDatabase database_{GetParam()};
  testing::TempDir dir_;
  PluginRegistry plugins_;
  SeededRandom random_{1};
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<WorkerManager> workers_;
};

constexpr const char* kEndlessQuery =
    "CREATE TABLE endless AS SELECT count(*) FROM range(10000000000) a, range(1000) b";

TEST_P(WorkerManagerProcessTest, RunsTasksInDependencyOrderAndRecordsTheOutcome) {
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

TEST_P(WorkerManagerProcessTest, APermanentErrorFailsAtOnceWithItsRootCause) {
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

TEST_P(WorkerManagerProcessTest, SecretsAreResolvedForTheTaskAndKeptOutOfItsErrorsAndLog) {
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
  for (const RunLogLine& line : Logs(run_id)) everything += line.message;
  EXPECT_EQ(everything.find("s3cret-value"), std::string::npos) << everything;
}

TEST_P(WorkerManagerProcessTest, AReferenceToAVariableJobsMayNotReadFailsTheTask) {
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

// A cancel stops a real DuckDB query in its process. orc promises a second (the executor's stop
// grace, then a kill: executor_process_test.cc checks that bound); a busy machine gets ten here.
TEST_P(WorkerManagerProcessTest, ARunningQueryIsCancelled) {
  StartWorkers();
  const std::string run_id = Trigger(CreateJob({SqlTask("hang", kEndlessQuery)}));
  ASSERT_EQ(WaitFor(run_id, RunStatus::kRunning).status, RunStatus::kRunning);
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(store_->RequestCancel(run_id).ok());
  workers_->CancelRequested(run_id);
  const orc::Run run = WaitFor(run_id, RunStatus::kCancelled, 10s);
  EXPECT_EQ(run.status, RunStatus::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 10s);
  EXPECT_EQ(TaskRuns(run_id).at(0).status, TaskRunStatus::kCancelled);
}

TEST_P(WorkerManagerProcessTest, ProgressIsSavedWhileATaskRuns) {
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
TEST_P(WorkerManagerProcessTest, ACrashingTaskTakesDownOnlyItsOwnAttempt) {
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

TEST_P(WorkerManagerProcessTest, ATaskAboveItsMemoryLimitFailsNamingTheLimit) {
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
TEST_P(WorkerManagerProcessTest, SecretValuesNeverReachTheRecord) {
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
    for (const RunLogLine& line : Logs(run_id)) {
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
TEST_P(WorkerManagerProcessTest, TasksOfTwoWorkersWritingOneFileTakeTurns) {
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
TEST_P(WorkerManagerProcessTest, MemoryIsSharedByTheTasksOfAJobNotWithOtherJobs) {
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

INSTANTIATE_TEST_SUITE_P(Backends, WorkerManagerProcessTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
