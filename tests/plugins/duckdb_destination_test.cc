// The DuckDB file a loader or transform writes is checked again when it is opened: what the job
// named may have become something else since it was written.
#include "plugins/duckdb_destination.h"

#include <gtest/gtest.h>

#include "plugins/data_plane_fixture.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using DuckDbDestinationTest = testing::DataPlaneFixture;

TEST_F(DuckDbDestinationTest, ADbPathThatBecameASymlinkToTheStateDatabaseFailsTheTask) {
  Write("orc.db", "SQLite format 3");
  Write("rows.csv", "id\n1\n");
  Confine({dir_.File("orc.db")});
  const json loader = DuckDb("t");  // out.duckdb
  ASSERT_TRUE(registry_.Validate(PluginKind::kLoader, loader, "c", {.paths = &paths_}).ok());
  Result<std::unique_ptr<Extractor>> extractor =
      MakeExtractor({{"type", "csv"}, {"path", "rows.csv"}});
  Result<std::unique_ptr<Loader>> made = MakeLoader(loader);
  ASSERT_TRUE(extractor.ok() && made.ok());

  // Between the checks and the open, out.duckdb becomes a way into the state database.
  fs::create_symlink(dir_.File("orc.db"), dir_.File("out.duckdb"));
  Result<LoadResult> loaded = (*made)->Load(context_, **extractor);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied) << loaded.status();
  EXPECT_NE(loaded.status().message().find("db_path: 'out.duckdb' is orc's own state database"),
            std::string::npos)
      << loaded.status();
  std::ifstream state(dir_.File("orc.db"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(state), {}), "SQLite format 3");

  // A task made after the change is refused as it is made.
  Result<std::unique_ptr<Transform>> transform =
      MakeTransform({{"type", "sql"}, {"db_path", "out.duckdb"}, {"sql", "SELECT 1"}});
  ASSERT_FALSE(transform.ok());
  EXPECT_EQ(transform.status().field(), "transform_config.db_path") << transform.status();
}

TEST_F(DuckDbDestinationTest, TheTasksPolicyDecidesWhereItWrites) {
  // Made where nothing is confined, run where the data directory is all there is.
  testing::TempDir outside;
  Result<std::unique_ptr<Transform>> transform = MakeTransform(
      {{"type", "sql"}, {"db_path", outside.File("elsewhere.duckdb")}, {"sql", "SELECT 1"}});
  ASSERT_TRUE(transform.ok()) << transform.status();
  Confine();
  Result<int64_t> run = (*transform)->Run(context_);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kPermissionDenied) << run.status();
  EXPECT_NE(run.status().message().find("is outside the directories jobs may use"),
            std::string::npos)
      << run.status();
  EXPECT_FALSE(fs::exists(outside.File("elsewhere.duckdb")));
}

TEST_F(DuckDbDestinationTest, RelativeAndInMemoryDestinationsOpen) {
  Confine();
  for (const char* db_path : {"sub/../out.duckdb", ":memory:"}) {
    Result<std::unique_ptr<DuckDbConnection>> connection = ConnectDestination(context_, db_path);
    EXPECT_TRUE(connection.ok()) << db_path << ": " << connection.status();
  }
  EXPECT_TRUE(fs::exists(dir_.File("out.duckdb")));
}

}  // namespace
}  // namespace orc
