#include "executor/executor_process.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

class ExecutorProcessTest : public ::testing::Test {
 protected:
  ExecutorProcessTest()
      : executor_({.command = {ORC_TEST_EXECUTOR_PATH},
                   .settings = {.data_dir = dir_.path(), .confine = false}}) {}

  // Each call is a task of its own (a sql task runs once per run and task: its ledger).
  TaskReport Run(json transform, int64_t memory_limit_mb = 0) {
    TaskAssignment task{.run_id = "r1",
                        .task_id = "t" + std::to_string(++tasks_),
                        .task_name = "task",
                        .memory_limit_mb = memory_limit_mb,
                        .transform_config = std::move(transform)};
    logs_.clear();
    return executor_.Run(
        task, interrupter_,
        [this](std::string_view level, std::string message) {
          logs_.push_back(std::string(level) + ": " + message);
        },
        [this](const TaskCounters& counters) { progress_ = counters; });
  }

  // Interrupts the running task `after` from now, from another thread.
  std::thread InterruptAfter(Duration after, Status reason) {
    return std::thread([this, after, reason] {
      std::this_thread::sleep_for(after);
      interrupter_.Interrupt(reason);
    });
  }

  testing::TempDir dir_;
  ExecutorProcess executor_;
  Interrupter interrupter_;
  std::vector<std::string> logs_;
  int tasks_ = 0;
  TaskCounters progress_;
};

TEST_F(ExecutorProcessTest, RunsATaskAndRelaysItsLogAndOutcome) {
  const TaskReport report = Run({{"type", "test_echo"}, {"lines", {"one", "two"}}});
  ASSERT_TRUE(report.status.ok()) << report.status.message();
  EXPECT_EQ(report.rows, 7);
  EXPECT_EQ(report.counters.rows_loaded, 7);
  EXPECT_EQ(logs_, (std::vector<std::string>{"info: one", "info: two"}));
  EXPECT_GT(executor_.pid(), 0);
}

// A load competes for the CPU like any other process: nice would hand its share to every other
// process on the machine. SCHED_BATCH only keeps it from preempting orc's own threads.
TEST_F(ExecutorProcessTest, TheProcessRunsAsABatchTaskAtOrcsOwnNiceValue) {
  ASSERT_TRUE(Run({{"type", "test_echo"}, {"lines", {"one"}}}).status.ok());
  std::ifstream stat("/proc/" + std::to_string(executor_.pid()) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The fields after the command's closing parenthesis, from the third (state) on.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::vector<std::string> values{"", "", ""};
  for (std::string field; fields >> field;) values.push_back(field);
  ASSERT_GT(values.size(), 41u);
  EXPECT_EQ(std::stoi(values[19]), getpriority(PRIO_PROCESS, 0)) << "nice";
  EXPECT_EQ(std::stoi(values[41]), SCHED_BATCH) << "scheduling policy";
}

TEST_F(ExecutorProcessTest, TheProcessInheritsNoneOfOrcsSecrets) {
  setenv("ORC_SECRET_TEST_VALUE", "s3cret", 1);
  setenv("DATABASE_URL", "postgres://orc:hunter2@db/orc", 1);
  for (const char* name : {"ORC_SECRET_TEST_VALUE", "DATABASE_URL"}) {
    const TaskReport report = Run({{"type", "test_echo"}, {"env", name}});
    ASSERT_TRUE(report.status.ok()) << report.status.message();
    EXPECT_EQ(logs_, std::vector<std::string>{"info: (unset)"}) << name;
  }
  // Its temporary directory is its own, and goes with it.
  const TaskReport report = Run({{"type", "test_echo"}, {"env", "TMPDIR"}});
  ASSERT_EQ(logs_.size(), 1u);
  const std::string temp_dir = logs_[0].substr(std::string("info: ").size());
  EXPECT_NE(temp_dir.find("orc-executor-"), std::string::npos) << temp_dir;
  EXPECT_TRUE(std::filesystem::is_directory(temp_dir));
  const pid_t pid = executor_.pid();
  Run({{"type", "test_crash"}});
  EXPECT_FALSE(std::filesystem::exists(temp_dir));
  EXPECT_NE(kill(pid, 0), 0);
}

TEST_F(ExecutorProcessTest, ACrashFailsTheAttemptAndTheNextOneGetsANewProcess) {
  ASSERT_TRUE(executor_.Start().ok());
  const pid_t first = executor_.pid();
  for (const char* signal : {"SEGV", "ABRT"}) {
    const TaskReport crashed = Run({{"type", "test_crash"}, {"signal", signal}});
    EXPECT_EQ(crashed.status.code(), StatusCode::kInternal);
    EXPECT_EQ(crashed.status.message(), std::string("task process crashed (SIG") + signal + ")");
    EXPECT_EQ(executor_.pid(), 0);
  }
  const TaskReport next = Run({{"type", "test_echo"}});
  EXPECT_TRUE(next.status.ok()) << next.status.message();
  EXPECT_NE(executor_.pid(), first);
}

TEST_F(ExecutorProcessTest, ACrashQuotesWhatTheProcessLastSaid) {
  const TaskReport crashed =
      Run({{"type", "test_crash"}, {"signal", "ABRT"}, {"lines", {"first", "why it died"}}});
  EXPECT_EQ(crashed.status.message(), "task process crashed (SIGABRT): first why it died");
}

TEST_F(ExecutorProcessTest, AThrowingPluginFailsItsAttemptAndTheProcessLives) {
  ASSERT_TRUE(executor_.Start().ok());
  const pid_t pid = executor_.pid();
  const TaskReport report = Run({{"type", "test_throw"}});
  EXPECT_EQ(report.status.code(), StatusCode::kInternal);
  EXPECT_NE(report.status.message().find("a bug in a plugin"), std::string::npos);
  EXPECT_EQ(executor_.pid(), pid);
}

TEST_F(ExecutorProcessTest, AStopEndsATaskThatListens) {
  ASSERT_TRUE(executor_.Start().ok());
  const pid_t pid = executor_.pid();
  const auto started = SteadyClock::now();
  std::thread interrupt = InterruptAfter(100ms, CancelledError("cancelled by request"));
  const TaskReport report = Run({{"type", "test_sleep"}, {"seconds", 60}});
  interrupt.join();
  EXPECT_EQ(report.status, CancelledError("cancelled by request"));
  EXPECT_LT(SteadyClock::now() - started, 400ms);
  EXPECT_EQ(executor_.pid(), pid);  // it stopped by itself: no need to kill it
}

TEST_F(ExecutorProcessTest, ATaskThatDoesNotListenIsKilledWithinASecond) {
  ASSERT_TRUE(executor_.Start().ok());
  const pid_t pid = executor_.pid();
  const auto started = SteadyClock::now();
  std::thread interrupt = InterruptAfter(100ms, DeadlineExceededError("timed out after 1 s"));
  const TaskReport report = Run({{"type", "test_hang"}, {"seconds", 60}});
  interrupt.join();
  EXPECT_EQ(report.status, DeadlineExceededError("timed out after 1 s"));
  EXPECT_LT(SteadyClock::now() - started, 100ms + 1s);
  EXPECT_NE(kill(pid, 0), 0) << "the hung process is gone";
  EXPECT_TRUE(Run({{"type", "test_echo"}}).status.ok());
}

TEST_F(ExecutorProcessTest, MemoryAboveTheLimitFailsTheAttempt) {
  const TaskReport report = Run({{"type", "test_allocate"}, {"mb", 600}}, 300);
  EXPECT_EQ(report.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(report.status.message().find("task exceeded its memory limit of 300 MiB"),
            std::string::npos)
      << report.status.message();
  EXPECT_TRUE(Run({{"type", "test_echo"}}).status.ok());
}

TEST_F(ExecutorProcessTest, RunsARealSqlTransform) {
  const TaskReport report = Run({{"type", "sql"},
                                 {"db_path", "w.duckdb"},
                                 {"sql", "CREATE TABLE t AS SELECT * FROM range(5)"}});
  ASSERT_TRUE(report.status.ok()) << report.status.message();
  EXPECT_EQ(report.rows, 5);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("w.duckdb")));
}

