// What MemoryStateStore does apart from the contract it shares with the SQL stores (those tests
// are state_store_test.cc and idempotency_store_test.cc, run against all three).
#include "state/memory_state_store.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));

Job OneTaskJob(const std::string& name) {
  Job job;
  job.job_name = name;
  Task task;
  task.task_name = "sql";
  task.transform_config = R"({"type":"sql","sql":"select 1"})";
  job.tasks = {task};
  return job;
}

TEST(MemoryStateStoreTest, AJobThatMayNeverRunIsRefused) {
  FakeClock clock(kStart);
  MemoryStateStore store(clock);
  Job job = OneTaskJob("never");
  job.max_active_runs = 0;
  const Result<Job> created = store.CreateJob(job);
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument) << created.status().ToString();
  EXPECT_NE(created.status().message().find("max_active_runs"), std::string::npos);
  EXPECT_EQ(store.ListJobs({})->total, 0);
}

TEST(MemoryStateStoreTest, TimesAreCutToTheMicrosecondAsTheDatabasesStoreThem) {
  FakeClock clock(kStart + std::chrono::nanoseconds(1500));
  MemoryStateStore store(clock);
  const Result<Job> job = store.CreateJob(OneTaskJob("precise"));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->created_at, kStart + std::chrono::microseconds(1));
  const Result<orc::Run> run = store.EnqueueRun({.job_id = job->job_id});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->queued_at, kStart + std::chrono::microseconds(1));
}

TEST(MemoryStateStoreTest, TwoStoresShareNothing) {
  FakeClock clock(kStart);
  MemoryStateStore first(clock);
  MemoryStateStore second(clock);
  ASSERT_TRUE(first.CreateJob(OneTaskJob("only in the first")).ok());
  EXPECT_EQ(second.GetJobByName("only in the first").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(second.Ping().ok());
}

}  // namespace
}  // namespace orc
