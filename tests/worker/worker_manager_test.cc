// The worker pool on fake time: workers claim, run and record runs; the supervisor renews leases,
// saves progress, enforces timeouts, relays cancel requests and reclaims expired leases; shutdown
// gives running runs back. Attempts are scripted (worker/attempt_script.h) and every step is set
// off by advancing the FakeClock or by an event, then awaited on the clock's waiters: no test
// sleeps or reads the wall clock. What needs real executor processes is in
// worker_manager_process_test.cc.
#include "worker/worker_manager.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "plugins/plugin_registry.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/test_database.h"
#include "worker/attempt_script.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using testing::AttemptScript;
using testing::ScriptedAttempt;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));
constexpr Duration kLease = 30s;
constexpr Duration kHeartbeat = 1s;
constexpr Duration kPollInterval = 2s;
constexpr Duration kReapInterval = 5s;

// A source that draws the same number every time: retry delays are their backoff's ceilings.
class ConstantRandom final : public RandomSource {
 public:
  double Uniform(double, double) override { return 1; }
};

Task ScriptedTask(const std::string& name) {
  return Task{
      .task_name = name,
      .transform_config =
          nlohmann::json{{"type", "sql"}, {"db_path", ":memory:"}, {"sql", "SELECT 1"}}.dump()};
}

ScriptedAttempt Blocks() { return {.block = true}; }

// On the in-memory store by default: the workers' side of the store's contract, which the same
// suite checks on SQLite and PostgreSQL (tests/state/state_store_test.cc).
class WorkerManagerTest : public ::testing::Test {
 protected:
  explicit WorkerManagerTest(testing::TestBackend backend = testing::TestBackend::kMemory)
      : database_(backend) {}

  void SetUp() override {
    RegisterBuiltinPlugins(plugins_);
    store_ = testing::OpenTestStore(database_, clock_);
    ASSERT_NE(store_, nullptr);
  }

  void TearDown() override { workers_.reset(); }

  // Starts `count` workers and waits until they and the supervisor sleep.
  void StartWorkers(int count = 1) {
    workers_ = std::make_unique<WorkerManager>(
        *store_, plugins_, clock_, random_,
        WorkerManagerOptions{.workers = count,
                             .lease = kLease,
                             .heartbeat = kHeartbeat,
                             .poll_interval = kPollInterval,
                             .reap_interval = kReapInterval,
                             .executor = {.settings = {.data_dir = dir_.path()}},
                             .make_runner = script_.Factory()});
    ASSERT_TRUE(workers_->Start().ok());
    AwaitSleepers(count + 1);
  }

  // Waits until `count` threads (idle workers, workers waiting out a retry delay, the supervisor,
  // a Shutdown() waiting out its grace) sleep on the clock: what the last step set off is done.
  void AwaitSleepers(int count) { ASSERT_TRUE(clock_.AwaitWaiters(count)); }

  std::string CreateJob(std::vector<Task> tasks, RetryPolicy retry = {.max_attempts = 1}) {
    static int count = 0;
    Result<Job> job = store_->CreateJob(Job{
        .job_name = "job-" + std::to_string(++count), .retry = retry, .tasks = std::move(tasks)});
    EXPECT_TRUE(job.ok()) << job.status();
    return job->job_id;
  }

  // Queues a run; tells the workers, as the API does, unless `tell` is false (as when another
  // process queued it).
  std::string Trigger(const std::string& job_id, bool tell = true) {
    Result<orc::Run> run = store_->EnqueueRun({.job_id = job_id});
    EXPECT_TRUE(run.ok()) << run.status();
    if (tell && workers_) workers_->RunEnqueued();
    return run->run_id;
  }

  orc::Run GetRun(const std::string& run_id) { return *store_->GetRun(run_id); }
  std::vector<TaskRun> TaskRuns(const std::string& run_id) { return *store_->GetTaskRuns(run_id); }

