// The postgres source against the tests' PostgreSQL server (ctest fixture `postgres`), loaded
// through the duckdb loader as a task would.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/duckdb_engine.h"
#include "plugins/duckdb_destination.h"
#include "plugins/plugin_registry.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::ExecuteOnPostgresTestServer;

class PostgresSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinPlugins(registry_);
    url_ = testing::PostgresTestServerUrl();
    schema_ =
        std::string("pgsrc_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::transform(schema_.begin(), schema_.end(), schema_.begin(), ::tolower);
    ExecuteOnPostgresTestServer("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " +
                                schema_);
  }
  void TearDown() override {
    ExecuteOnPostgresTestServer("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  // Loads `source` (its url filled in when absent) into table t of the test's DuckDB file, as
  // the task of a new run (the ledger would find an earlier load of the same run).
  Result<LoadResult> Load(json source, const std::string& write_mode = "replace") {
    const std::string run_id = "run-" + std::to_string(++runs_);
    if (!source.contains("url")) source["url"] = url_;
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<Extractor> extractor,
                         registry_.MakeExtractor(source, paths_));
    json loader_config = {{"type", "duckdb"},
                          {"db_path", database_},
                          {"table_name", "t"},
                          {"write_mode", write_mode}};
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<Loader> loader,
                         registry_.MakeLoader(loader_config, paths_));
    TaskProgress progress;
    TaskContext context{.run_id = run_id,
                        .task_id = "task",
                        .task_name = "load",
                        .paths = &paths_,
                        .engine = &engine_,
                        .progress = &progress,
                        .interrupter = &interrupter_,
                        .clock = &SystemClock::Instance()};
    return loader->Load(context, *extractor);
  }

  // The first row of `sql` on the DuckDB file, each value as text ("NULL" for NULL).
  std::vector<std::string> Row(const std::string& sql) {
    auto connection = engine_.Connect(database_);
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return {};
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok() || rows->rows.empty()) return {};
    std::vector<std::string> values;
    for (const auto& value : rows->rows[0]) values.push_back(value.value_or("NULL"));
    return values;
  }

  std::string Table(const std::string& name) { return schema_ + "." + name; }

  PluginRegistry registry_;
  testing::TempDir dir_;
  std::string database_ = dir_.File("out.duckdb");
  PathPolicy paths_ = PathPolicy::Unrestricted(dir_.path());
  DuckDbEngine engine_;
  Interrupter interrupter_;
  std::string url_;
  std::string schema_;
  int runs_ = 0;
};

