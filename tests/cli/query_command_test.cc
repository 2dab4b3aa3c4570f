// `orc query` on a DuckDB file: every DuckDB type prints as DuckDB's own text (its CLI, CAST AS
// VARCHAR; the forms DuckDB documents), and --output json keeps the types.
#include "cli/query_command.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "engine/duckdb_engine.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

class CliQueryCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DuckDbEngine engine;
    Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(path_);
    ASSERT_TRUE(connection.ok()) << connection.status().message();
    ASSERT_TRUE((*connection)->Execute("CREATE TABLE t AS SELECT 1 AS one").ok());
  }

  // Runs `orc query` on the file; returns its exit code and what it printed on stdout.
  std::pair<int, std::string> Query(const std::string& sql, const std::string& output) {
    ::testing::internal::CaptureStdout();
    const int exit_code =
        QueryDatabaseCommand(ClientOptions{.output = output}, {.db_path = path_, .sql = sql});
    return {exit_code, ::testing::internal::GetCapturedStdout()};
  }

  testing::TempDir directory_;
  const std::string path_ = directory_.path() + "/q.duckdb";
};

// Every type the C API read as empty text, and the UUID that once crashed the command.
constexpr const char* kTypes =
    "SELECT TIMESTAMPTZ '2026-01-02 03:04:05+00' AS tz, [1, 2] AS l, {'a': 1, 'b': 'x y'} AS s, "
    "MAP {'k': 1} AS m, 'b'::ENUM('a', 'b') AS e, "
    "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, 1.50::DECIMAL(4, 2) AS d, true AS b, "
    "NULL AS n, 7 AS i, 2.5::DOUBLE AS f, DATE '2026-01-02' AS dt, 'x' AS v";

TEST_F(CliQueryCommandTest, TablePrintsEveryTypeAsDuckDbDoes) {
  const auto [exit_code, out] = Query(kTypes, "table");
  ASSERT_EQ(exit_code, 0) << out;
  // DuckDB shows a TIMESTAMPTZ in its session's zone (the machine's), with the offset.
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n2026-01-0[12] \d\d:\d\d:05[+-]\d\d)"))) << out;
  for (const char* text :
       {"[1, 2]", "{'a': 1, 'b': x y}", "{k=1}", "  b  ", "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "1.50", "true", "NULL", "2.5", "2026-01-02", "(1 row)"}) {
    EXPECT_NE(out.find(text), std::string::npos) << text << "\n" << out;
  }
}

TEST_F(CliQueryCommandTest, UuidBesideAnotherColumnDoesNotCrash) {
  const auto [exit_code, out] = Query("SELECT uuid() AS u, 1 AS x", "table");
  ASSERT_EQ(exit_code, 0) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n[0-9a-f-]{36}  1\n)"))) << out;
}

TEST_F(CliQueryCommandTest, JsonKeepsTypes) {
  const auto [exit_code, out] = Query(kTypes, "json");
  ASSERT_EQ(exit_code, 0) << out;
  const nlohmann::json rows = nlohmann::json::parse(out);
  ASSERT_EQ(rows.size(), 1u) << out;
  const nlohmann::json& row = rows[0];
  EXPECT_EQ(row["l"], nlohmann::json({1, 2}));
  EXPECT_EQ(row["s"], nlohmann::json({{"a", 1}, {"b", "x y"}}));
  EXPECT_EQ(row["m"], nlohmann::json({{"k", 1}}));
  EXPECT_EQ(row["e"], "b");
  EXPECT_EQ(row["u"], "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  EXPECT_EQ(row["d"], 1.5);
  EXPECT_EQ(row["b"], true);
  EXPECT_TRUE(row["n"].is_null());
  EXPECT_EQ(row["i"], 7);
  EXPECT_TRUE(row["i"].is_number_integer());
  EXPECT_EQ(row["f"], 2.5);
  EXPECT_EQ(row["dt"], "2026-01-02");
  EXPECT_EQ(row["v"], "x");
  ASSERT_TRUE(row["tz"].is_string());
  EXPECT_TRUE(std::regex_match(row["tz"].get<std::string>(),
                               std::regex(R"(2026-01-0[12] \d\d:\d\d:05[+-]\d\d(:\d\d)?)")))
      << row["tz"];
}

// Statements DuckDB's query() does not take still run, as they are.
TEST_F(CliQueryCommandTest, OtherStatementsRunAsTheyAre) {
  const auto [exit_code, out] = Query("PRAGMA version", "json");
  ASSERT_EQ(exit_code, 0) << out;
  EXPECT_TRUE(nlohmann::json::parse(out)[0]["library_version"].is_string()) << out;
  EXPECT_EQ(Query("SELECT nope", "table").first, 1);
  const auto [count_exit, count] = Query("SELECT count(*) AS c FROM t", "json");
  ASSERT_EQ(count_exit, 0);
  EXPECT_EQ(nlohmann::json::parse(count)[0]["c"], 1);
}

}  // namespace
}  // namespace orc