  FakeClock clock_{kStart};
  testing::TestDatabase database_;
  testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
  PluginRegistry plugins_;
  ConstantRandom random_;
  AttemptScript script_{clock_};
  std::unique_ptr<WorkerManager> workers_;
};

// The clock never moves: RunEnqueued alone wakes the idle worker.
TEST_F(WorkerManagerTest, AQueuedRunIsClaimedAtOnceRunAndRecorded) {
  StartWorkers(1);
  EXPECT_EQ(script_.starts(), 1) << "the runner starts with the manager";
  EXPECT_EQ(workers_->sandbox(), "scripted");
  const std::string run_id = Trigger(CreateJob({ScriptedTask("only")}));
  AwaitSleepers(2);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  EXPECT_EQ(run.finished_at, kStart);
  EXPECT_EQ(run.lease_owner, "");
  EXPECT_EQ(script_.TaskNames(), std::vector<std::string>{"only"});
  EXPECT_EQ(script_.attempts().at(0).assignment.run_id, run_id);
  const WorkerStats stats = workers_->stats();
  EXPECT_EQ(stats.runs_started, 1);
  EXPECT_EQ(stats.runs_finished.at("success"), 1);
  EXPECT_EQ(stats.active_runs, 0);
}

TEST_F(WorkerManagerTest, ARunQueuedElsewhereIsFoundAtThePollInterval) {
  StartWorkers(1);
  const std::string run_id = Trigger(CreateJob({ScriptedTask("only")}), /*tell=*/false);
  clock_.Advance(kPollInterval - 1ms);
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kQueued);
  clock_.Advance(1ms);
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kSuccess);
}

TEST_F(WorkerManagerTest, RunEnqueuedWakesEveryIdleWorker) {
  StartWorkers(2);
  script_.Script("first", {Blocks()});
  script_.Script("second", {Blocks()});
  const std::string first = Trigger(CreateJob({ScriptedTask("first")}), /*tell=*/false);
  const std::string second = Trigger(CreateJob({ScriptedTask("second")}));
  ASSERT_TRUE(script_.AwaitBlocked(2)) << "both workers run a run, with no clock tick";
  EXPECT_EQ(workers_->stats().active_runs, 2);
  script_.Release("first");
  script_.Release("second");
  AwaitSleepers(3);
  EXPECT_EQ(GetRun(first).status, RunStatus::kSuccess);
  EXPECT_EQ(GetRun(second).status, RunStatus::kSuccess);
}

TEST_F(WorkerManagerTest, EachHeartbeatRenewsTheLeaseAndSavesProgressAndLog) {
  StartWorkers(1);
  script_.Script("long", {{.progress = {.rows_extracted = 500, .rows_loaded = 400},
                           .log = {"halfway"},
                           .block = true}});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}));
  ASSERT_TRUE(script_.AwaitBlocked());
  EXPECT_EQ(GetRun(run_id).lease_expires_at, kStart + kLease);
  EXPECT_EQ(TaskRuns(run_id).at(0).rows_extracted, 0) << "saved as the attempt began";
  // Well past the first lease: each heartbeat pushed it on, and the reaper left the run alone.
  for (int beat = 1; beat <= 40; ++beat) {
    clock_.Advance(kHeartbeat);
    AwaitSleepers(1);  // the supervisor; the worker is in its attempt
  }
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.lease_expires_at, kStart + 40 * kHeartbeat + kLease);
  EXPECT_EQ(run.attempt, 1);
  const TaskRun task_run = TaskRuns(run_id).at(0);
  EXPECT_EQ(task_run.status, TaskRunStatus::kRunning);
  EXPECT_EQ(task_run.rows_extracted, 500);
  EXPECT_EQ(task_run.rows_loaded, 400);
  bool logged = false;
  const std::vector<RunLogLine> lines = *store_->GetRunLogs(run_id, 0, 100);
  for (const RunLogLine& line : lines) {
    logged = logged || (line.task_name == "long" && line.message == "halfway");
  }
  EXPECT_TRUE(logged) << "the log is flushed while the run goes on";
  script_.Release("long");
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kSuccess);
}

