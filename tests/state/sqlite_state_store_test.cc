// What only the SQLite backend does: files, paths and the embedded default.
#include <gtest/gtest.h>

#include <fstream>

#include "state/migrations.h"
#include "state/retried_calls.h"
#include "state/state_store.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace orc {
namespace {

using testing::TempDir;

Result<std::unique_ptr<StateStore>> OpenUrl(const std::string& url) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) return parsed.status();
  return OpenStateStore(*parsed, SystemClock::Instance());
}

TEST(SqliteStateStoreTest, CreatesTheFileInWalMode) {
  TempDir directory;
  const std::string path = directory.File("orc.db");
  ASSERT_TRUE(OpenUrl("sqlite:" + path).ok());
  EXPECT_EQ(testing::QuerySqliteFile(path, "PRAGMA journal_mode"), "wal");
}

TEST(SqliteStateStoreTest, AllUrlFormsWork) {
  TempDir directory;
  EXPECT_TRUE(OpenUrl("sqlite://" + directory.File("a.db")).ok());
  EXPECT_TRUE(OpenUrl("sqlite:" + directory.File("b.db")).ok());
  Result<std::unique_ptr<StateStore>> memory = OpenUrl("sqlite::memory:");
  ASSERT_TRUE(memory.ok()) << memory.status().ToString();
  Job job;
  job.job_name = "in memory";
  EXPECT_TRUE((*memory)->CreateJob(job).ok());
  EXPECT_EQ((*memory)->ListJobs({})->total, 1);
}

TEST(SqliteStateStoreTest, MissingDirectoryIsNamed) {
  TempDir directory;
  const std::string path = directory.File("no/such/dir/orc.db");
  Result<std::unique_ptr<StateStore>> store = OpenUrl("sqlite:" + path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("does not exist"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStateStoreTest, ParentThatIsAFileIsNamed) {
  TempDir directory;
  std::ofstream(directory.File("plain-file")) << "x";
  Result<std::unique_ptr<StateStore>> store =
      OpenUrl("sqlite:" + directory.File("plain-file/orc.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("is not a directory"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStateStoreTest, FileThatIsNotADatabaseIsRefused) {
  TempDir directory;
  std::ofstream(directory.File("junk.db")) << std::string(4096, 'j');
  Result<std::unique_ptr<StateStore>> store = OpenUrl("sqlite:" + directory.File("junk.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("junk.db"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStateStoreTest, SchemaNewerThanTheBinaryIsRefused) {
  TempDir directory;
  const std::string url = "sqlite:" + directory.File("orc.db");
  ASSERT_TRUE(OpenUrl(url).ok());
  testing::QuerySqliteFile(directory.File("orc.db"),
                           "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES (999, 'from the future', 0)");
  Result<std::unique_ptr<StateStore>> store = OpenUrl(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 999"), std::string::npos)
      << store.status().message();
}

// A rolling upgrade: a newer binary migrated the database and said binaries of this version may
// still use it; this one opens it and changes nothing. Without that word it is refused.
TEST(SqliteStateStoreTest, ASchemaOneUpgradeAheadIsUsedWhenItsMigrationSaysOlderBinariesMay) {
  TempDir directory;
  const std::string url = "sqlite:" + directory.File("orc.db");
  ASSERT_TRUE(OpenUrl(url).ok());
  const int next = LatestSchemaVersion() + 1;
  testing::QuerySqliteFile(directory.File("orc.db"),
                           "INSERT INTO schema_migrations (version, name, applied_at, "
                           "readers_from) VALUES (" +
                               std::to_string(next) + ", 'adds a table', 0, " +
                               std::to_string(LatestSchemaVersion()) + ")");
  Result<std::unique_ptr<StateStore>> store = OpenUrl(url);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Job job;
  job.job_name = "written by the older binary";
  EXPECT_TRUE((*store)->CreateJob(job).ok());
  store = Result<std::unique_ptr<StateStore>>(nullptr);

  testing::QuerySqliteFile(directory.File("orc.db"),
                           "INSERT INTO schema_migrations (version, name, applied_at, "
                           "readers_from) VALUES (" +
                               std::to_string(next + 1) + ", 'rewrites a table', 0, 0)");
  store = OpenUrl(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SqliteStateStoreTest, RetriedCallsStartOver) {
  testing::ExpectRetriedCallsStartOver(testing::TestBackend::kSqlite);
}

// Every SQLite write commits through the group committer, a one-statement write too: when that
// commit fails, the write is tried again from the start.
TEST(SqliteStateStoreTest, AWriteWhoseCommitFailedIsTriedAgainFromTheStart) {
  TempDir directory;
  FakeClock clock(TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1)));
  testing::Faults faults;
  Result<std::unique_ptr<StateStore>> opened =
      testing::OpenFlakyStore("sqlite:" + directory.File("orc.db"), faults, clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StateStore& store = **opened;
  Result<Job> job = store.CreateJob(testing::RetriedCallsJob("job"));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(store.EnqueueRun({.job_id = job->job_id}).ok());

  faults.FailCommit();
  Result<std::optional<orc::Run>> claimed = store.ClaimRun("worker", std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(faults.fired(), 1);
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((*claimed)->attempt, 1);
  EXPECT_EQ(store.GetRun((*claimed)->run_id)->status, RunStatus::kRunning);

  faults.FailCommit();
  ASSERT_TRUE(store.AppendRunLogs((*claimed)->run_id, std::vector<RunLogLine>(2)).ok());
  EXPECT_EQ(faults.fired(), 2);
  Result<std::vector<RunLogLine>> logged = store.GetRunLogs((*claimed)->run_id, 0, 10);
  ASSERT_TRUE(logged.ok()) << logged.status().ToString();
  ASSERT_EQ(logged->size(), 2u);
  EXPECT_EQ((*logged)[1].line, 2);
}

}  // namespace
}  // namespace orc
