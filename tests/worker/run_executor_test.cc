// ExecuteRun on fake time, its attempts run by a script (worker/attempt_script.h) instead of
// executor processes: the order of the tasks, retries and their backoff, upstream_failed, tasks
// done on an earlier claim, timeouts and cancel. Nothing here waits for real time; the tests
// that need real executor processes are in worker_manager_process_test.cc.
#include "worker/run_executor.h"

#include <gtest/gtest.h>

#include "core/task_graph.h"

#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>

#include "plugins/plugin_registry.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/test_database.h"
#include "worker/attempt_script.h"
#include "worker/database_write_locks.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using testing::AttemptScript;
using testing::ScriptedAttempt;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));
constexpr const char* kOwner = "test-worker";

// A source that draws the same number every time.
class ConstantRandom final : public RandomSource {
 public:
  explicit ConstantRandom(double value) : value_(value) {}
  double Uniform(double, double) override { return value_; }

 private:
  double value_;
};

Task ScriptedTask(const std::string& name, std::vector<std::string> depends_on = {}) {
  return Task{
      .task_name = name,
      .transform_config =
          nlohmann::json{{"type", "sql"}, {"db_path", ":memory:"}, {"sql", "SELECT 1"}}.dump(),
      .depends_on = std::move(depends_on)};
}

ScriptedAttempt Fails(Status status) { return {.status = std::move(status)}; }
ScriptedAttempt Blocks() { return {.block = true}; }

class RunExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinPlugins(plugins_);
    store_ = testing::OpenTestStore(database_, clock_);
    ASSERT_NE(store_, nullptr);
    environment_ = std::make_unique<ExecutionEnvironment>(
        ExecutionEnvironment{.store = *store_,
                             .plugins = plugins_,
                             .clock = clock_,
                             .random = random_,
                             .paths = paths_,
                             .secrets = secrets_,
                             .database_locks = database_locks_});
  }

  // Creates the job and claims a run of it, as a worker would.
  void Claim(std::vector<Task> tasks, RetryPolicy retry = {.max_attempts = 1}) {
    Result<Job> job = store_->CreateJob(Job{.job_name = "job", .retry = retry, .tasks = tasks});
    ASSERT_TRUE(job.ok()) << job.status();
    job_id_ = job->job_id;
    ASSERT_TRUE(store_->EnqueueRun({.job_id = job_id_}).ok());
    ClaimAgain();
  }

  // Claims the queued run (again, after it was given back).
  void ClaimAgain() {
    Result<std::optional<orc::Run>> claimed = store_->ClaimRun(kOwner, 1h);
    ASSERT_TRUE(claimed.ok() && claimed->has_value()) << claimed.status();
    active_ = std::make_unique<ActiveRun>(**claimed);
    log_ = std::make_unique<RunLog>((*claimed)->run_id, clock_);
  }

  const std::string& run_id() const { return active_->run().run_id; }

  RunOutcome Execute() {
    RunOutcome outcome = ExecuteRun(*environment_, *runner_, *active_, *log_);
    log_->Flush(*store_);
    return outcome;
  }

  // Executes on a thread of its own, for a test that acts while the run is under way.
  std::future<RunOutcome> ExecuteInBackground() {
    return std::async(std::launch::async, [this] { return Execute(); });
  }

  std::vector<TaskRun> SavedTaskRuns() { return *store_->GetTaskRuns(run_id()); }

  std::vector<std::string> LogMessages() {
    std::vector<std::string> messages;
    // Held in a variable: a range-for over *Result would outlive the Result's value.
    const std::vector<RunLogLine> lines = *store_->GetRunLogs(run_id(), 0, 1000);
    for (const RunLogLine& line : lines) {
      messages.push_back(line.task_name + ": " + line.message);
    }
    return messages;
  }

  FakeClock clock_{kStart};
  testing::TestDatabase database_{testing::TestBackend::kMemory};
  testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
  PluginRegistry plugins_;
  ConstantRandom random_{0.75};  // every retry waits 3/4 of its backoff's ceiling
  PathPolicy paths_{dir_.path(), {}, {}};
  SecretPolicy secrets_;
  DatabaseWriteLocks database_locks_;
  std::unique_ptr<ExecutionEnvironment> environment_;
  AttemptScript script_{clock_};
  std::unique_ptr<AttemptRunner> runner_ = script_.NewRunner();
  std::string job_id_;
  std::unique_ptr<ActiveRun> active_;
  std::unique_ptr<RunLog> log_;
};