TEST_F(WorkerManagerTest, ARunWhoseLeaseExpiredIsReclaimedAndRunAgain) {
  StartWorkers(1);
  const std::string run_id = Trigger(CreateJob({ScriptedTask("only")}, {.max_attempts = 3}),
                                     /*tell=*/false);
  // Another process claims the run and is lost with it.
  Result<std::optional<orc::Run>> claimed = store_->ClaimRun("a-process-that-died", kLease);
  ASSERT_TRUE(claimed.ok() && claimed->has_value()) << claimed.status();
  clock_.Advance(kLease - 1s);
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(run_id).lease_owner, "a-process-that-died") << "its lease still holds";
  EXPECT_TRUE(script_.attempts().empty());
  clock_.Advance(kReapInterval);  // past the lease, and at a reaper's pass
  AwaitSleepers(2);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  EXPECT_EQ(run.attempt, 2);
  EXPECT_EQ(script_.attempts().size(), 1u);
}

TEST_F(WorkerManagerTest, ARunWhoseWorkerWasLostIsRecoveredAtStart) {
  const std::string run_id = Trigger(CreateJob({ScriptedTask("only")}, {.max_attempts = 3}));
  Result<std::optional<orc::Run>> claimed = store_->ClaimRun("a-process-that-died", kLease);
  ASSERT_TRUE(claimed.ok() && claimed->has_value()) << claimed.status();
  clock_.Advance(kLease + 1s);
  StartWorkers(1);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  EXPECT_EQ(run.attempt, 2);
}

// The cancel reaches the attempt's interrupter on the caller's thread: no tick, no heartbeat.
TEST_F(WorkerManagerTest, ACancelReachesTheRunningAttemptAtOnce) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}, {.max_attempts = 3}));
  ASSERT_TRUE(script_.AwaitBlocked());
  ASSERT_TRUE(store_->RequestCancel(run_id).ok());
  workers_->CancelRequested(run_id);
  EXPECT_EQ(script_.attempts().at(0).interrupted, kStart);
  AwaitSleepers(2);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kCancelled);
  EXPECT_EQ(run.error_message, "cancelled by request");
  EXPECT_EQ(script_.attempts().size(), 1u) << "a cancelled attempt is not retried";
  EXPECT_EQ(script_.attempts().at(0).interrupt_reason.code(), StatusCode::kCancelled);
  EXPECT_EQ(TaskRuns(run_id).at(0).status, TaskRunStatus::kCancelled);
}

TEST_F(WorkerManagerTest, ACancelRequestedElsewhereIsSeenAtTheNextHeartbeat) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}));
  ASSERT_TRUE(script_.AwaitBlocked());
  ASSERT_TRUE(store_->RequestCancel(run_id).ok());  // as another process would: no local event
  // The supervisor ticks in between (it enforces timeouts); only the heartbeat reads the store.
  clock_.Advance(kHeartbeat / 2);
  AwaitSleepers(1);
  EXPECT_FALSE(script_.attempts().at(0).interrupted.has_value());
  clock_.Advance(kHeartbeat / 2);
  AwaitSleepers(2);
  EXPECT_EQ(script_.attempts().at(0).interrupted, kStart + kHeartbeat);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kCancelled);
}