TEST_F(PostgresSourceTest, EveryMappedTypeLoadsWithItsValue) {
  ExecuteOnPostgresTestServer(
      "CREATE TYPE " + schema_ +
      ".mood AS ENUM ('sad', 'happy');"
      "CREATE TABLE " +
      Table("all_types") +
      " (id int PRIMARY KEY, b bool, i2 int2, i4 int4, "
      "i8 int8, f4 float4, f8 float8, n numeric(12,2), n38 numeric(38,10), nu numeric, "
      "t text, v varchar(10), c char(4), nm name, d date, tm time, ts timestamp, tz timestamptz, "
      "iv interval, u uuid, j json, jb jsonb, bt bytea, e " +
      schema_ +
      ".mood, "
      "ai int4[], ta text[], an numeric(6,2)[], pt point, ip inet);"
      "INSERT INTO " +
      Table("all_types") +
      " VALUES (1, true, -32768, 2147483647, "
      "-9223372036854775808, 1.5, 0.1, -1234567890.12, 1234567890123456789012345678.0123456789, "
      "3.14159, 'héllo', 'v', 'ab', 'nm', '1999-12-31', '23:59:59.999999', "
      "'2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+02', '1 year 2 mons 3 days "
      "04:05:06.000007', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', "
      "'{\"b\": null}', '\\x00ff41', 'happy', '{1,NULL,3}', '{x,\"y z\"}', '{1.50,-2.25}', "
      "'(1,2)', '10.0.0.1/8');"
      "INSERT INTO " +
      Table("all_types") +
      " (id) VALUES (2);"
      "INSERT INTO " +
      Table("all_types") +
      " (id, d, ts, tz, ai, nu) VALUES (3, 'infinity', "
      "'-infinity', 'infinity', '{}', 'NaN');");
  Result<LoadResult> loaded = Load({{"type", "postgres"}, {"table", Table("all_types")}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 3);
  const std::vector<std::string> types =
      Row("SELECT string_agg(column_type, '|') FROM (DESCRIBE t)");
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0],
            "INTEGER|BOOLEAN|SMALLINT|INTEGER|BIGINT|FLOAT|DOUBLE|DECIMAL(12,2)|DECIMAL(38,10)|"
            "DOUBLE|VARCHAR|VARCHAR|VARCHAR|VARCHAR|DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|"
            "INTERVAL|UUID|JSON|JSON|BLOB|VARCHAR|INTEGER[]|VARCHAR[]|DECIMAL(6,2)[]|VARCHAR|"
            "VARCHAR");
  EXPECT_EQ(
      Row("SET TimeZone = 'UTC'; SELECT COLUMNS(* EXCLUDE (id))::VARCHAR FROM t WHERE id = 1"),
      (std::vector<std::string>{"true",
                                "-32768",
                                "2147483647",
                                "-9223372036854775808",
                                "1.5",
                                "0.1",
                                "-1234567890.12",
                                "1234567890123456789012345678.0123456789",
                                "3.14159",
                                "héllo",
                                "v",
                                "ab  ",
                                "nm",
                                "1999-12-31",
                                "23:59:59.999999",
                                "2024-02-29 12:34:56.789012",
                                "2024-02-29 10:34:56.789012+00",
                                "1 year 2 months 3 days 04:05:06.000007",
                                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                                "{\"a\": [1, 2]}",
                                "{\"b\": null}",
                                "\\x00\\xFFA",
                                "happy",
                                "[1, NULL, 3]",
                                "[x, y z]",
                                "[1.50, -2.25]",
                                "(1,2)",
                                "10.0.0.1/8"}));
  const std::vector<std::string> nulls = Row(
      "SELECT count(*) FILTER (WHERE v IS NULL) FROM (SELECT unnest(list_value(b::text, "
      "i2::text, i4::text, i8::text, f4::text, f8::text, n::text, n38::text, nu::text, t, v, c, "
      "nm, d::text, tm::text, ts::text, tz::text, iv::text, u::text, j::text, jb::text, "
      "bt::text, e, ai::text, ta::text, an::text, pt, ip)) AS v FROM t WHERE id = 2)");
  EXPECT_EQ(nulls, (std::vector<std::string>{"28"}));
  EXPECT_EQ(Row("SELECT d::VARCHAR, ts::VARCHAR, tz::VARCHAR, ai::VARCHAR, nu::VARCHAR FROM t "
                "WHERE id = 3"),
            (std::vector<std::string>{"infinity", "-infinity", "infinity", "[]", "nan"}));
}

TEST_F(PostgresSourceTest, ATablesPrimaryKeyAndSelectedColumns) {
  ExecuteOnPostgresTestServer("CREATE TABLE " + Table("keyed") +
                              " (b int, a int, x text, PRIMARY KEY (a, b));"
                              "INSERT INTO " +
                              Table("keyed") + " VALUES (1, 2, 'x')");
  Result<LoadResult> loaded =
      Load({{"type", "postgres"}, {"table", Table("keyed")}, {"columns", {"a", "x"}}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Row("SELECT string_agg(column_name, ',') FROM (DESCRIBE t)"),
            (std::vector<std::string>{"a,x"}));
  // The key names a column not read, so a merge needs its own primary_key; with both it works.
  loaded = Load({{"type", "postgres"}, {"table", Table("keyed")}}, "replace");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
}

TEST_F(PostgresSourceTest, IncrementalRunsReadOnlyNewRows) {
  ExecuteOnPostgresTestServer("CREATE TABLE " + Table("events") +
                              " (id int, at timestamptz);"
                              "INSERT INTO " +
                              Table("events") +
                              " SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour' "
                              "FROM generate_series(1, 10) i");
  const json source = {{"type", "postgres"},
                       {"query", "SELECT * FROM " + Table("events") + ";"},
                       {"incremental", {{"cursor_field", "at"}}}};
  Result<LoadResult> first = Load(source, "append");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->rows_loaded, 10);
  Result<LoadResult> nothing = Load(source, "append");
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_EQ(nothing->rows_loaded, 0);
  ExecuteOnPostgresTestServer("INSERT INTO " + Table("events") +
                              " SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour' "
                              "FROM generate_series(11, 15) i");
  Result<LoadResult> second = Load(source, "append");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->rows_loaded, 5);
  EXPECT_EQ(Row("SELECT count(*), count(DISTINCT id), max(id) FROM t"),
            (std::vector<std::string>{"15", "15", "15"}));
  EXPECT_EQ(Row("SELECT cursor_value FROM _orc_loads ORDER BY loaded_at DESC LIMIT 1"),
            (std::vector<std::string>{"2024-01-01 15:00:00+00"}));

  // In a new destination (no cursor in its ledger) an initial value skips what comes before it.
  database_ = dir_.File("other.duckdb");
  json from_initial = source;
  from_initial["incremental"]["initial_value"] = "2024-01-01 12:00:00+00";
  Result<LoadResult> later = Load(from_initial, "replace");
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->rows_loaded, 3);
}

