// What only the SQLite backend does: files, paths and the embedded default.
#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace
}  // namespace orc