// The supervisor interrupts an attempt at its deadline; the timeout is retried after its delay,
// and once the run has failed the worker takes the next one.
TEST_F(WorkerManagerTest, TheSupervisorTimesOutAnAttemptAtItsDeadline) {
  StartWorkers(1);
  Task hang = ScriptedTask("hang");
  hang.timeout_s = 10;
  script_.Script("hang", {Blocks(), Blocks()});
  const std::string run_id =
      Trigger(CreateJob({hang}, {.max_attempts = 2, .initial_delay_s = 3, .max_delay_s = 3}));
  ASSERT_TRUE(script_.AwaitBlocked());
  clock_.Advance(9s);
  AwaitSleepers(1);
  EXPECT_FALSE(script_.attempts().at(0).interrupted.has_value());
  clock_.Advance(1s);
  AwaitSleepers(2);  // the worker waits out the retry delay
  EXPECT_EQ(script_.attempts().at(0).interrupted, kStart + 10s);
  clock_.Advance(3s);
  ASSERT_TRUE(script_.AwaitBlocked());
  EXPECT_EQ(script_.attempts().at(1).began, kStart + 13s);
  clock_.Advance(10s);
  AwaitSleepers(2);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_EQ(run.error_message,
            "task hang failed after 2 attempts: attempt 2: timed out after 10 s");
  EXPECT_EQ(TaskRuns(run_id).at(0).errors,
            (std::vector<std::string>{"attempt 1: timed out after 10 s",
                                      "attempt 2: timed out after 10 s"}));
  const std::string next = Trigger(CreateJob({ScriptedTask("quick")}));
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(next).status, RunStatus::kSuccess);
}

TEST_F(WorkerManagerTest, ShutdownGivesARunningRunBackToTheQueue) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}));
  ASSERT_TRUE(script_.AwaitBlocked());
  workers_->Shutdown(0s);
  EXPECT_EQ(script_.attempts().at(0).interrupt_reason.code(), StatusCode::kUnavailable);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kQueued);
  EXPECT_EQ(run.lease_owner, "");
  EXPECT_EQ(run.attempt, 0) << "the shutdown does not count as a claim";
}

TEST_F(WorkerManagerTest, ARunThatEndsWithinTheShutdownGraceIsRecorded) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}));
  ASSERT_TRUE(script_.AwaitBlocked());
  auto shutdown = std::async(std::launch::async, [this] { workers_->Shutdown(60s); });
  AwaitSleepers(2);  // Shutdown() waits out its grace beside the supervisor
  clock_.Advance(30s);
  AwaitSleepers(2);
  EXPECT_FALSE(script_.attempts().at(0).interrupted.has_value()) << "inside the grace";
  script_.Release("long");
  shutdown.get();
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kSuccess);
}

TEST_F(WorkerManagerTest, ARunStillRunningWhenTheShutdownGraceEndsGoesBack) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}));
  ASSERT_TRUE(script_.AwaitBlocked());
  auto shutdown = std::async(std::launch::async, [this] { workers_->Shutdown(60s); });
  AwaitSleepers(2);
  clock_.Advance(60s);
  shutdown.get();
  EXPECT_EQ(script_.attempts().at(0).interrupted, kStart + 60s);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kQueued);
}

// A shutdown gives the run back without counting the attempt; the task that had succeeded before
// it stays done when the run is claimed again.
TEST_F(WorkerManagerTest, ATaskThatSucceededBeforeAShutdownIsNotRunAgain) {
  StartWorkers(1);
  Task wait = ScriptedTask("wait");
  wait.depends_on = {"mark"};
  script_.Script("wait", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("mark"), wait}));
  ASSERT_TRUE(script_.AwaitBlocked());
  workers_->Shutdown(0s);
  ASSERT_EQ(GetRun(run_id).status, RunStatus::kQueued);

  script_.Script("wait", {});
  StartWorkers(1);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kSuccess) << run.error_message;
  EXPECT_EQ(run.attempt, 1);
  EXPECT_EQ(script_.TaskNames(), (std::vector<std::string>{"mark", "wait", "wait"}));
}

// This worker's lease runs out (as if it had stalled) and another process takes the run over: at
// its next heartbeat the worker stops the run and leaves it, task runs included, to the new owner.
// Another process on the same database: SQLite, which two stores can share.
class WorkerManagerTakeOverTest : public WorkerManagerTest {
 protected:
  WorkerManagerTakeOverTest() : WorkerManagerTest(testing::TestBackend::kSqlite) {}
};