TEST_F(RunExecutorTest, RunsTasksInTaskOrderEachAfterTheTasksItDependsOn) {
  // Listed first, run second and third: they depend on "load".
  Claim({ScriptedTask("report", {"load", "check"}), ScriptedTask("check", {"load"}),
         ScriptedTask("load"), ScriptedTask("other")});
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kSuccess) << outcome.error_message;
  EXPECT_EQ(script_.TaskNames(), (std::vector<std::string>{"load", "check", "report", "other"}));
  const std::vector<TaskRun> saved = SavedTaskRuns();
  ASSERT_EQ(saved.size(), 4u);
  for (const TaskRun& task_run : saved) {
    EXPECT_EQ(task_run.status, TaskRunStatus::kSuccess) << task_run.task_name;
    EXPECT_EQ(task_run.attempts, 1) << task_run.task_name;
    EXPECT_EQ(task_run.finished_at, kStart) << task_run.task_name;
  }
  EXPECT_EQ(outcome.task_runs, saved);
}

TEST_F(RunExecutorTest, AFailingTaskIsRetriedWithItsBackoffOnTheClock) {
  clock_.SetAutoAdvance(true);
  Claim({ScriptedTask("flaky"), ScriptedTask("after", {"flaky"})},
        {.max_attempts = 4, .initial_delay_s = 10, .max_delay_s = 25});
  script_.Script("flaky", {Fails(UnavailableError("source down")),
                           Fails(UnavailableError("source down")),
                           Fails(DeadlineExceededError("source slow")),
                           {.rows = 7}});
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kSuccess) << outcome.error_message;
  // Ceilings 10 s, 20 s, then 40 s capped at 25 s; each scaled by the source's 0.75.
  std::vector<Duration> began;
  for (const auto& attempt : script_.attempts()) began.push_back(attempt.began - kStart);
  EXPECT_EQ(began, (std::vector<Duration>{0s, 7500ms, 22500ms, 41250ms, 41250ms}));
  EXPECT_EQ(script_.TaskNames(),
            (std::vector<std::string>{"flaky", "flaky", "flaky", "flaky", "after"}));
  const TaskRun flaky = SavedTaskRuns().at(0);
  EXPECT_EQ(flaky.status, TaskRunStatus::kSuccess);
  EXPECT_EQ(flaky.attempts, 4);
  EXPECT_EQ(flaky.errors,
            (std::vector<std::string>{"source down", "source down", "attempt 3: source slow"}));
  EXPECT_EQ(flaky.started_at, kStart);
  EXPECT_EQ(flaky.finished_at, kStart + 41250ms);
  const std::vector<std::string> log = LogMessages();
  EXPECT_NE(std::find(log.begin(), log.end(),
                      "flaky: attempt 1 failed: source down; retrying in 7.500 s"),
            log.end())
      << ::testing::PrintToString(log);
}

TEST_F(RunExecutorTest, RetriesEndAtMaxAttemptsAndTheRunFailsWithTheLastError) {
  clock_.SetAutoAdvance(true);
  Claim({ScriptedTask("down")}, {.max_attempts = 2, .initial_delay_s = 1, .max_delay_s = 1});
  script_.Script("down", {Fails(UnavailableError("first")), Fails(UnavailableError("second"))});
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_EQ(outcome.error_message, "task down failed after 2 attempts: second");
  EXPECT_EQ(script_.attempts().size(), 2u);
  EXPECT_EQ(SavedTaskRuns().at(0).status, TaskRunStatus::kFailed);
}