TEST_F(PostgresSourceTest, APartitionedReadEqualsAPlainOne) {
  ExecuteOnPostgresTestServer("CREATE TABLE " + Table("big") +
                              " (id int8, ts timestamp, v text);"
                              "INSERT INTO " +
                              Table("big") +
                              " SELECT i, '2020-01-01'::timestamp + i * interval '1 minute', "
                              "'v' || i FROM generate_series(1, 100000) i;"
                              "INSERT INTO " +
                              Table("big") + " VALUES (NULL, NULL, 'null')");
  const std::string check =
      "SELECT count(*), count(id), sum(id), min(ts), max(ts), count(DISTINCT v) FROM t";
  ASSERT_TRUE(Load({{"type", "postgres"}, {"table", Table("big")}}).ok());
  const std::vector<std::string> plain = Row(check);
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(plain[0], "100001");
  for (const char* column : {"id", "ts"}) {
    Result<LoadResult> parted = Load({{"type", "postgres"},
                                      {"table", Table("big")},
                                      {"partition", {{"column", column}, {"parts", 4}}}});
    ASSERT_TRUE(parted.ok()) << parted.status();
    EXPECT_EQ(Row(check), plain) << column;
  }
  Result<LoadResult> text = Load({{"type", "postgres"},
                                  {"table", Table("big")},
                                  {"partition", {{"column", "v"}, {"parts", 4}}}});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("partition.column v"), std::string::npos) << text.status();
}

TEST_F(PostgresSourceTest, ABackendTerminatedMidStreamFailsWithoutAPartialLoad) {
  ExecuteOnPostgresTestServer("CREATE TABLE " + Table("long") +
                              " AS SELECT i, repeat('x', 100) "
                              "AS pad FROM generate_series(1, 3000000) i");
  std::atomic<bool> done{false};
  std::thread killer([&] {
    while (!done.load()) {
      const std::string killed = ExecuteOnPostgresTestServer(
          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
          "application_name = '" +
          schema_ + "' AND query LIKE 'COPY%'");
      if (killed == "1") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  Result<LoadResult> loaded = Load({{"type", "postgres"},
                                    {"url", url_ + "?application_name=" + schema_},
                                    {"table", Table("long")}});
  done = true;
  killer.join();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnavailable) << loaded.status();
  EXPECT_EQ(Row("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"),
            (std::vector<std::string>{"0"}));
}

// A statement that stops reading the stream early (a LIMIT) ends it while the part's fetcher
// thread is mid-COPY: the reader stops the fetcher and the extractor closes, without hanging.
TEST_F(PostgresSourceTest, AStatementThatStopsReadingEarlyEndsTheCopy) {
  ExecuteOnPostgresTestServer("CREATE TABLE " + Table("long") +
                              " AS SELECT i FROM generate_series(1, 1000000) i");
  Result<std::unique_ptr<Extractor>> extractor = registry_.MakeExtractor(
      {{"type", "postgres"}, {"url", url_}, {"table", Table("long")}}, paths_);
  ASSERT_TRUE(extractor.ok()) << extractor.status();
  Result<std::unique_ptr<DuckDbConnection>> connection = engine_.Connect(database_);
  ASSERT_TRUE(connection.ok()) << connection.status();
  DuckDbLedger ledger(**connection);
  TaskProgress progress;
  TaskContext context{.run_id = "run",
                      .task_id = "task",
                      .task_name = "load",
                      .paths = &paths_,
                      .engine = &engine_,
                      .progress = &progress,
                      .interrupter = &interrupter_,
                      .clock = &SystemClock::Instance()};
  Result<Source> source = (*extractor)->Open(context, **connection, ledger);
  ASSERT_TRUE(source.ok()) << source.status();
  Result<DuckDbRows> rows =
      (*connection)->Query("SELECT count(*) FROM (" + source->select_sql + " LIMIT 5)");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0], "5");
  extractor->reset();
}