TEST_F(WorkerManagerTakeOverTest, AFencedNodeStopsItsRunsWritesNothingAndClaimsNothingUntilHeard) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}, {.max_attempts = 2}));
  ASSERT_TRUE(script_.AwaitBlocked());
  const std::vector<TaskRun> before = TaskRuns(run_id);

  workers_->Fence();  // the node heartbeat fell silent: others may take the run over
  AwaitSleepers(2);
  EXPECT_EQ(script_.attempts().at(0).interrupt_reason.code(), StatusCode::kConflict);
  EXPECT_EQ(workers_->stats().active_runs, 0);
  orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kRunning) << "left as it was, for the node that takes it";
  EXPECT_EQ(TaskRuns(run_id), before) << "nothing written after the fence";

  // Another node takes the run back; while fenced, this one claims nothing, even when told.
  FakeClock later(kStart + 1h);
  std::unique_ptr<StateStore> other = testing::OpenTestStore(database_, later);
  ASSERT_NE(other, nullptr);
  ASSERT_EQ(other->ReclaimExpiredLeases(std::chrono::seconds(5))->requeued,
            std::vector<std::string>{run_id});
  workers_->RunEnqueued();
  clock_.Advance(kPollInterval);
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kQueued);

  clock_.Advance(1h);  // this node's clock reaches the other's: the requeued run is due
  AwaitSleepers(2);
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kQueued) << "still fenced";
  workers_->Unfence();
  ASSERT_TRUE(script_.AwaitBlocked()) << "claimed again once heard";
  script_.Release("long");
  AwaitSleepers(2);
  run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kSuccess);
  EXPECT_EQ(run.attempt, 2);
}

TEST_F(WorkerManagerTakeOverTest, AWorkerWhoseRunWasTakenOverLeavesItsTaskRunsToTheNewOwner) {
  StartWorkers(1);
  script_.Script("long", {Blocks()});
  const std::string run_id = Trigger(CreateJob({ScriptedTask("long")}, {.max_attempts = 2}));
  ASSERT_TRUE(script_.AwaitBlocked());

  // The other process's clock is past this worker's lease.
  FakeClock later(kStart + 1h);
  std::unique_ptr<StateStore> other = testing::OpenTestStore(database_, later);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->ReclaimExpiredLeases(std::chrono::seconds(5)).ok());
  Result<std::optional<orc::Run>> taken = other->ClaimRun("another-process", 1h);
  ASSERT_TRUE(taken.ok() && taken->has_value()) << taken.status();
  ASSERT_EQ((*taken)->run_id, run_id);
  TaskRun theirs = TaskRuns(run_id).at(0);
  theirs.attempts = 7;
  ASSERT_TRUE(other->SaveTaskRun(theirs, "another-process").ok());

  clock_.Advance(kHeartbeat);
  AwaitSleepers(2);
  EXPECT_EQ(script_.attempts().at(0).interrupt_reason.code(), StatusCode::kConflict);
  EXPECT_EQ(workers_->stats().active_runs, 0);
  const orc::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.lease_owner, "another-process");
  EXPECT_EQ(TaskRuns(run_id), std::vector<TaskRun>{theirs});
}

TEST_F(WorkerManagerTest, StartFailsWhenARunnerCannotStart) {
  script_.FailStarts(UnavailableError("cannot start the executor"));
  WorkerManager workers(*store_, plugins_, clock_, random_,
                        WorkerManagerOptions{.make_runner = script_.Factory()});
  const Status started = workers.Start();
  EXPECT_EQ(started.code(), StatusCode::kUnavailable);
  EXPECT_EQ(started.message(), "cannot start the executor");
}

}  // namespace
}  // namespace orc
