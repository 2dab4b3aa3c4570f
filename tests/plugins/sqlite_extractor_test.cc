// The sqlite extractor end to end: SQLite files made by the test, loaded into DuckDB by the
// duckdb loader, as a worker runs them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "plugins/extractors/sqlite/sqlite_types.h"

namespace orc {
namespace {

using nlohmann::json;

class SqliteExtractorTest : public testing::DataPlaneFixture {
 protected:
  // Runs `sql` on the SQLite database `name` in the data directory, creating it.
  void Sqlite(const std::string& sql, const std::string& name = "source.sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File(name).c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(result, SQLITE_OK) << message;
  }

  static json Table(const std::string& table) {
    return {{"type", "sqlite"}, {"path", "source.sqlite"}, {"table", table}};
  }
  static json Query(const std::string& query) {
    return {{"type", "sqlite"}, {"path", "source.sqlite"}, {"query", query}};
  }

  // The error of loading `extractor` into table t, expected to fail; as a task of its own, so
  // that no earlier load in the test counts as its committed attempt.
  Status LoadError(const json& extractor) {
    context_.task_id = "failing-" + std::to_string(++failing_tasks_);
    Result<LoadResult> loaded = Load(extractor, DuckDb("t"));
    EXPECT_FALSE(loaded.ok());
    return loaded.ok() ? Status::Ok() : loaded.status();
  }

