// Several processes on one state database, and processes killed in the middle of writing.
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <sstream>

#include "state/state_store.h"
#include "support/subprocess.h"
#include "support/test_database.h"

namespace orc {
namespace {

using std::chrono::seconds;
using testing::Subprocess;
using testing::SubprocessOptions;
using testing::TestBackend;
using testing::TestDatabase;

// Complete lines of `text` (a trailing partial line, cut by a kill, is left out).
std::vector<std::string> CompleteLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

class StateStoreProcessTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl(database_->url()), SystemClock::Instance());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreProcessTest, ClaimersInSeparateProcessesTakeEachRunOnce) {
  constexpr int kRuns = 10000;
  constexpr int kProcesses = 4;
  std::vector<std::string> job_ids;
  for (int j = 0; j < 10; ++j) {
    Job job;
    job.job_name = "job " + std::to_string(j);
    job.max_active_runs = 8;
    Result<Job> created = store_->CreateJob(job);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    job_ids.push_back(created->job_id);
  }
  std::set<std::string> enqueued;
  for (int i = 0; i < kRuns; ++i) {
    Result<orc::Run> run = store_->EnqueueRun({.job_id = job_ids[i % job_ids.size()]});
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    enqueued.insert(run->run_id);
  }

  std::vector<std::unique_ptr<Subprocess>> claimers;
  for (int p = 0; p < kProcesses; ++p) {
    claimers.push_back(std::make_unique<Subprocess>(
        SubprocessOptions{.argv = {ORC_STATE_STORE_CHILD_PATH, "claim", database_->url(),
                                   "process-" + std::to_string(p)}}));
  }
  std::multiset<std::string> claimed;
  for (auto& claimer : claimers) {
    ASSERT_EQ(claimer->Wait(seconds(300)), 0) << claimer->Stderr();
    for (const std::string& run_id : CompleteLines(claimer->Stdout())) claimed.insert(run_id);
  }
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kRuns));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), enqueued);
  EXPECT_EQ(store_->ListRuns({.status = RunStatus::kSuccess})->total, kRuns);
}

TEST_P(StateStoreProcessTest, KillDuringWritesLosesNothingCommitted) {
  Subprocess writer(
      SubprocessOptions{.argv = {ORC_STATE_STORE_CHILD_PATH, "write", database_->url()}});
  const auto give_up = std::chrono::steady_clock::now() + seconds(60);
  while (CompleteLines(writer.Stdout()).size() < 300 &&
         std::chrono::steady_clock::now() < give_up) {
    ASSERT_FALSE(writer.Wait(std::chrono::milliseconds(5))) << writer.Stderr();
  }
  writer.Signal(SIGKILL);
  ASSERT_EQ(writer.Wait(seconds(10)), 128 + SIGKILL);

  const std::vector<std::string> committed = CompleteLines(writer.Stdout());
  ASSERT_GE(committed.size(), 300u);
  // Reopen as a restarted orc would, and find every acknowledged write.
  store_.reset();
  Result<std::unique_ptr<StateStore>> reopened =
      OpenStateStore(*ParseDatabaseUrl(database_->url()), SystemClock::Instance());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  for (const std::string& line : committed) {
    std::istringstream fields(line);
    std::string job_id, run_id;
    fields >> job_id >> run_id;
    ASSERT_TRUE((*reopened)->GetJob(job_id).ok()) << job_id;
    ASSERT_TRUE((*reopened)->GetRun(run_id).ok()) << run_id;
  }
  // Jobs are whole: each has its one task, and at most one job (the one being written when the
  // kill came) has no acknowledged line.
  Result<Page<Job>> jobs = (*reopened)->ListJobs({.limit = 1000000});
  ASSERT_TRUE(jobs.ok());
  for (const Job& job : jobs->items) EXPECT_EQ(job.tasks.size(), 1u) << job.job_name;
  EXPECT_LE(jobs->total, static_cast<int64_t>(committed.size()) + 1);

  if (GetParam() == TestBackend::kSqlite) {
    const std::string path = database_->url().substr(std::string("sqlite:").size());
    EXPECT_EQ(testing::QuerySqliteFile(path, "PRAGMA integrity_check"), "ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StateStoreProcessTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
