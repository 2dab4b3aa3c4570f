// The files a file extractor reads are checked one by one when its task runs: whatever a glob
// matches, only files the task may read reach DuckDB.
#include "plugins/extractors/file_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "plugins/data_plane_fixture.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using FileSourceTest = testing::DataPlaneFixture;

TEST_F(FileSourceTest, AGlobMatchingASymlinkOutOfTheDataDirectoryFailsTheTask) {
  testing::TempDir outside;
  std::ofstream(outside.File("secret.csv")) << "password\nhunter2\n";
  Write("a.csv", "password\nnot-secret\n");
  fs::create_symlink(outside.File("secret.csv"), dir_.File("b.csv"));
  Confine();
  // The job only names *.csv in the data directory, which passes every check before the run.
  ASSERT_TRUE(registry_
                  .Validate(PluginKind::kExtractor, {{"type", "csv"}, {"path", "*.csv"}}, "c",
                            {.paths = &paths_})
                  .ok());
  Result<LoadResult> loaded = Load({{"type", "csv"}, {"path", "*.csv"}}, DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied) << loaded.status();
  EXPECT_NE(loaded.status().message().find("csv *.csv: '" + dir_.File("b.csv") + "'"),
            std::string::npos)
      << loaded.status();
  EXPECT_NE(loaded.status().message().find("is outside the directories jobs may use"),
            std::string::npos)
      << loaded.status();
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"),
            std::vector<std::string>{"0"});
}

TEST_F(FileSourceTest, AGlobMatchingTheStateDatabaseFailsTheTask) {
  Write("orc.db", "SQLite format 3");
  Confine({dir_.File("orc.db")});
  Result<LoadResult> by_name = Load({{"type", "csv"}, {"path", "orc.d?"}}, DuckDb("t"));
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(by_name.status().message().find("is orc's own state database"), std::string::npos)
      << by_name.status();

  fs::create_hard_link(dir_.File("orc.db"), dir_.File("copy.csv"));
  Result<LoadResult> by_link = Load({{"type", "csv"}, {"path", "*.csv"}}, DuckDb("t"));
  ASSERT_FALSE(by_link.ok());
  EXPECT_NE(by_link.status().message().find("copy.csv' is orc's own state database"),
            std::string::npos)
      << by_link.status();
}

TEST_F(FileSourceTest, ASymlinkWithinTheDataDirectoryIsReadThroughItsTarget) {
  fs::create_directories(dir_.File("archive"));
  Write("archive/2026.csv", "id\n1\n2\n");
  fs::create_symlink(dir_.File("archive/2026.csv"), dir_.File("latest.csv"));
  Confine();
  Result<LoadResult> loaded = Load({{"type", "csv"}, {"path", "latest.csv"}}, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 2);
}

TEST_F(FileSourceTest, ColumnsKeepTheirTypesAsLiterals) {
  EXPECT_EQ(ColumnsLiteral({{"id", "INTEGER"}, {"it's", "VARCHAR"}}),
            "{'id': 'INTEGER', 'it''s': 'VARCHAR'}");
  EXPECT_EQ(StringListLiteral({"a.csv", "b'.csv"}), "['a.csv', 'b''.csv']");
}

}  // namespace
}  // namespace orc