TEST_F(RunExecutorTest, AnErrorThatCannotHealIsNotRetried) {
  clock_.SetAutoAdvance(true);
  Claim({ScriptedTask("broken")}, {.max_attempts = 5});
  script_.Script("broken", {Fails(InvalidArgumentError("no such column"))});
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_EQ(script_.attempts().size(), 1u);
  EXPECT_EQ(clock_.Now(), kStart) << "no retry delay was waited";
  const std::vector<std::string> log = LogMessages();
  EXPECT_NE(std::find(log.begin(), log.end(),
                      "broken: failed after 1 attempt (not retried: this error cannot heal): "
                      "no such column"),
            log.end())
      << ::testing::PrintToString(log);
}

// A failure used to be logged twice, by its task and again by the run: its cause is said once.
TEST_F(RunExecutorTest, AFailureIsLoggedOnceWithTheRunNamingTheTask) {
  clock_.SetAutoAdvance(true);
  Claim({ScriptedTask("broken")});
  script_.Script("broken", {Fails(InvalidArgumentError("no such column"))});
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.error_message, "task broken failed after 1 attempt: no such column");
  const std::vector<std::string> log = LogMessages();
  EXPECT_EQ(std::count_if(log.begin(), log.end(),
                          [](const std::string& line) {
                            return line.find("no such column") != std::string::npos;
                          }),
            1)
      << ::testing::PrintToString(log);
  EXPECT_NE(std::find(log.begin(), log.end(), ": run failed: task broken failed"), log.end())
      << ::testing::PrintToString(log);
}

TEST_F(RunExecutorTest, ATaskWhoseUpstreamFailedIsMarkedAndIndependentTasksStillRun) {
  Claim({ScriptedTask("extract"), ScriptedTask("transform", {"extract"}),
         ScriptedTask("publish", {"transform"}), ScriptedTask("independent")});
  script_.Script("extract", {Fails(InvalidArgumentError("bad config"))});
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_EQ(outcome.error_message, "task extract failed after 1 attempt: bad config");
  EXPECT_EQ(script_.TaskNames(), (std::vector<std::string>{"extract", "independent"}));
  const std::vector<TaskRun> saved = SavedTaskRuns();
  ASSERT_EQ(saved.size(), 4u);
  EXPECT_EQ(saved[0].status, TaskRunStatus::kFailed);
  EXPECT_EQ(saved[1].status, TaskRunStatus::kUpstreamFailed);
  EXPECT_EQ(saved[1].error_message, "upstream task extract did not succeed");
  EXPECT_EQ(saved[2].status, TaskRunStatus::kUpstreamFailed) << "the failure passes down";
  EXPECT_EQ(saved[2].error_message, "upstream task transform did not succeed");
  EXPECT_EQ(saved[3].status, TaskRunStatus::kSuccess);
  EXPECT_EQ(saved[1].attempts, 0);
}

// The run is given back (orc shut down) while its second task runs; on the next claim the first
// task, recorded as succeeded, is not run again.
TEST_F(RunExecutorTest, ATaskThatSucceededOnAnEarlierClaimIsNotRunAgain) {
  Claim({ScriptedTask("first"), ScriptedTask("second", {"first"})});
  script_.Script("second", {{.action = [this] { active_->Stop(StopReason::kShutdown); }}});
  const RunOutcome stopped = Execute();
  EXPECT_EQ(stopped.status, RunStatus::kCancelled);
  EXPECT_EQ(stopped.error_message, "orc is shutting down");
  ASSERT_TRUE(store_->ReleaseRun(run_id(), kOwner).ok());

  script_.Script("second", {});
  ClaimAgain();
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kSuccess) << outcome.error_message;
  EXPECT_EQ(script_.TaskNames(), (std::vector<std::string>{"first", "second", "second"}));
  const std::vector<TaskRun> saved = SavedTaskRuns();
  EXPECT_EQ(saved[0].status, TaskRunStatus::kSuccess);
  EXPECT_EQ(saved[0].attempts, 1);
  EXPECT_EQ(saved[1].status, TaskRunStatus::kSuccess);
}

