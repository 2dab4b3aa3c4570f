// The postgres destination against the real PostgreSQL server the ctest fixture `postgres` starts:
// every type read back exactly, the write modes, schema evolution, the ledger's exactly-once, and
// the failures a load must survive cleanly (refused permission, wrong password, a cancel or a
// killed server mid-COPY), each leaving nothing committed.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "support/test_database.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::ExecuteOnPostgresTestServer;
using testing::PostgresTestServerUrl;

// A source that is a DuckDB query, as an extractor of a database table would offer it.
class QueryExtractor final : public Extractor {
 public:
  explicit QueryExtractor(Source source) : source_(std::move(source)) {}
  Result<Source> Open(TaskContext& context, DuckDbConnection&, Destination& destination) override {
    ORC_ASSIGN_OR_RETURN(last_cursor_, destination.LastCursor(context));
    return source_;
  }
  std::optional<std::string> last_cursor_;

 private:
  Source source_;
};

Source Query(std::string sql, std::vector<std::string> key = {}) {
  return Source{.select_sql = std::move(sql), .description = "test query", .primary_key = key};
}

class PostgresLoaderTest : public testing::DataPlaneFixture {
 protected:
  void SetUp() override {
    DataPlaneFixture::SetUp();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    schema_ = "pgdst_" + std::string(info->name()).substr(0, 40);
    for (char& c : schema_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ExecuteOnPostgresTestServer("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    ExecuteOnPostgresTestServer("CREATE SCHEMA " + schema_);
  }

  json Config(const std::string& mode, std::vector<std::string> key = {},
              const std::string& url = PostgresTestServerUrl()) {
    json config = {
        {"type", "postgres"}, {"url", url}, {"table_name", schema_ + ".t"}, {"write_mode", mode}};
    if (!key.empty()) config["primary_key"] = key;
    return config;
  }

  // Loads `source` as a new task of its own.
  Result<LoadResult> Run(const Source& source, const json& loader_config) {
    context_.task_id = "task-" + std::to_string(++tasks_);
    return RunAgain(source, loader_config);
  }
  // Loads `source` as the same task again.
  Result<LoadResult> RunAgain(const Source& source, const json& loader_config) {
    Result<std::unique_ptr<orc::Loader>> loader = MakeLoader(loader_config);
    if (!loader.ok()) return loader.status();
    QueryExtractor extractor(source);
    Result<LoadResult> result = (*loader)->Load(context_, extractor);
    last_cursor_ = extractor.last_cursor_;
    return result;
  }

  // `columns` of the target, each row as "a|b|c" (NULL as NULL), ordered by `order`.
  std::string Rows(const std::string& columns, const std::string& order = "1") {
    std::string cells;
    std::string::size_type start = 0;
    while (start <= columns.size()) {
      const auto comma = columns.find(',', start);
      const std::string column =
          columns.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      cells += std::string(cells.empty() ? "" : ", ") + "coalesce((" + column + ")::text, 'NULL')";
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return ExecuteOnPostgresTestServer("SELECT string_agg(concat_ws('|', " + cells +
                                       "), E'\\n' ORDER BY " + order + ") FROM " + schema_ + ".t");
  }

  std::string Count() {
    return ExecuteOnPostgresTestServer("SELECT count(*) FROM " + schema_ + ".t");
  }

  std::string Exists() {
    return ExecuteOnPostgresTestServer("SELECT to_regclass('" + schema_ + ".t') IS NOT NULL");
  }

  std::string schema_;
  int tasks_ = 0;
  std::optional<std::string> last_cursor_;
};

TEST_F(PostgresLoaderTest, EveryTypeReadsBackExactly) {
  const std::string sql = R"(
    SELECT 1 AS id, true AS b, (-128)::TINYINT AS i1, 255::UTINYINT AS u1, 32767::SMALLINT AS i2,
      65535::USMALLINT AS u2, (-2147483648)::INTEGER AS i4, 4294967295::UINTEGER AS u4,
      (-9223372036854775808)::BIGINT AS i8, 18446744073709551615::UBIGINT AS u8,
      (-170141183460469231731687303715884105728)::HUGEINT AS i16, 1.5::FLOAT AS f4,
      (-0.1)::DOUBLE AS f8, (-12345.678)::DECIMAL(10,3) AS d3, 0.0001::DECIMAL(4,4) AS d4,
      (-99999999999999999999.123456789012345678)::DECIMAL(38,18) AS d38, 'héllo ''q''' AS s,
      '\xAA\x00\xFF'::BLOB AS bin, DATE '2024-02-29' AS d, TIME '23:59:59.999999' AS tm,
      TIMESTAMP '1999-12-31 23:59:59.5' AS ts, TIMESTAMPTZ '2024-01-01 12:00:00+00' AS tstz,
      INTERVAL '1 year 2 days 3.5 seconds' AS iv, '550e8400-e29b-41d4-a716-446655440000'::UUID AS u,
      '{"a": [1, 2]}'::JSON AS j, [1, NULL, 3] AS li, ['x', NULL] AS ls,
      [DATE '2000-01-01'] AS ld, {'k': 1} AS st, TIMESTAMP_NS '2001-02-03 04:05:06.123456' AS tns
    UNION ALL
    SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'nan'::FLOAT,
      'inf'::DOUBLE, 0::DECIMAL(10,3), 0::DECIMAL(4,4),
      0.000000000000000001::DECIMAL(38,18), '', ''::BLOB, 'infinity'::DATE, '00:00'::TIME,
      '-infinity'::TIMESTAMP, 'infinity'::TIMESTAMPTZ, INTERVAL '-1 month', NULL, 'null'::JSON,
      []::INTEGER[], []::VARCHAR[], NULL, NULL, NULL
    UNION ALL
    SELECT 3, false, 127::TINYINT, 0::UTINYINT, (-32768)::SMALLINT, 0::USMALLINT,
      2147483647, 0::UINTEGER, 9223372036854775807, 0::UBIGINT,
      170141183460469231731687303715884105727::HUGEINT, '-inf'::FLOAT, 1e300::DOUBLE,
      99999.999::DECIMAL(10,3), (-0.0001)::DECIMAL(4,4), 10.5::DECIMAL(38,18), NULL, NULL,
      '-infinity'::DATE, NULL, 'infinity'::TIMESTAMP, '-infinity'::TIMESTAMPTZ, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL)";
  Result<LoadResult> loaded = Run(Query(sql), Config("replace"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 3);
  EXPECT_EQ(ExecuteOnPostgresTestServer(
                "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER "
                "BY attnum) FROM pg_attribute WHERE attrelid = '" +
                schema_ + ".t'::regclass AND attnum > 0"),
            "id integer, b boolean, i1 smallint, u1 smallint, i2 smallint, u2 integer, i4 integer, "
            "u4 bigint, i8 bigint, u8 numeric, i16 numeric, f4 real, f8 double precision, d3 "
            "numeric(10,3), d4 numeric(4,4), d38 numeric(38,18), s text, bin bytea, d date, tm "
            "time without time zone, ts timestamp without time zone, tstz timestamp with time "
            "zone, iv interval, u uuid, j jsonb, li integer[], ls text[], ld date[], st text, tns "
            "timestamp without time zone");
  EXPECT_EQ(
      Rows("id,b,i1,u1,i2,u2,i4,u4,i8,u8,i16,f4,f8,d3,d4,d38,s,bin,d,tm,ts,tstz AT TIME ZONE "
           "'UTC',iv,u,j,li,ls,ld,st,tns",
           "id"),
      "1|true|-128|255|32767|65535|-2147483648|4294967295|-9223372036854775808|"
      "18446744073709551615|-170141183460469231731687303715884105728|1.5|-0.1|-12345.678|0.0001|"
      "-99999999999999999999.123456789012345678|héllo 'q'|\\xaa00ff|2024-02-29|23:59:59.999999|"
      "1999-12-31 23:59:59.5|2024-01-01 12:00:00|1 year 2 days 00:00:03.5|"
      "550e8400-e29b-41d4-a716-446655440000|{\"a\": [1, 2]}|{1,NULL,3}|{x,NULL}|{2000-01-01}|"
      "{'k': 1}|2001-02-03 04:05:06.123456\n"
      "2|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NaN|Infinity|0.000|0.0000|"
      "0.000000000000000001||\\x|infinity|00:00:00|-infinity|infinity|-1 mons|NULL|null|{}|{}|"
      "NULL|NULL|NULL\n"
      "3|false|127|0|-32768|0|2147483647|0|9223372036854775807|0|"
      "170141183460469231731687303715884105727|-Infinity|1e+300|99999.999|-0.0001|"
      "10.500000000000000000|NULL|NULL|-infinity|NULL|infinity|-infinity|NULL|NULL|NULL|NULL|"
      "NULL|NULL|NULL|NULL");
}

// DuckDB's own text of many generated values against PostgreSQL's text of what orc loaded.
TEST_F(PostgresLoaderTest, GeneratedValuesMatchDuckDbsText) {
  const std::string sql = R"(
    SELECT i AS id, i * i - 4000000 AS n8, (i * 7919 % 65536 - 32768)::SMALLINT AS n2,
      CAST(i * 7919 % 1000003 - 500000 AS DECIMAL(18,0)) * CAST(0.0001 AS DECIMAL(5,4)) AS d23,
      CAST(i * 37 % 9999999 - 5000000 AS DECIMAL(9,0)) * CAST(0.01 AS DECIMAL(3,2)) AS d12,
      CAST((i * 31 % 199 - 99) / 100 AS DECIMAL(4,2)) AS dsmall,
      DATE '1970-01-01' + CAST(i * 13 % 1000000 - 500000 AS INTEGER) AS d,
      TIMESTAMP '2000-01-01' + to_microseconds(i * 7919 * 1000003 - 5000000000000) AS ts,
      md5(i::VARCHAR)::UUID AS u, md5(i::VARCHAR) AS s, [i, i + 1] AS l
    FROM range(20000) r(i))";
  Result<LoadResult> loaded = Run(Query(sql), Config("replace"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto duckdb = engine_.Connect(":memory:");
  ASSERT_TRUE(duckdb.ok());
  Result<DuckDbRows> expected = (*duckdb)->Query(
      "SELECT string_agg(concat_ws('|', id, n8, n2, d23, d12, dsmall, d, ts, u, s, "
      "replace(replace(l::VARCHAR, '[', '{'), ']', '}').replace(' ', '')), chr(10) ORDER BY id) "
      "FROM (" +
      sql + ")");
  ASSERT_TRUE(expected.ok()) << expected.status();
  const std::string loaded_text = Rows("id,n8,n2,d23,d12,dsmall,d,ts,u,s,l", "id");
  const std::string expected_text = expected->rows[0][0].value_or("");
  // The first line that differs, rather than 20,000 of them.
  std::istringstream loaded_lines(loaded_text);
  std::istringstream expected_lines(expected_text);
  std::string loaded_line;
  std::string expected_line;
  int lines = 0;
  while (std::getline(expected_lines, expected_line)) {
    ASSERT_TRUE(std::getline(loaded_lines, loaded_line)) << "missing line " << lines;
    ASSERT_EQ(loaded_line, expected_line);
    ++lines;
  }
  EXPECT_EQ(lines, 20000);
}

TEST_F(PostgresLoaderTest, ReplaceAndAppendKeepViewsAndGrants) {
  ASSERT_TRUE(Run(Query("SELECT i AS id FROM range(3) r(i)"), Config("replace")).ok());
  ExecuteOnPostgresTestServer("CREATE VIEW " + schema_ + ".v AS SELECT id FROM " + schema_ + ".t");
  ASSERT_TRUE(Run(Query("SELECT i AS id FROM range(10, 12) r(i)"), Config("append")).ok());
  EXPECT_EQ(Rows("id", "id"), "0\n1\n2\n10\n11");
  Result<LoadResult> replaced = Run(Query("SELECT 7 AS id"), Config("replace"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->rows_loaded, 1);
  EXPECT_EQ(Rows("id"), "7");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT string_agg(id::text, ',') FROM " + schema_ + ".v"),
            "7");
}

// COPY FREEZE, which replace uses on a table it truncated, is refused for a partitioned table.
TEST_F(PostgresLoaderTest, ReplaceLoadsAPartitionedTable) {
  const std::string table = schema_ + ".t";
  ExecuteOnPostgresTestServer("CREATE TABLE " + table +
                              " (id bigint, s text) PARTITION BY RANGE (id)");
  ExecuteOnPostgresTestServer("CREATE TABLE " + table + "_low PARTITION OF " + table +
                              " FOR VALUES FROM (MINVALUE) TO (100)");
  ExecuteOnPostgresTestServer("CREATE TABLE " + table + "_high PARTITION OF " + table +
                              " FOR VALUES FROM (100) TO (MAXVALUE)");
  ASSERT_TRUE(Run(Query("SELECT 1::BIGINT AS id, 'old' AS s"), Config("replace")).ok());
  Result<LoadResult> replaced =
      Run(Query("SELECT i AS id, 'new' AS s FROM range(98, 102) r(i)"), Config("replace"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(Rows("id,s", "id"), "98|new\n99|new\n100|new\n101|new");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT count(*) FROM " + table + "_high"), "2");
}

TEST_F(PostgresLoaderTest, MergeOnACompositeKeyKeepsTheLastRowPerKey) {
  ASSERT_TRUE(Run(Query("SELECT * FROM (VALUES (1, 'a', 'one'), (1, 'b', 'two'), (2, 'a', 'x'), "
                        "(2, 'a', 'three')) v(k1, k2, v)"),
                  Config("merge", {"k1", "k2"}))
                  .ok());
  EXPECT_EQ(Rows("k1,k2,v", "k1, k2"), "1|a|one\n1|b|two\n2|a|three");
  Result<LoadResult> merged =
      Run(Query("SELECT * FROM (VALUES (1, 'b', 'TWO'), (3, 'c', 'new'), (1, 'b', 'LAST')) "
                "v(k1, k2, v)"),
          Config("merge", {"k1", "k2"}));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->rows_loaded, 2);
  EXPECT_EQ(Rows("k1,k2,v", "k1, k2"), "1|a|one\n1|b|LAST\n2|a|three\n3|c|new");
}

TEST_F(PostgresLoaderTest, MergeTakesTheSourcesKeyWhenTheConfigNamesNone) {
  ASSERT_TRUE(Run(Query("SELECT 1 AS id, 'a' AS v", {"id"}), Config("merge")).ok());
  ASSERT_TRUE(Run(Query("SELECT 1 AS id, 'b' AS v", {"id"}), Config("merge")).ok());
  EXPECT_EQ(Rows("id,v"), "1|b");
  Result<LoadResult> keyless = Run(Query("SELECT 1 AS id"), Config("merge"));
  ASSERT_FALSE(keyless.ok());
  EXPECT_NE(keyless.status().message().find("needs a primary_key"), std::string::npos);
}

TEST_F(PostgresLoaderTest, MergeRefusesNullKeysAndCommitsNothing) {
  ASSERT_TRUE(Run(Query("SELECT 1 AS id, 'a' AS v"), Config("merge", {"id"})).ok());
  Result<LoadResult> refused =
      Run(Query("SELECT * FROM (VALUES (2, 'b'), (NULL, 'c'), (NULL, 'd')) v(id, v)"),
          Config("merge", {"id"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("2 rows of the source have a NULL in the primary_key"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(Rows("id,v"), "1|a");
}

TEST_F(PostgresLoaderTest, SchemaEvolutionAddsColumnsWidensTypesAndRefusesTheRest) {
  ASSERT_TRUE(Run(Query("SELECT 1::INTEGER AS id, 1.5::FLOAT AS f"), Config("append")).ok());
  Result<LoadResult> evolved = Run(
      Query("SELECT 5000000000::BIGINT AS id, 2.5::DOUBLE AS f, 'new' AS extra"), Config("append"));
  ASSERT_TRUE(evolved.ok()) << evolved.status();
  EXPECT_EQ(ExecuteOnPostgresTestServer(
                "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER "
                "BY attnum) FROM pg_attribute WHERE attrelid = '" +
                schema_ + ".t'::regclass AND attnum > 0"),
            "id bigint, f double precision, extra text");
  EXPECT_EQ(Rows("id,f,extra", "id"), "1|1.5|NULL\n5000000000|2.5|new");
  Result<LoadResult> refused = Run(Query("SELECT 'text' AS id"), Config("append"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("column id is bigint in table " + schema_ +
                                            ".t but text in the source"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(Rows("id", "id"), "1\n5000000000");
}

TEST_F(PostgresLoaderTest, ARetriedAttemptFindsTheLoadInTheLedger) {
  Source source = Query("SELECT i AS id FROM range(5) r(i)");
  source.cursor_value = "2024-05-01";
  ASSERT_TRUE(Run(source, Config("append")).ok());
  context_.attempt = 2;
  Result<LoadResult> retried = RunAgain(source, Config("append"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_TRUE(retried->already_loaded);
  EXPECT_EQ(retried->rows_loaded, 5);
  EXPECT_EQ(Count(), "5");
  // The next run of the task continues from the cursor the load committed.
  context_.run_id = "run-2";
  ASSERT_TRUE(RunAgain(Query("SELECT 9 AS id"), Config("append")).ok());
  EXPECT_EQ(last_cursor_, "2024-05-01");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT string_agg(run_id || ' ' || attempt || ' ' || "
                                        "rows_loaded, ',' ORDER BY run_id) FROM " +
                                        schema_ + "._orc_loads"),
            "run-1 1 5,run-2 2 1");
}

TEST_F(PostgresLoaderTest, AnEmptySourceEmptiesOnReplaceAndKeepsOnAppend) {
  ASSERT_TRUE(Run(Query("SELECT 1 AS id"), Config("replace")).ok());
  Source empty{.description = "nothing", .empty = true};
  ASSERT_TRUE(Run(empty, Config("append")).ok());
  EXPECT_EQ(Rows("id"), "1");
  Result<LoadResult> replaced = Run(empty, Config("replace"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->rows_loaded, 0);
  EXPECT_EQ(Count(), "0");
}

TEST_F(PostgresLoaderTest, AUniqueViolationCommitsNothing) {
  ASSERT_TRUE(Run(Query("SELECT 1 AS id"), Config("append")).ok());
  ExecuteOnPostgresTestServer("CREATE UNIQUE INDEX ON " + schema_ + ".t (id)");
  Result<LoadResult> refused = Run(Query("SELECT 2 AS id UNION ALL SELECT 1"), Config("append"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("duplicate key"), std::string::npos)
      << refused.status();
  EXPECT_EQ(Rows("id"), "1");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT count(*) FROM " + schema_ + "._orc_loads"), "1");
}

TEST_F(PostgresLoaderTest, ARoleWithoutCreateOnTheSchemaIsRefused) {
  const std::string role = schema_ + "_role";
  ExecuteOnPostgresTestServer("DROP ROLE IF EXISTS " + role);
  ExecuteOnPostgresTestServer("CREATE ROLE " + role + " LOGIN PASSWORD 'role-password'");
  ExecuteOnPostgresTestServer("GRANT USAGE ON SCHEMA " + schema_ + " TO " + role);
  std::string url = PostgresTestServerUrl();
  url.replace(url.find("orc:orc-test-password"), std::string("orc:orc-test-password").size(),
              role + ":role-password");
  Result<LoadResult> refused = Run(Query("SELECT 1 AS id"), Config("replace", {}, url));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status();
  EXPECT_NE(refused.status().message().find("permission denied for schema"), std::string::npos)
      << refused.status();
  EXPECT_EQ(Exists(), "f");
  ExecuteOnPostgresTestServer("DROP OWNED BY " + role);
  ExecuteOnPostgresTestServer("DROP ROLE " + role);
}

TEST_F(PostgresLoaderTest, AWrongPasswordIsRefusedWithoutEchoingIt) {
  std::string url = PostgresTestServerUrl();
  url.replace(url.find("orc-test-password"), std::string("orc-test-password").size(),
              "Wrong-Secret-4242");
  Result<LoadResult> refused = Run(Query("SELECT 1 AS id"), Config("replace", {}, url));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status();
  EXPECT_EQ(refused.status().message().find("Wrong-Secret-4242"), std::string::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("password authentication failed"), std::string::npos)
      << refused.status();
}

TEST_F(PostgresLoaderTest, ARefusedConnectionIsUnavailable) {
  Result<LoadResult> refused =
      Run(Query("SELECT 1 AS id"), Config("replace", {}, "postgres://orc:pw@127.0.0.1:1/orc"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status();
}

// A large source (`rows` rows of id and s), and a thread that acts once the COPY is under way.
class MidCopyTest : public PostgresLoaderTest {
 protected:
  static constexpr int64_t kEndless = 100000000;

  Result<LoadResult> LoadWhile(const std::function<void()>& act, const json& loader,
                               int64_t rows = kEndless) {
    std::atomic<bool> done{false};
    std::thread actor([&] {
      while (!done && progress_.rows_processed.load() < 100000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (!done) act();
    });
    Result<LoadResult> result = Run(
        Query("SELECT i AS id, md5(i::VARCHAR) AS s FROM range(" + std::to_string(rows) + ") r(i)"),
        loader);
    done = true;
    actor.join();
    return result;
  }

  // A table of 3 rows, read through a view.
  void MakeTableWithView() {
    ASSERT_TRUE(
        Run(Query("SELECT i AS id, 'old' AS s FROM range(3) r(i)"), Config("replace")).ok());
    ExecuteOnPostgresTestServer("CREATE VIEW " + schema_ + ".v AS SELECT id, s FROM " + schema_ +
                                ".t");
  }
  std::string CountThroughView() {
    return ExecuteOnPostgresTestServer("SELECT count(*) FROM " + schema_ + ".v");
  }
};

// replace truncates the table and COPYs into it in one transaction: a reader during the COPY sees
// the old rows or all the new ones, never a part, and the view on the table keeps working.
TEST_F(MidCopyTest, AReplaceShowsReadersAllOrNothingAndKeepsTheView) {
  MakeTableWithView();
  constexpr int64_t kRows = 2000000;
  std::string seen_mid_copy;
  Result<LoadResult> replaced =
      LoadWhile([&] { seen_mid_copy = CountThroughView(); }, Config("replace"), kRows);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->rows_loaded, kRows);
  ASSERT_FALSE(seen_mid_copy.empty()) << "the reader did not run during the COPY";
  EXPECT_TRUE(seen_mid_copy == "3" || seen_mid_copy == std::to_string(kRows)) << seen_mid_copy;
  EXPECT_EQ(CountThroughView(), std::to_string(kRows));
}

// append COPYs into the table without locking readers out: they see the old rows until the commit.
TEST_F(MidCopyTest, AnAppendShowsReadersTheOldRowsUntilItCommits) {
  MakeTableWithView();
  constexpr int64_t kRows = 2000000;
  std::string seen_mid_copy;
  Result<LoadResult> appended =
      LoadWhile([&] { seen_mid_copy = CountThroughView(); }, Config("append"), kRows);
  ASSERT_TRUE(appended.ok()) << appended.status();
  ASSERT_FALSE(seen_mid_copy.empty()) << "the reader did not run during the COPY";
  EXPECT_EQ(seen_mid_copy, "3");
  EXPECT_EQ(CountThroughView(), std::to_string(kRows + 3));
}

TEST_F(MidCopyTest, AnInterruptedReplaceKeepsTheOldRows) {
  MakeTableWithView();
  Result<LoadResult> stopped =
      LoadWhile([this] { interrupter_.Interrupt(DeadlineExceededError("the task timed out")); },
                Config("replace"));
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kDeadlineExceeded) << stopped.status();
  EXPECT_EQ(Rows("id,s", "id"), "0|old\n1|old\n2|old");
  EXPECT_EQ(CountThroughView(), "3");
}

TEST_F(MidCopyTest, AnInterruptStopsTheCopyAndARetryWorks) {
  Result<LoadResult> stopped =
      LoadWhile([this] { interrupter_.Interrupt(DeadlineExceededError("the task timed out")); },
                Config("replace"));
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kDeadlineExceeded) << stopped.status();
  EXPECT_EQ(Exists(), "f");
  Interrupter fresh;
  context_.interrupter = &fresh;
  context_.attempt = 2;
  Result<LoadResult> retried = RunAgain(Query("SELECT 1 AS id, 'x' AS s"), Config("replace"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Rows("id,s"), "1|x");
}

TEST_F(MidCopyTest, AServerSessionKilledMidCopyFailsCleanlyAndARetryWorks) {
  json loader = Config("replace", {}, PostgresTestServerUrl() + "?application_name=" + schema_);
  Result<LoadResult> killed = LoadWhile(
      [this] {
        ExecuteOnPostgresTestServer(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
            "application_name = '" +
            schema_ + "'");
      },
      loader);
  ASSERT_FALSE(killed.ok());
  EXPECT_EQ(killed.status().code(), StatusCode::kUnavailable) << killed.status();
  EXPECT_EQ(Exists(), "f");
  context_.attempt = 2;
  Result<LoadResult> retried = RunAgain(Query("SELECT 1 AS id, 'x' AS s"), loader);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Rows("id,s"), "1|x");
}

}  // namespace
}  // namespace orc
