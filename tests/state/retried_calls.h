// ExpectRetriedCallsStartOver: the state store's calls, each made to fail once part-way through
// its body (a FlakyConnection statement failing with Unavailable) and so tried again, return
// what a call that never failed returns, and store it once. Shared by the SQLite and PostgreSQL
// test files, which each run it on their backend.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/uuid.h"
#include "state/flaky_connection.h"
#include "support/test_database.h"

namespace orc::testing {

inline Job RetriedCallsJob(const std::string& name) {
  Job job;
  job.job_name = name;
  job.max_active_runs = 5;
  job.retry = RetryPolicy{3, 1, 1};
  Task extract;
  extract.task_name = "extract";
  extract.transform_config = R"({"type":"sql","sql":"select 1"})";
  Task load;
  load.task_name = "load";
  load.transform_config = R"({"type":"sql","sql":"select 2"})";
  load.depends_on = {"extract"};
  job.tasks = {extract, load};
  return job;
}

inline void ExpectRetriedCallsStartOver(TestBackend backend) {
  TestDatabase database(backend);
  FakeClock clock(TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1)));
  Faults faults;
  Result<std::unique_ptr<StateStore>> opened = OpenFlakyStore(database.url(), faults, clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StateStore& store = **opened;
  Result<Job> first = store.CreateJob(RetriedCallsJob("first"));
  Result<Job> second = store.CreateJob(RetriedCallsJob("second"));
  ASSERT_TRUE(first.ok() && second.ok());
  int armed = 0;

  // A read whose first query (the count) went through and whose second (the jobs with their
  // tasks) failed: each job once, tasks once.
  faults.FailStatement("LEFT JOIN tasks t");
  Result<Page<Job>> jobs = store.ListJobs({});
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  EXPECT_EQ(jobs->total, 2);
  ASSERT_EQ(jobs->items.size(), 2u);
  for (const Job& job : jobs->items) EXPECT_EQ(job.tasks.size(), 2u) << job.job_name;

  // A replace that failed after giving its new task an id: the task names keep their ids.
  Job replacement = *first;
  Task report;
  report.task_name = "report";
  report.transform_config = R"({"type":"sql","sql":"select 3"})";
  replacement.tasks.push_back(report);
  for (Task& task : replacement.tasks) task.task_id.clear();
  faults.FailStatement("DELETE FROM tasks");
  Result<Job> replaced = store.ReplaceJob(replacement);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  ASSERT_EQ(replaced->tasks.size(), 3u);
  EXPECT_EQ(replaced->tasks[0].task_id, first->tasks[0].task_id);
  EXPECT_EQ(replaced->tasks[1].task_id, first->tasks[1].task_id);
  EXPECT_FALSE(replaced->tasks[2].task_id.empty());

  Result<Run> queued = store.EnqueueRun({.job_id = first->job_id});
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  ASSERT_TRUE(store.EnqueueRun({.job_id = first->job_id}).ok());
  faults.FailStatement("ORDER BY run_id DESC LIMIT");
  Result<Page<Run>> runs = store.ListRuns({});
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  EXPECT_EQ(runs->total, 2);
  EXPECT_EQ(runs->items.size(), 2u);

  // A claim tried again counts one attempt.
  faults.FailStatement("SET status = 'running'");
  Result<std::optional<Run>> claimed = store.ClaimRun("worker", std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((*claimed)->attempt, 1);
  const std::string run_id = (*claimed)->run_id;

  // Log lines numbered by a try that failed are numbered again from the same place.
  std::vector<RunLogLine> lines(3);
  for (size_t i = 0; i < lines.size(); ++i) lines[i].message = "line " + std::to_string(i + 1);
  faults.FailStatement("INSERT INTO run_logs");
  ASSERT_TRUE(store.AppendRunLogs(run_id, lines).ok());
  EXPECT_EQ(faults.fired(), ++armed);
  Result<std::vector<RunLogLine>> logged = store.GetRunLogs(run_id, 0, 10);
  ASSERT_TRUE(logged.ok()) << logged.status().ToString();
  ASSERT_EQ(logged->size(), 3u);
  for (size_t i = 0; i < logged->size(); ++i) {
    EXPECT_EQ((*logged)[i].line, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*logged)[i].message, lines[i].message);
  }

  // A finish whose task runs failed to save: finished once, with both task runs.
  RunOutcome outcome{.status = RunStatus::kSuccess};
  for (const Task& task : replaced->tasks) {
    outcome.task_runs.push_back(TaskRun{.run_id = run_id,
                                        .task_id = task.task_id,
                                        .task_name = task.task_name,
                                        .task_order = task.task_order,
                                        .status = TaskRunStatus::kSuccess,
                                        .attempts = 1});
  }
  faults.FailStatement("INTO task_runs");
  Result<Run> finished = store.FinishRun(run_id, "worker", outcome);
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  EXPECT_EQ(finished->status, RunStatus::kSuccess);
  Result<std::vector<TaskRun>> task_runs = store.GetTaskRuns(run_id);
  ASSERT_TRUE(task_runs.ok()) << task_runs.status().ToString();
  EXPECT_EQ(task_runs->size(), 3u);

  // A settle whose delivery insert failed after the notice was cleared: each delivery once, the
  // count not doubled.
  const auto delivery = [&](const std::string& event) {
    return NewDelivery{.delivery_id = NewUuidV7(clock.Now()),
                       .event = event,
                       .target = "t",
                       .url = "https://hooks.example/",
                       .body = "{}"};
  };
  faults.FailStatement("INSERT INTO notify_deliveries");
  Result<int> settled = store.SettleNotices({{run_id, {delivery("success"), delivery("failure")}}});
  ASSERT_TRUE(settled.ok()) << settled.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  EXPECT_EQ(*settled, 2);
  EXPECT_EQ(store.ListRunDeliveries(run_id)->size(), 2u);

  // A reclaim whose last statement failed: each expired lease reported once.
  Result<std::optional<Run>> lost = store.ClaimRun("lost worker", std::chrono::seconds(30));
  ASSERT_TRUE(lost.ok() && lost->has_value());
  clock.Advance(std::chrono::minutes(1));
  faults.FailStatement("'requeued: its worker '");
  Result<ReclaimedRuns> reclaimed = store.ReclaimExpiredLeases(std::chrono::seconds(5));
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  EXPECT_EQ(reclaimed->requeued, std::vector<std::string>{(*lost)->run_id});
  EXPECT_TRUE(reclaimed->failed.empty());
  EXPECT_TRUE(reclaimed->cancelled.empty());

  // A transaction whose commit failed is tried again whole: the job is stored once.
  faults.FailCommit();
  Result<Job> third = store.CreateJob(RetriedCallsJob("third"));
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(faults.fired(), ++armed);
  Result<Page<Job>> all = store.ListJobs({});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->total, 3);
  EXPECT_EQ(third->tasks.size(), 2u);
}

}  // namespace orc::testing