// Re-run from failure: the retry runs the failed task and what is downstream of it; the tasks
// that succeeded show as skipped, and downstream tasks may use their results.
TEST_F(RunExecutorTest, ARetryRunsOnlyWhatFailedAndItsDownstream) {
  Claim({ScriptedTask("extract"), ScriptedTask("transform", {"extract"}),
         ScriptedTask("publish", {"transform"}), ScriptedTask("independent")});
  script_.Script("transform", {Fails(InvalidArgumentError("bad sql"))});
  const RunOutcome failed = Execute();
  ASSERT_EQ(failed.status, RunStatus::kFailed);
  const std::string first_run = run_id();
  ASSERT_TRUE(store_->FinishRun(first_run, kOwner, failed).ok());

  script_.Script("transform", {});
  const std::vector<std::string> only =
      TasksToRetry(store_->GetJob(job_id_)->tasks, *store_->GetTaskRuns(first_run));
  ASSERT_EQ(only, (std::vector<std::string>{"transform", "publish"}));
  ASSERT_TRUE(
      store_->EnqueueRun({.job_id = job_id_, .retry_of = first_run, .only_tasks = only}).ok());
  ClaimAgain();
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kSuccess) << outcome.error_message;
  EXPECT_EQ(script_.TaskNames(), (std::vector<std::string>{"extract", "transform", "independent",
                                                           "transform", "publish"}));
  const std::vector<TaskRun> saved = SavedTaskRuns();
  ASSERT_EQ(saved.size(), 4u);
  EXPECT_EQ(saved[0].status, TaskRunStatus::kSkipped);
  EXPECT_EQ(saved[1].status, TaskRunStatus::kSuccess);
  EXPECT_EQ(saved[2].status, TaskRunStatus::kSuccess);
  EXPECT_EQ(saved[3].status, TaskRunStatus::kSkipped);
}

// Clearing one task runs it alone; a task that had failed and is not cleared keeps its failure,
// so the tasks downstream of it do not run and the run fails again.
TEST_F(RunExecutorTest, AClearedTaskRunsAloneAndUnclearedFailuresStand) {
  Claim({ScriptedTask("extract"), ScriptedTask("transform", {"extract"}), ScriptedTask("audit")});
  script_.Script("extract", {Fails(InvalidArgumentError("no file"))});
  const RunOutcome failed = Execute();
  const std::string first_run = run_id();
  ASSERT_TRUE(store_->FinishRun(first_run, kOwner, failed).ok());

  ASSERT_TRUE(
      store_->EnqueueRun({.job_id = job_id_, .retry_of = first_run, .only_tasks = {"audit"}}).ok());
  ClaimAgain();
  const RunOutcome outcome = Execute();
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_EQ(script_.TaskNames(), (std::vector<std::string>{"extract", "audit", "audit"}));
  const std::vector<TaskRun> saved = SavedTaskRuns();
  ASSERT_EQ(saved.size(), 3u);
  EXPECT_EQ(saved[0].status, TaskRunStatus::kFailed);
  EXPECT_EQ(saved[0].error_message, "not run again: failed in run " + first_run + ": no file");
  EXPECT_EQ(saved[1].status, TaskRunStatus::kUpstreamFailed);
  EXPECT_EQ(saved[2].status, TaskRunStatus::kSuccess);
}

// Enforce() is what the supervisor calls on every tick: before the deadline it leaves the attempt
// alone, at the deadline it interrupts it, and the timeout is retried like any error that can heal.
TEST_F(RunExecutorTest, AnAttemptPastItsTimeoutIsInterruptedAndRetried) {
  Task slow = ScriptedTask("slow");
  slow.timeout_s = 30;
  Claim({slow}, {.max_attempts = 2, .initial_delay_s = 5, .max_delay_s = 5});
  script_.Script("slow", {Blocks(), {}});
  std::future<RunOutcome> outcome = ExecuteInBackground();
  ASSERT_TRUE(script_.AwaitBlocked());
  clock_.Advance(29s);
  active_->Enforce(clock_.Now());
  clock_.Advance(1s);
  active_->Enforce(clock_.Now());
  // The retry waits 3.75 s on the clock.
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(script_.attempts().size(), 1u);
  clock_.Advance(3750ms);
  const RunOutcome result = outcome.get();
  EXPECT_EQ(result.status, RunStatus::kSuccess) << result.error_message;
  const std::vector<testing::RecordedAttempt> attempts = script_.attempts();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].interrupted, kStart + 30s) << "interrupted at the deadline, not before";
  EXPECT_EQ(attempts[0].interrupt_reason.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(attempts[1].began, kStart + 33750ms);
  EXPECT_EQ(SavedTaskRuns().at(0).errors,
            std::vector<std::string>{"attempt 1: timed out after 30 s"});
}