// A confined executor: SQL reaches only the directories jobs may use, and where the kernel has
// Landlock, not even a symlink leads elsewhere.
TEST(ConfinedExecutorTest, SqlReachesOnlyTheAllowedDirectories) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.File("data"));
  std::filesystem::create_directories(dir.File("outside"));
  std::ofstream(dir.File("outside/secret.csv")) << "a\n1\n";
  std::ofstream(dir.File("data/in.csv")) << "a\n1\n2\n";
  std::filesystem::create_symlink(dir.File("outside/secret.csv"), dir.File("data/link.csv"));
  ExecutorProcess executor({.command = {ORC_TEST_EXECUTOR_PATH},
                            .settings = {.data_dir = dir.File("data"), .confine = true}});
  ASSERT_TRUE(executor.Start().ok());
  EXPECT_NE(executor.sandbox().find("DuckDB confined"), std::string::npos) << executor.sandbox();
  Interrupter interrupter;
  int tasks = 0;
  auto run = [&](const std::string& sql) {
    return executor
        .Run(
            {.run_id = "r",
             .task_id = "t" + std::to_string(++tasks),
             .task_name = "sql",
             .memory_limit_mb = 1024,
             .transform_config = {{"type", "sql"}, {"db_path", "w.duckdb"}, {"sql", sql}}},
            interrupter, [](auto, auto) {}, [](auto) {})
        .status;
  };
  EXPECT_TRUE(
      run("CREATE TABLE t AS SELECT * FROM read_csv('" + dir.File("data/in.csv") + "')").ok());
  for (const std::string& sql :
       {std::string("SELECT * FROM read_text('/etc/passwd')"),
        "SELECT * FROM read_csv('" + dir.File("outside/secret.csv") + "')",
        "COPY (SELECT 1) TO '" + dir.File("outside/x.csv") + "'",
        "ATTACH '" + dir.File("outside/x.duckdb") + "'", std::string("INSTALL httpfs"),
        std::string("SET enable_external_access = true")}) {
    const Status status = run(sql);
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << sql << ": " << status;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.File("outside/x.csv")));
  if (executor.sandbox().find("Landlock ABI") != std::string::npos) {
    const Status through_link = run("SELECT * FROM read_csv('" + dir.File("data/link.csv") + "')");
    EXPECT_FALSE(through_link.ok()) << "Landlock stops what DuckDB's check lets through";
  }
}

TEST_F(ExecutorProcessTest, AProgramThatCannotStartIsAClearError) {
  ExecutorProcess missing({.command = {"/nonexistent/orc", "executor"}});
  const TaskReport report = missing.Run(
      {}, interrupter_, [](auto, auto) {}, [](auto) {});
  EXPECT_EQ(report.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(report.status.message().find("cannot start a task process (/nonexistent/orc)"),
            std::string::npos)
      << report.status.message();
}

}  // namespace
}  // namespace orc