  int failing_tasks_ = 0;
};

bool Has(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST_F(SqliteExtractorTest, EveryTypeRoundTrips) {
  Sqlite(R"sql(
    CREATE TABLE things (id INTEGER PRIMARY KEY, r REAL, t TEXT, v VARCHAR(20), b BLOB,
                         n NUMERIC(10,2), big DECIMAL(30,4), flag BOOLEAN, day DATE,
                         at DATETIME, ts TIMESTAMP, anything, j JSON);
    INSERT INTO things VALUES
      (1, 1.5, 'héllo', 'v', x'00ff', 12.345, '-12345678901.2345', 1, '2026-01-02',
       '2026-01-02 03:04:05.123456', '2026-01-02T03:04:05+02:00', 7, '{"a":1}'),
      (2, -2, '', 'w', 'text', -0.5, 0, 'false', '1970-01-01', '2026-01-02', '2026-01-02T00:00:00Z', 8,
       NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  )sql");
  Result<LoadResult> loaded = Load(Table("things"), DuckDb("things"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 3);
  EXPECT_EQ(progress_.rows_extracted, 3);
  EXPECT_EQ(Rows("SELECT string_agg(column_name || ' ' || column_type, ', ') FROM "
                 "(DESCRIBE things)"),
            std::vector<std::string>{
                "id BIGINT, r DOUBLE, t VARCHAR, v VARCHAR, b BLOB, n DECIMAL(10,2), "
                "big DECIMAL(30,4), flag BOOLEAN, day DATE, at TIMESTAMP, ts TIMESTAMP, "
                "anything BIGINT, j VARCHAR"});
  EXPECT_EQ(
      Rows("SELECT * FROM things ORDER BY id"),
      (std::vector<std::string>{"1|1.5|héllo|v|\\x00\\xFF|12.35|-12345678901.2345|true|2026-01-02|"
                                "2026-01-02 03:04:05.123456|2026-01-02 01:04:05|7|{\"a\":1}",
                                "2|-2.0||w|text|-0.50|0.0000|false|1970-01-01|2026-01-02 00:00:00|"
                                "2026-01-02 00:00:00|8|NULL",
                                "3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL"}));
}

TEST_F(SqliteExtractorTest, ColumnsAndAQueryTypedByDeclarationThenByValue) {
  Sqlite(
      "CREATE TABLE t (id INTEGER, name TEXT, price REAL);"
      "INSERT INTO t VALUES (1, 'a', 2.5), (2, 'b', 3);");
  json columns = Table("main.t");
  columns["columns"] = {"price", "id"};
  ASSERT_TRUE(Load(columns, DuckDb("c")).ok());
  EXPECT_EQ(Rows("SELECT * FROM c ORDER BY id"), (std::vector<std::string>{"2.5|1", "3.0|2"}));
  context_.task_id = "task-2";
  Result<LoadResult> query =
      Load(Query("SELECT id, name, id * 2 AS twice, price / 2 AS half FROM t ORDER BY id;"),
           DuckDb("q"));
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(Rows("SELECT string_agg(column_type, ', ') FROM (DESCRIBE q)"),
            std::vector<std::string>{"BIGINT, VARCHAR, BIGINT, DOUBLE"});
  EXPECT_EQ(Rows("SELECT * FROM q ORDER BY id"),
            (std::vector<std::string>{"1|a|2|1.25", "2|b|4|1.5"}));
}

TEST_F(SqliteExtractorTest, IncrementalRunsReadOnlyNewRows) {
  Sqlite(
      "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT);"
      "INSERT INTO events VALUES (1, 'a'), (2, 'b'), (3, 'c');");
  json extractor = Table("events");
  extractor["incremental"] = {{"cursor_field", "id"}, {"initial_value", 1}};
  Result<LoadResult> first = Load(extractor, DuckDb("events", "append"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->rows_loaded, 2) << "rows after initial_value 1";

  Sqlite("INSERT INTO events VALUES (4, 'd'), (10, 'e');");
  context_.run_id = "run-2";
  Result<LoadResult> second = Load(extractor, DuckDb("events", "append"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->rows_loaded, 2);

  context_.run_id = "run-3";
  Result<LoadResult> third = Load(extractor, DuckDb("events", "append"));
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->rows_loaded, 0);
  EXPECT_EQ(Rows("SELECT id FROM events ORDER BY id"),
            (std::vector<std::string>{"2", "3", "4", "10"}));
  EXPECT_EQ(Rows("SELECT run_id, cursor_value FROM _orc_loads ORDER BY run_id"),
            (std::vector<std::string>{"run-1|3", "run-2|10", "run-3|10"}))
      << "a run without new rows keeps the cursor";
}

TEST_F(SqliteExtractorTest, AnIncrementalQueryComparesTextCursors) {
  Sqlite(
      "CREATE TABLE t (v TEXT, at DATETIME);"
      "INSERT INTO t VALUES ('a', '2026-01-01 10:00:00'), ('b', '2026-01-02 10:00:00');");
  json extractor = Query("SELECT v, at FROM t");
  extractor["incremental"] = {{"cursor_field", "at"}, {"initial_value", "2026-01-01 12:00:00"}};
  Result<LoadResult> loaded = Load(extractor, DuckDb("t", "append"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Rows("SELECT v, \"at\" FROM t"), std::vector<std::string>{"b|2026-01-02 10:00:00"});
  EXPECT_EQ(Rows("SELECT cursor_value FROM _orc_loads"),
            std::vector<std::string>{"2026-01-02 10:00:00"});
}

TEST_F(SqliteExtractorTest, AValueThatDoesNotFitItsColumnNamesColumnAndRowid) {
  Sqlite(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);"
      "INSERT INTO t VALUES (1, 5), (41, 'not a number'), (42, 7);");
  const Status error = LoadError(Table("t"));
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument) << error;
  EXPECT_TRUE(Has(error, "column n, rowid 41: the TEXT 'not a number' is not a BIGINT")) << error;

  Sqlite("CREATE TABLE d (day DATE); INSERT INTO d VALUES ('2026-02-30');");
  const Status date = LoadError(Table("d"));
  EXPECT_TRUE(Has(date, "column day, rowid 1: the TEXT '2026-02-30' is not a DATE")) << date;
  Sqlite("CREATE TABLE u (t TEXT); INSERT INTO u VALUES (CAST(x'ff00' AS TEXT));");
  EXPECT_TRUE(Has(LoadError(Table("u")), "not valid UTF-8"));
}

TEST_F(SqliteExtractorTest, MissingFileTableAndColumnsAreClearErrors) {
  const Status file = LoadError(Table("t"));
  EXPECT_EQ(file.code(), StatusCode::kNotFound) << file;
  EXPECT_TRUE(Has(file, "no SQLite database file")) << file;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("source.sqlite"))) << "never created";

  Write("not.sqlite", "this is not a database, just text that is long enough to be a header..");
  json other = Table("t");
  other["path"] = "not.sqlite";
  EXPECT_TRUE(Has(LoadError(other), "is not a SQLite database")) << LoadError(other);

  Sqlite("CREATE TABLE orders (id INTEGER, amount REAL);");
  const Status table = LoadError(Table("order"));
  EXPECT_EQ(table.code(), StatusCode::kNotFound) << table;
  EXPECT_TRUE(Has(table, "no table or view order in")) << table;
  EXPECT_TRUE(Has(table, "its tables: orders")) << table;

  json columns = Table("orders");
  columns["columns"] = {"id", "amount_usd"};
  EXPECT_TRUE(Has(LoadError(columns),
                  "columns[1]: no column amount_usd in table orders (id, "
                  "amount)"))
      << LoadError(columns);
  json cursor = Table("orders");
  cursor["incremental"] = {{"cursor_field", "updated"}};
  EXPECT_TRUE(Has(LoadError(cursor), "incremental.cursor_field updated is not a column"));
  json bad_initial = Table("orders");
  bad_initial["incremental"] = {{"cursor_field", "id"}, {"initial_value", "yesterday"}};
  EXPECT_TRUE(Has(LoadError(bad_initial),
                  "incremental.initial_value 'yesterday' is not an "
                  "integer"))
      << LoadError(bad_initial);
}

TEST_F(SqliteExtractorTest, ConfigurationsAreCheckedWhenWritten) {
  auto refused = [&](json config, const std::string& text) {
    const Status status = registry_.Validate(PluginKind::kExtractor, config, "extractor_config");
    EXPECT_TRUE(Has(status, text)) << status;
  };
  refused({{"type", "sqlite"}, {"path", "a.sqlite"}}, "exactly one of table");
  refused({{"type", "sqlite"}, {"path", "a.sqlite"}, {"table", "t"}, {"query", "SELECT 1"}},
          "exactly one of table");
  refused({{"type", "sqlite"}, {"path", "a.sqlite"}, {"query", "SELECT 1"}, {"columns", {"a"}}},
          "goes with table");
  refused({{"type", "sqlite"}, {"path", "a.sqlite"}, {"table", "a\nb"}}, "control characters");
  refused({{"type", "sqlite"},
           {"path", "a.sqlite"},
           {"table", "t"},
           {"partition", {{"column", "id"}, {"parts", 1000}}}},
          "parts");
}

TEST_F(SqliteExtractorTest, HostileNamesAreQuotedAndQueriesReadOnly) {
  Sqlite(R"sql(CREATE TABLE "we""ird; DROP TABLE x; --" ("a""b" INTEGER, "select" TEXT);
              INSERT INTO "we""ird; DROP TABLE x; --" VALUES (1, 'one');
              CREATE TABLE x (keep INTEGER);)sql");
  json hostile = Table("we\"ird; DROP TABLE x; --");
  hostile["columns"] = {"a\"b", "select"};
  Result<LoadResult> loaded = Load(hostile, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Rows("SELECT * FROM t"), std::vector<std::string>{"1|one"});

  EXPECT_TRUE(Has(LoadError(Query("DELETE FROM x")), "read-only statement returning rows"));
  EXPECT_TRUE(Has(LoadError(Query("SELECT 1; DROP TABLE x")), "must be one statement"));
  EXPECT_TRUE(Has(LoadError(Query("ATTACH 'other.db' AS o")), "read-only statement"));
  EXPECT_TRUE(Has(LoadError(Query("SELECT 1 AS a, 2 AS a")), "two columns named a"));
  Sqlite("SELECT count(*) FROM x;");  // the table is still there
}

TEST_F(SqliteExtractorTest, APartitionedReadReadsEveryRowOnce) {
  Sqlite(
      "CREATE TABLE t (id INTEGER, v TEXT);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
      "INSERT INTO t SELECT i, 'v' || i FROM n;"
      "INSERT INTO t VALUES (NULL, 'no id');");
  json extractor = Table("t");
  extractor["partition"] = {{"column", "id"}, {"parts", 4}};
  Result<LoadResult> loaded = Load(extractor, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 10001);
  EXPECT_EQ(Rows("SELECT count(DISTINCT id), sum(id), count(*) FILTER (WHERE id IS NULL) FROM t"),
            std::vector<std::string>{"10000|50005000|1"});

  Sqlite("CREATE TABLE s (k TEXT); INSERT INTO s VALUES ('a');");
  json text = Table("s");
  text["partition"] = {{"column", "k"}, {"parts", 2}};
  EXPECT_TRUE(Has(LoadError(text), "partition.column k must hold integers"));
}

TEST_F(SqliteExtractorTest, AnInterruptStopsTheRead) {
  // A query that would run for a long time: rows made one by one, without end.
  Sqlite("CREATE TABLE t (id INTEGER);");
  json extractor =
      Query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n");
  std::thread interrupter([this] {
    while (progress_.rows_extracted.load() < 10000) std::this_thread::yield();
    interrupter_.Interrupt(CancelledError("cancelled by the test"));
  });
  Result<LoadResult> loaded = Load(extractor, DuckDb("t"));
  interrupter.join();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCancelled) << loaded.status();
}

// Hands out no cursor and records nothing, for calling Open directly.
class NoLedger final : public Destination {
 public:
  Result<std::optional<std::string>> LastCursor(TaskContext&) override {
    return std::optional<std::string>();
  }
  Result<std::optional<LoadRecord>> CommittedLoad(TaskContext&) override {
    return std::optional<LoadRecord>();
  }
  Status RecordLoad(const LoadRecord&) override { return Status::Ok(); }
};

TEST_F(SqliteExtractorTest, ATablesPrimaryKeyIsOffered) {
  Sqlite("CREATE TABLE t (b TEXT, a INTEGER, v REAL, PRIMARY KEY (a, b));");
  Result<std::unique_ptr<Extractor>> extractor = MakeExtractor(Table("t"));
  ASSERT_TRUE(extractor.ok()) << extractor.status();
  auto connection = engine_.Connect(":memory:");
  ASSERT_TRUE(connection.ok());
  NoLedger ledger;
  Result<Source> source = (*extractor)->Open(context_, **connection, ledger);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(source->primary_key, (std::vector<std::string>{"a", "b"}));
}

// A measurement, not a check (run with --gtest_also_run_disabled_tests): 1,000,000 rows of mixed
// types from SQLite into DuckDB, against DuckDB reading the same rows from a CSV file that the
// sqlite3 CLI exports (`.mode csv`), the way a user does it by hand.
TEST_F(SqliteExtractorTest, DISABLED_ThroughputAgainstACsvExport) {
  Sqlite(R"sql(CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount REAL, qty INTEGER,
                               price NUMERIC(12,2), at DATETIME);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
    INSERT INTO t SELECT i, 'name ' || i, i * 0.25, i % 1000, (i % 100000) / 100.0,
                         datetime(1700000000 + i, 'unixepoch') FROM n;)sql");
  const auto started = std::chrono::steady_clock::now();
  Result<LoadResult> loaded = Load(Table("t"), DuckDb("t"));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::printf("orc sqlite -> duckdb: %lld rows in %.3f s, %.0f rows/s\n",
              static_cast<long long>(loaded->rows_loaded), seconds, loaded->rows_loaded / seconds);
}

TEST(SqliteTypesTest, DeclaredTypesAndTextValues) {
  EXPECT_EQ(TypeFromDeclared("unsigned big int")->DuckDbType(), "BIGINT");
  EXPECT_EQ(TypeFromDeclared("NVARCHAR(10)")->DuckDbType(), "VARCHAR");
  EXPECT_EQ(TypeFromDeclared("double precision")->DuckDbType(), "DOUBLE");
  EXPECT_EQ(TypeFromDeclared("decimal( 12 , 3 )")->DuckDbType(), "DECIMAL(12,3)");
  EXPECT_EQ(TypeFromDeclared("NUMERIC")->DuckDbType(), "DOUBLE");
  EXPECT_EQ(TypeFromDeclared("DECIMAL(50,2)")->DuckDbType(), "DOUBLE");
  EXPECT_FALSE(TypeFromDeclared("").has_value());
  EXPECT_FALSE(TypeFromDeclared("UUID").has_value());
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01 00:00:01.5"), 1'500'000);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T01:00-01:00"), int64_t{7200} * 1'000'000);
  EXPECT_FALSE(ParseIsoTimestamp("1970-01-01 24:00:00").has_value());
  EXPECT_EQ(ParseIsoDate("2000-02-29"), 11016);
  EXPECT_FALSE(ParseIsoDate("1900-02-29").has_value());
  EXPECT_EQ(ParseDecimal("1.005", 5, 2), 101);
  EXPECT_EQ(ParseDecimal("-1e2", 5, 2), -10000);
  EXPECT_FALSE(ParseDecimal("1000", 5, 2).has_value());
  EXPECT_FALSE(ParseDecimal("1.2.3", 5, 2).has_value());
}

}  // namespace
}  // namespace orc