TEST_F(RunExecutorTest, ACancelInterruptsTheRunningAttemptAndNoOtherTaskStarts) {
  Claim({ScriptedTask("running"), ScriptedTask("next")}, {.max_attempts = 3});
  script_.Script("running", {Blocks()});
  std::future<RunOutcome> outcome = ExecuteInBackground();
  ASSERT_TRUE(script_.AwaitBlocked());
  active_->Stop(StopReason::kCancelRequested);
  const RunOutcome result = outcome.get();
  EXPECT_EQ(result.status, RunStatus::kCancelled);
  EXPECT_EQ(result.error_message, "cancelled by request");
  EXPECT_EQ(script_.TaskNames(), std::vector<std::string>{"running"}) << "not retried, no next";
  EXPECT_EQ(script_.attempts().at(0).interrupt_reason.code(), StatusCode::kCancelled);
  ASSERT_EQ(result.task_runs.size(), 2u);
  EXPECT_EQ(result.task_runs[0].status, TaskRunStatus::kCancelled);
  EXPECT_EQ(result.task_runs[1].status, TaskRunStatus::kCancelled);
  EXPECT_EQ(SavedTaskRuns().at(0).status, TaskRunStatus::kCancelled);
}

TEST_F(RunExecutorTest, ACancelEndsARetryDelay) {
  Claim({ScriptedTask("flaky")}, {.max_attempts = 3, .initial_delay_s = 3600});
  script_.Script("flaky", {Fails(UnavailableError("source down"))});
  std::future<RunOutcome> outcome = ExecuteInBackground();
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // waiting out the delay
  active_->Stop(StopReason::kCancelRequested);
  const RunOutcome result = outcome.get();
  EXPECT_EQ(result.status, RunStatus::kCancelled);
  EXPECT_EQ(script_.attempts().size(), 1u);
  EXPECT_EQ(clock_.Now(), kStart);
  EXPECT_EQ(result.task_runs.at(0).status, TaskRunStatus::kCancelled);
}

// What a task logs or fails with never carries a secret's value, though its configuration (as the
// runner gets it) does.
TEST_F(RunExecutorTest, SecretsReachTheAttemptAndNotTheRecord) {
  setenv("ORC_SECRET_RUN_EXECUTOR_TEST", "hunter2", 1);
  Task task = ScriptedTask("secretive");
  task.transform_config =
      nlohmann::json{
          {"type", "sql"}, {"db_path", ":memory:"}, {"sql", "${env:ORC_SECRET_RUN_EXECUTOR_TEST}"}}
          .dump();
  Claim({task});
  script_.Script("secretive", {{.status = InvalidArgumentError("cannot parse hunter2"),
                                .log = {"running hunter2"}}});
  const RunOutcome outcome = Execute();
  unsetenv("ORC_SECRET_RUN_EXECUTOR_TEST");
  EXPECT_EQ(script_.attempts().at(0).assignment.transform_config["sql"], "hunter2");
  EXPECT_EQ(outcome.error_message, "task secretive failed after 1 attempt: cannot parse ***");
  const std::vector<std::string> log = LogMessages();
  EXPECT_NE(std::find(log.begin(), log.end(), "secretive: running ***"), log.end())
      << ::testing::PrintToString(log);
  for (const std::string& line : log) EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
}

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

}  // namespace
}  // namespace orc
