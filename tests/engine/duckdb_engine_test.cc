#include "engine/duckdb_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

TEST(DuckDbEngineTest, ConnectionsToOneFileShareOneDatabase) {
  testing::TempDir dir;
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> first = engine.Connect(dir.File("a.duckdb"));
  ASSERT_TRUE(first.ok()) << first.status();
  // A second instance of the same file would fail on DuckDB's file lock; a shared one works.
  Result<std::unique_ptr<DuckDbConnection>> second = engine.Connect(dir.path() + "/./a.duckdb");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(engine.open_databases(), 1u);
  ASSERT_TRUE((*first)->Execute("CREATE TABLE t AS SELECT 42 AS x").ok());
  Result<DuckDbRows> rows = (*second)->Query("SELECT x FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows.at(0).at(0), "42");

  first->reset();
  second->reset();
  EXPECT_EQ(engine.open_databases(), 0u) << "the database closes with its last connection";
}

// The databases open at once share the machine's cores instead of taking them all each.
// A new database file appears whole: created under a temporary name and renamed, so a process
// killed while DuckDB writes its headers leaves no file DuckDB would refuse. A temporary file left
// by such a kill is overwritten by the next creation.
TEST(DuckDbEngineTest, ANewDatabaseFileAppearsWhole) {
  testing::TempDir dir;
  { std::ofstream(dir.File(".new.duckdb.creating")) << "half a header"; }
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(dir.File("new.duckdb"));
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_TRUE((*connection)->Execute("CREATE TABLE t AS SELECT 42 AS answer").ok());
  connection->reset();
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"new.duckdb"}));
  DuckDbEngine again;
  Result<std::unique_ptr<DuckDbConnection>> reopened = again.Connect(dir.File("new.duckdb"));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  Result<DuckDbRows> rows = (*reopened)->Query("SELECT answer FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0], "42");
}

TEST(DuckDbEngineTest, OpenDatabasesShareTheCores) {
  testing::TempDir dir;
  DuckDbEngine engine;
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads_of = [](DuckDbConnection& connection) {
    Result<DuckDbRows> rows = connection.Query("SELECT current_setting('threads')");
    return rows.ok() ? std::stoul(*rows->rows.at(0).at(0)) : 0ul;
  };
  std::vector<std::unique_ptr<DuckDbConnection>> connections;
  for (size_t i = 0; i < 4; ++i) {
    Result<std::unique_ptr<DuckDbConnection>> connection =
        engine.Connect(dir.File("db" + std::to_string(i) + ".duckdb"));
    ASSERT_TRUE(connection.ok()) << connection.status();
    connections.push_back(std::move(*connection));
    const size_t share = std::max<size_t>(1, cores / (i + 1));
    for (const auto& open : connections) EXPECT_EQ(threads_of(*open), share) << i;
  }
  connections.resize(1);  // three close; the next connect gives the cores back
  Result<std::unique_ptr<DuckDbConnection>> again = engine.Connect(dir.File("db0.duckdb"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(threads_of(**again), cores);
}

TEST(DuckDbEngineTest, MemoryIsOneDatabasePerEngineThatOutlivesItsConnections) {
  DuckDbEngine engine;
  ASSERT_TRUE((*engine.Connect(":memory:"))->Execute("CREATE TABLE t AS SELECT 7 AS x").ok());
  Result<DuckDbRows> rows = (*engine.Connect(":memory:"))->Query("SELECT x FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows.at(0).at(0), "7");

  DuckDbEngine other;
  EXPECT_EQ((*other.Connect(":memory:"))->Query("SELECT * FROM t").status().code(),
            StatusCode::kNotFound);
}

TEST(DuckDbEngineTest, ErrorsKeepDuckDbsMessageAndAKind) {
  DuckDbEngine engine;
  auto connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok());
  Status syntax = (*connection)->Execute("SELEC 1").status();
  EXPECT_EQ(syntax.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.message().find("syntax error"), std::string::npos) << syntax;
  Status missing = (*connection)->Execute("SELECT * FROM read_csv('/nonexistent/x.csv')").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing;
}

TEST(DuckDbEngineTest, AMissingDirectoryIsNamed) {
  DuckDbEngine engine;
  Status status = engine.Connect("/nonexistent/dir/a.duckdb").status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("/nonexistent/dir"), std::string::npos) << status;
}

TEST(DuckDbEngineTest, InterruptStopsARunningQuery) {
  DuckDbEngine engine;
  auto connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok());
  std::thread interrupter([&] {
    // Keep interrupting until the query has surely started; an interrupt before it is a no-op.
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      (*connection)->Interrupt();
    }
  });
  const auto start = std::chrono::steady_clock::now();
  Status status =
      (*connection)->Execute("SELECT count(*) FROM range(10000000000) a, range(1000) b").status();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  interrupter.join();
  EXPECT_EQ(status.code(), StatusCode::kCancelled) << status;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

// DuckDB's row-by-row C API crashed on a UUID column followed by another (orc query showed it).
TEST(DuckDbEngineTest, QueryReadsEveryTypeAsText) {
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<DuckDbRows> uuids = (*connection)
                                 ->Query(
                                     "SELECT '6b1f8e2c-8e0c-4c5e-9a57-1f2d3c4b5a69'::UUID AS \"a "
                                     "u\", 1 AS x, NULL::UUID AS n; "
                                     "-- a statement may end with a semicolon and a comment");
  ASSERT_TRUE(uuids.ok()) << uuids.status();
  EXPECT_EQ(uuids->column_names, (std::vector<std::string>{"a u", "x", "n"}));
  EXPECT_EQ(uuids->rows.at(0), (std::vector<std::optional<std::string>>{
                                   "6b1f8e2c-8e0c-4c5e-9a57-1f2d3c4b5a69", "1", std::nullopt}));
  Result<DuckDbRows> all = (*connection)->Query("SELECT * FROM test_all_types()");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->rows.size(), 3u);
  EXPECT_FALSE((*connection)->Query("SELECT nope").ok()) << "errors come through as before";
  // A statement other than a SELECT that returns UUIDs cannot be rewritten: an error, no crash.
  ASSERT_TRUE((*connection)->Execute("CREATE TABLE ids (id UUID, n INTEGER)").ok());
  Result<DuckDbRows> returning =
      (*connection)->Query("INSERT INTO ids VALUES (uuid(), 1) RETURNING id, n");
  ASSERT_FALSE(returning.ok());
  EXPECT_NE(returning.status().message().find("UUID"), std::string::npos) << returning.status();
}

TEST(DuckDbEngineTest, AConnectionKnowsItsDatabaseFile) {
  testing::TempDir dir;
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> memory = engine.Connect(":memory:");
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_TRUE((*memory)->database_path().empty());
  Result<std::unique_ptr<DuckDbConnection>> file = engine.Connect(dir.path() + "/w.duckdb");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->database_path().filename(), "w.duckdb");
  EXPECT_TRUE(std::filesystem::exists((*file)->database_path()));
}

TEST(DuckDbEngineTest, QuotesNamesAndLiterals) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("s.t", true), "\"s\".\"t\"");
  EXPECT_EQ(QuoteIdentifier("s.t"), "\"s.t\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

}  // namespace
}  // namespace orc