TEST_F(PostgresSourceTest, AWrongPasswordIsRefusedWithoutEchoingIt) {
  std::string url = url_;
  url.replace(url.find("orc-test-password"), 17, "s3cret-Wrong-pw");
  Result<LoadResult> loaded = Load({{"type", "postgres"}, {"url", url}, {"query", "SELECT 1"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument) << loaded.status();
  EXPECT_EQ(loaded.status().message().find("s3cret-Wrong-pw"), std::string::npos)
      << loaded.status();
}

TEST_F(PostgresSourceTest, MetadataAndRefusedHostsAreRefused) {
  Result<LoadResult> loaded = Load({{"type", "postgres"},
                                    {"url", "postgres://u:p@169.254.169.254:5432/db"},
                                    {"query", "SELECT 1"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied) << loaded.status();
  loaded =
      Load({{"type", "postgres"}, {"url", "postgres://u:p@127.0.0.1:1/db"}, {"query", "SELECT 1"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnavailable) << loaded.status();
}

TEST_F(PostgresSourceTest, HostileIdentifiersAreQuotedOrRefused) {
  Result<LoadResult> loaded = Load({{"type", "postgres"},
                                    {"query",
                                     "SELECT 1 AS \"a\"\"; DROP TABLE x; --\", "
                                     "2 AS \"Mixed Case\""}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Row("SELECT string_agg(column_name, '|') FROM (DESCRIBE t)"),
            (std::vector<std::string>{"a\"; DROP TABLE x; --|Mixed Case"}));
  loaded = Load({{"type", "postgres"}, {"table", "t; DROP TABLE x"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("table"), std::string::npos) << loaded.status();
  loaded = Load({{"type", "postgres"}, {"table", Table("missing")}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument) << loaded.status();
  loaded = Load({{"type", "postgres"}, {"query", "SELECT 1 AS a, 2 AS a"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("two columns named a"), std::string::npos);
}

TEST_F(PostgresSourceTest, BadConfigurationsNameTheField) {
  auto check = [&](json config, const std::string& expected) {
    config["type"] = "postgres";
    Status status = registry_.Validate(PluginKind::kExtractor, config, "extractor_config");
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << config.dump();
    EXPECT_NE(status.message().find(expected), std::string::npos) << status;
  };
  check({{"url", url_}}, "extractor_config.table");
  check({{"url", url_}, {"table", "a"}, {"query", "SELECT 1"}}, "extractor_config.table");
  check({{"url", url_}, {"query", "SELECT 1"}, {"columns", {"a"}}}, "extractor_config.columns");
  check({{"url", "mysql://h/db"}, {"table", "a"}}, "extractor_config.url");
  check({{"url", url_ + "?sslcert=/etc/x"}, {"table", "a"}}, "sslcert");
  check({{"url", url_}, {"table", "a"}, {"partition", {{"column", "id"}}}}, "partition.parts");
  check({{"url", url_}, {"table", "a"}, {"partition", {{"column", "id"}, {"parts", 65}}}},
        "partition.parts");
  check({{"url", url_}, {"table", "a"}, {"incremental", {{"cursor", "id"}}}}, "incremental");
}

}  // namespace
}  // namespace orc
