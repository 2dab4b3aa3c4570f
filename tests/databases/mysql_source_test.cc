// The mysql extractor against a real MariaDB server (the ctest fixture "mariadb", started by
// tests/support/mariadb-test-server): every type's round trip into DuckDB, incremental runs, the
// server going away mid-stream, interrupts, and what errors show.
#include <gtest/gtest.h>
#include <mysql.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "plugins/databases/connection_url.h"

namespace orc {
namespace {

// The test server's URL, from the state file the fixture wrote ("DIR URL").
std::string ServerUrl() {
  const char* state = std::getenv("ORC_TEST_MARIADB_STATE");
  if (state == nullptr) {
    throw std::runtime_error(
        "ORC_TEST_MARIADB_STATE is not set: run the tests through ctest, which starts the MariaDB "
        "test server (tests/support/mariadb-test-server)");
  }
  std::ifstream in(state);
  std::string dir, url;
  in >> dir >> url;
  if (url.empty()) throw std::runtime_error("no MariaDB test server: " + std::string(state));
  return url;
}

// A plain client connection for the tests' own statements.
class Admin {
 public:
  Admin() {
    Result<ConnectionUrl> url = ParseConnectionUrl(ServerUrl(), {"mysql"}, 3306);
    if (!url.ok()) throw std::runtime_error(url.status().message());
    mysql_ = mysql_init(nullptr);
    mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(mysql_, url->host.c_str(), url->user.c_str(), url->password.c_str(),
                            url->database.c_str(), url->port, nullptr, CLIENT_MULTI_STATEMENTS)) {
      throw std::runtime_error(std::string("cannot connect to the test server: ") +
                               mysql_error(mysql_));
    }
    Run("SET time_zone = '+00:00'");
  }
  ~Admin() { mysql_close(mysql_); }

  // Runs statements (several, separated by semicolons); fails the test on an error.
  void Run(const std::string& sql) {
    ASSERT_EQ(mysql_real_query(mysql_, sql.data(), sql.size()), 0) << mysql_error(mysql_) << sql;
    int next = 0;
    do {
      if (MYSQL_RES* result = mysql_store_result(mysql_)) mysql_free_result(result);
    } while ((next = mysql_next_result(mysql_)) == 0);
    ASSERT_EQ(next, -1) << mysql_error(mysql_) << " in " << sql;  // -1: no more results
  }

  // The first column of the first row of `sql`, or "" when none.
  std::string Value(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return "";
    MYSQL_RES* result = mysql_store_result(mysql_);
    std::string value;
    if (result != nullptr) {
      MYSQL_ROW row = mysql_fetch_row(result);
      if (row != nullptr && row[0] != nullptr) value = row[0];
      mysql_free_result(result);
    }
    return value;
  }

 private:
  MYSQL* mysql_ = nullptr;
};

class MySqlSourceTest : public testing::DataPlaneFixture {
 protected:
  void SetUp() override {
    DataPlaneFixture::SetUp();
    // Each test its own tables: the fixture's server is shared by the tests running at once.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    database_ = std::string("t_") + info->name();
    if (database_.size() > 60) database_.resize(60);
    admin_.Run("DROP DATABASE IF EXISTS `" + database_ + "`; CREATE DATABASE `" + database_ +
               "` CHARACTER SET utf8mb4; USE `" + database_ + "`");
  }
  void TearDown() override { admin_.Run("DROP DATABASE IF EXISTS `" + database_ + "`"); }

  // The source's configuration for `table` of this test's database.
  nlohmann::json Table(const std::string& table) {
    return {{"type", "mysql"}, {"url", url_}, {"table", database_ + "." + table}};
  }

  // A table `big` of `rows` rows, enough for a read that takes a while.
  void MakeBigTable(int rows) {
    admin_.Run(
        "CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(200)); "
        "INSERT INTO big SELECT seq, REPEAT('x', 200) FROM seq_1_to_" +
        std::to_string(rows));
  }

  std::string url_ = ServerUrl();
  Admin admin_;
  std::string database_;
};

TEST_F(MySqlSourceTest, EveryTypeLoadsWithItsValueIntoDuckDb) {
  admin_.Run(R"(CREATE TABLE types (
      id INT PRIMARY KEY, b TINYINT(1), ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT,
      siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
      bi BIGINT, biu BIGINT UNSIGNED, d DECIMAL(10,2), dl DECIMAL(38,10), dw DECIMAL(50,5),
      f FLOAT, db DOUBLE, c CHAR(3), vc VARCHAR(20), tx TEXT, bn BINARY(3), vb VARBINARY(10),
      bl BLOB, dt DATE, dtt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME, y YEAR, j JSON,
      e ENUM('red','green'), st SET('a','b','c'), bt BIT(10));
    INSERT INTO types VALUES (1, 1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648,
      4294967295, -9223372036854775808, 18446744073709551615, -12345678.90,
      1234567890123456789012345678.0123456789, 123456789012345678901234567890123456789012345.12345,
      1.5, 2.718281828459045, 'ab', 'héllo wörld ✓ 😀', 'long text', x'000102', x'ff00',
      x'deadbeef', '2024-02-29', '1999-12-31 23:59:59.123456', '2038-01-19 03:14:07.999',
      '23:59:59', 2155, '{"a": [1, 2]}', 'green', 'a,c', b'1010101010');
    INSERT INTO types (id) VALUES (2);)");
  Result<LoadResult> loaded = Load(Table("types"), DuckDb("types"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 2);

  const std::vector<std::string> types = Rows(
      "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
      "FROM information_schema.columns WHERE table_name = 'types'");
  EXPECT_EQ(types[0],
            "id INTEGER, b TINYINT, ti TINYINT, tiu SMALLINT, si SMALLINT, siu INTEGER, "
            "mi INTEGER, miu INTEGER, i INTEGER, iu BIGINT, bi BIGINT, biu HUGEINT, "
            "d DECIMAL(10,2), dl DECIMAL(38,10), dw VARCHAR, f FLOAT, db DOUBLE, c VARCHAR, "
            "vc VARCHAR, tx VARCHAR, bn BLOB, vb BLOB, bl BLOB, dt DATE, dtt TIMESTAMP, "
            "ts TIMESTAMP WITH TIME ZONE, tm TIME, y INTEGER, j VARCHAR, e VARCHAR, st VARCHAR, "
            "bt UBIGINT");
  EXPECT_EQ(Rows("SELECT b, ti, tiu, si, siu, mi, miu, i, iu, bi, biu FROM types WHERE id = 1"),
            std::vector<std::string>{"1|-128|255|-32768|65535|-8388608|16777215|-2147483648|"
                                     "4294967295|-9223372036854775808|18446744073709551615"});
  EXPECT_EQ(Rows("SELECT d, dl, dw, f, db FROM types WHERE id = 1"),
            std::vector<std::string>{
                "-12345678.90|1234567890123456789012345678.0123456789|"
                "123456789012345678901234567890123456789012345.12345|1.5|2.718281828459045"});
  EXPECT_EQ(Rows("SELECT c, vc, tx, hex(bn), hex(vb), hex(bl) FROM types WHERE id = 1"),
            std::vector<std::string>{"ab|héllo wörld ✓ 😀|long text|000102|FF00|DEADBEEF"});
  EXPECT_EQ(Rows("SELECT dt, dtt, epoch_us(ts), tm, y, j, e, st, bt FROM types WHERE id = 1"),
            std::vector<std::string>{"2024-02-29|1999-12-31 23:59:59.123456|2147483647999000|"
                                     "23:59:59|2155|{\"a\": [1, 2]}|green|a,c|682"});
  // A row of NULLs stays NULL in every column.
  EXPECT_EQ(Rows("SELECT count(*) FROM types WHERE id = 2 AND coalesce(b::VARCHAR, ti::VARCHAR, "
                 "d::VARCHAR, dw, f::VARCHAR, vc, bn::VARCHAR, dt::VARCHAR, dtt::VARCHAR, "
                 "ts::VARCHAR, tm::VARCHAR, y::VARCHAR, j, e, st, bt::VARCHAR) IS NULL"),
            std::vector<std::string>{"1"});
}

// Against an independent reading of the same rows: the `mariadb` client's --batch output, read
// by DuckDB's read_csv with the same column types. Every row must be equal, both ways.
TEST_F(MySqlSourceTest, RowsEqualTheMariadbClientsReadingOfThem) {
  admin_.Run(
      "CREATE TABLE f (id BIGINT PRIMARY KEY, n INT, u INT UNSIGNED, d DECIMAL(18,4), "
      "x DOUBLE, r FLOAT, s VARCHAR(40), dt DATETIME(6), day DATE, t TIME(3)); "
      "INSERT INTO f SELECT seq, CAST(seq * 7919 % 200001 AS SIGNED) - 100000, seq * 104729 % "
      "4294967295, "
      "CAST(seq * 31337 % 1000000007 AS SIGNED) / 10000 - 50000, SQRT(seq) * IF(seq % 2, -1, 1) * "
      "1e10, "
      "seq / 3, CONCAT('név ', seq % 977, ' ✓'), '1970-01-01' + INTERVAL seq * 997 SECOND + "
      "INTERVAL seq % 1000000 MICROSECOND, '1900-01-01' + INTERVAL seq * 13 DAY, "
      "SEC_TO_TIME(seq * 17 % 86400 + (seq % 1000) / 1000) FROM seq_1_to_20000; "
      "UPDATE f SET s = NULL, x = NULL WHERE id % 101 = 0");
  ASSERT_TRUE(Load(Table("f"), DuckDb("f")).ok());

  Result<ConnectionUrl> url = ParseConnectionUrl(url_, {"mysql"}, 3306);
  ASSERT_TRUE(url.ok()) << url.status();
  const std::string tsv = dir_.File("f.tsv");
  const std::string command = "MYSQL_PWD='" + url->password +
                              "' mariadb --no-defaults --batch -h " + url->host + " -P " +
                              std::to_string(url->port) + " -u " + url->user + " " + database_ +
                              " -e 'SELECT * FROM f' > " + tsv;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string reference =
      "read_csv('" + tsv +
      "', delim = '\t', header = true, nullstr = 'NULL', quote = '', escape = '', auto_detect = "
      "false, columns = "
      "{'id': 'BIGINT', 'n': 'INTEGER', 'u': 'BIGINT', 'd': 'DECIMAL(18,4)', 'x': 'DOUBLE', "
      "'r': 'FLOAT', 's': 'VARCHAR', 'dt': 'TIMESTAMP', 'day': 'DATE', 't': 'TIME'})";
  EXPECT_EQ(Rows("SELECT count(*) FROM " + reference), std::vector<std::string>{"20000"});
  EXPECT_EQ(
      Rows("SELECT count(*) FROM (SELECT * FROM f EXCEPT ALL SELECT * FROM " + reference + ")"),
      std::vector<std::string>{"0"});
  EXPECT_EQ(
      Rows("SELECT count(*) FROM (SELECT * FROM " + reference + " EXCEPT ALL SELECT * FROM f)"),
      std::vector<std::string>{"0"});
}

TEST_F(MySqlSourceTest, ZeroDatesLoadAsNull) {
  admin_.Run(
      "SET SESSION sql_mode = ''; CREATE TABLE z (id INT, d DATE, dt DATETIME); "
      "INSERT INTO z VALUES (1, '0000-00-00', '0000-00-00 00:00:00'), (2, '2024-01-00', "
      "'2024-05-06 07:08:09')");
  Result<LoadResult> loaded = Load(Table("z"), DuckDb("z"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Rows("SELECT id, d, dt FROM z ORDER BY id"),
            (std::vector<std::string>{"1|NULL|NULL", "2|NULL|2024-05-06 07:08:09"}));
}

TEST_F(MySqlSourceTest, ATimePastADayFailsNamingTheColumn) {
  admin_.Run("CREATE TABLE d (id INT, took TIME); INSERT INTO d VALUES (1, '25:00:00')");
  Result<LoadResult> loaded = Load(Table("d"), DuckDb("d"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("column took"), std::string::npos) << loaded.status();
  EXPECT_NE(loaded.status().message().find("past 24 hours"), std::string::npos);
}

TEST_F(MySqlSourceTest, AQueryAndSelectedColumnsLoad) {
  admin_.Run(
      "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10), secret VARCHAR(10)); "
      "INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'z')");
  nlohmann::json columns = Table("t");
  columns["columns"] = {"id", "name"};
  ASSERT_TRUE(Load(columns, DuckDb("cols")).ok());
  EXPECT_EQ(Rows("SELECT * FROM cols ORDER BY id"),
            (std::vector<std::string>{"1|a", "2|b", "3|c"}));
  const nlohmann::json query = {{"type", "mysql"},
                                {"url", url_},
                                {"query", "SELECT id * 10 AS id10, UPPER(name) AS up FROM " +
                                              database_ + ".t WHERE id > 1;\n"}};
  context_.task_id = "task-2";  // another task: the same one's second load would be a retry
  ASSERT_TRUE(Load(query, DuckDb("q")).ok());
  EXPECT_EQ(Rows("SELECT * FROM q ORDER BY id10"), (std::vector<std::string>{"20|B", "30|C"}));
}

TEST_F(MySqlSourceTest, IncrementalRunsLoadOnlyNewRows) {
  admin_.Run(
      "CREATE TABLE events (id BIGINT PRIMARY KEY, at DATETIME, v VARCHAR(10)); "
      "INSERT INTO events VALUES (9007199254740993, '2024-01-01 00:00:00', 'a'), "
      "(9007199254740994, '2024-01-02 00:00:00', 'b')");
  for (const std::string field : {"id", "at"}) {
    SCOPED_TRACE(field);
    admin_.Run("DELETE FROM events WHERE v > 'b'");
    context_.task_id = "task-" + field;
    nlohmann::json source = Table("events");
    source["incremental"] = {{"cursor_field", field}};
    const std::string table = "events_" + field;
    context_.run_id = "run-1";
    ASSERT_TRUE(Load(source, DuckDb(table, "append")).ok());
    EXPECT_EQ(Rows("SELECT count(*) FROM " + table), std::vector<std::string>{"2"});
    // Nothing new: nothing loaded, the cursor stays.
    context_.run_id = "run-2";
    Result<LoadResult> none = Load(source, DuckDb(table, "append"));
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_EQ(none->rows_loaded, 0);
    admin_.Run(
        "INSERT INTO events VALUES (9007199254740995, '2024-01-03 00:00:00', 'c'), "
        "(9007199254740996, '2024-01-03 00:00:01', 'd')");
    context_.run_id = "run-3";
    Result<LoadResult> more = Load(source, DuckDb(table, "append"));
    ASSERT_TRUE(more.ok()) << more.status();
    EXPECT_EQ(more->rows_loaded, 2);
    EXPECT_EQ(Rows("SELECT string_agg(v, '' ORDER BY v) FROM " + table),
              std::vector<std::string>{"abcd"});
  }
}

TEST_F(MySqlSourceTest, AnInitialValueStartsTheFirstRun) {
  admin_.Run(
      "CREATE TABLE e (id INT PRIMARY KEY, name VARCHAR(10)); "
      "INSERT INTO e VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  nlohmann::json source = Table("e");
  source["incremental"] = {{"cursor_field", "id"}, {"initial_value", 1}};
  ASSERT_TRUE(Load(source, DuckDb("e", "append")).ok());
  EXPECT_EQ(Rows("SELECT string_agg(name, '' ORDER BY id) FROM e"), std::vector<std::string>{"bc"});
  // A value that is not a number for a numeric cursor is refused, not pasted into SQL.
  source["incremental"]["initial_value"] = "1 OR 1=1";
  context_.task_id = "task-2";
  Result<LoadResult> hostile = Load(source, DuckDb("e2", "append"));
  ASSERT_FALSE(hostile.ok());
  EXPECT_NE(hostile.status().message().find("is not a number"), std::string::npos)
      << hostile.status();
}

TEST_F(MySqlSourceTest, APartitionedReadLoadsEveryRowOnce) {
  admin_.Run(
      "CREATE TABLE p (id INT PRIMARY KEY, k INT NULL); "
      "INSERT INTO p SELECT seq, IF(seq % 100 = 0, NULL, seq) FROM seq_1_to_10000");
  nlohmann::json source = Table("p");
  source["partition"] = {{"column", "k"}, {"parts", 3}};
  Result<LoadResult> loaded = Load(source, DuckDb("p"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Rows("SELECT count(*), count(DISTINCT id), sum(id), count(k) FROM p"),
            std::vector<std::string>{"10000|10000|50005000|9900"});
}

// A destination with no ledger: every load is the first.
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

TEST_F(MySqlSourceTest, ATablesPrimaryKeyIsOfferedWhenSelected) {
  admin_.Run("CREATE TABLE m (a INT, b VARCHAR(5), v INT, PRIMARY KEY (b, a))");
  auto key_of = [&](const nlohmann::json& config) -> std::vector<std::string> {
    Result<std::unique_ptr<Extractor>> extractor = MakeExtractor(config);
    EXPECT_TRUE(extractor.ok()) << extractor.status();
    auto connection = engine_.Connect(":memory:");
    EXPECT_TRUE(connection.ok()) << connection.status();
    NoLedger ledger;
    Result<Source> source = (*extractor)->Open(context_, **connection, ledger);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? source->primary_key : std::vector<std::string>{"failed"};
  };
  EXPECT_EQ(key_of(Table("m")), (std::vector<std::string>{"b", "a"}));
  nlohmann::json part = Table("m");
  part["columns"] = {"a", "v"};
  EXPECT_EQ(key_of(part), std::vector<std::string>{});
}

TEST_F(MySqlSourceTest, HostileNamesAreQuoted) {
  admin_.Run(
      "CREATE TABLE `we``ird; DROP TABLE x --` (`a``b c` INT, `'quote'` VARCHAR(5)); "
      "INSERT INTO `we``ird; DROP TABLE x --` VALUES (1, 'v')");
  nlohmann::json source = Table("we`ird; DROP TABLE x --");
  source["columns"] = {"a`b c", "'quote'"};
  Result<LoadResult> loaded = Load(source, DuckDb("w"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(Rows("SELECT \"a`b c\", \"'quote'\" FROM w"), std::vector<std::string>{"1|v"});
  // A missing table or column is an error naming it.
  context_.task_id = "task-missing-table";
  Result<LoadResult> missing = Load(Table("nope"), DuckDb("n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos) << missing.status();
  nlohmann::json column = Table("we`ird; DROP TABLE x --");
  column["incremental"] = {{"cursor_field", "missing_col"}};
  context_.task_id = "task-missing-column";
  Result<LoadResult> no_column = Load(column, DuckDb("n"));
  ASSERT_FALSE(no_column.ok());
  EXPECT_NE(no_column.status().message().find("missing_col"), std::string::npos)
      << no_column.status();
}

TEST_F(MySqlSourceTest, BadConfigurationsNameTheField) {
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"type", "mysql"}, {"url", url_}}, "table: required (or query)"},
      {{{"type", "mysql"}, {"url", url_}, {"table", "t"}, {"query", "SELECT 1"}},
       "query: cannot go with table"},
      {{{"type", "mysql"}, {"url", url_}, {"query", "SELECT 1"}, {"columns", {"a"}}}, "columns"},
      {{{"type", "mysql"}, {"table", "t"}}, "url"},
      {{{"type", "mysql"}, {"url", url_}, {"table", "t"}, {"partition", {{"parts", 2}}}},
       "partition.column"},
      {{{"type", "mysql"}, {"url", url_}, {"table", std::string(70, 'a')}}, "table"},
  };
  for (const auto& [config, expected] : cases) {
    Result<std::unique_ptr<Extractor>> made = MakeExtractor(config);
    ASSERT_FALSE(made.ok()) << config.dump();
    EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(made.status().message().find(expected), std::string::npos) << made.status();
  }
  nlohmann::json with_params = Table("t");
  with_params["url"] = url_ + "?ssl-mode=REQUIRED";
  context_.task_id = "task-params";
  Result<LoadResult> params = Load(with_params, DuckDb("t"));
  ASSERT_FALSE(params.ok());
  EXPECT_NE(params.status().message().find("parameter 'ssl-mode' is not supported"),
            std::string::npos)
      << params.status();
  nlohmann::json bad_url = Table("t");
  bad_url["url"] = "postgres://orc:pw@127.0.0.1/orc";
  Result<LoadResult> loaded = Load(bad_url, DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("url"), std::string::npos) << loaded.status();
}

TEST_F(MySqlSourceTest, AWrongPasswordIsRefusedWithoutShowingIt) {
  admin_.Run("CREATE TABLE t (id INT)");
  nlohmann::json source = Table("t");
  std::string url = url_;
  url.replace(url.find("orc-test-password"), 17, "wrong-s3cret-pw");
  source["url"] = url;
  Result<LoadResult> loaded = Load(source, DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnauthenticated) << loaded.status();
  EXPECT_EQ(loaded.status().message().find("wrong-s3cret-pw"), std::string::npos)
      << loaded.status();
  for (const std::string& line : logs_) EXPECT_EQ(line.find("wrong-s3cret-pw"), std::string::npos);
}

TEST_F(MySqlSourceTest, RefusedAndUnreachableHostsFailCleanly) {
  nlohmann::json metadata = Table("t");
  metadata["url"] = "mysql://orc:orc-test-password@169.254.169.254:3306/orc";
  Result<LoadResult> refused = Load(metadata, DuckDb("t"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status();
  EXPECT_EQ(refused.status().message().find("orc-test-password"), std::string::npos);

  nlohmann::json closed = Table("t");
  closed["url"] = "mysql://orc:orc-test-password@127.0.0.1:1/orc";
  Result<LoadResult> unreachable = Load(closed, DuckDb("t"));
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable) << unreachable.status();
  EXPECT_EQ(unreachable.status().message().find("orc-test-password"), std::string::npos);
}

// Runs a load of `big` on a thread; once rows flow, calls `stop`; returns the load's result.
template <typename Stop>
Result<LoadResult> LoadAndStop(TaskProgress& progress, Stop stop,
                               const std::function<Result<LoadResult>()>& load) {
  Result<LoadResult> result = InternalError("not run");
  std::thread loader([&] { result = load(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (progress.rows_extracted.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop();
  loader.join();
  return result;
}

TEST_F(MySqlSourceTest, AConnectionKilledMidStreamFailsTheLoadAndLoadsNothing) {
  MakeBigTable(300000);
  const auto started = std::chrono::steady_clock::now();
  Result<LoadResult> loaded = LoadAndStop(
      progress_,
      [&] {
        const std::string id = admin_.Value(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT * FROM "
            "`" +
            database_ + "`.`big`%' AND ID <> CONNECTION_ID() LIMIT 1");
        ASSERT_FALSE(id.empty()) << "the read was not found in the process list";
        admin_.Run("KILL CONNECTION " + id);
      },
      [&] { return Load(Table("big"), DuckDb("big")); });
  ASSERT_FALSE(loaded.ok()) << "rows read: " << progress_.rows_extracted.load();
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnavailable) << loaded.status();
  EXPECT_NE(loaded.status().message().find("reading rows"), std::string::npos) << loaded.status();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  EXPECT_EQ(Rows("SELECT count(*) FROM information_schema.tables WHERE table_name = 'big'"),
            std::vector<std::string>{"0"});
}

TEST_F(MySqlSourceTest, AnInterruptStopsTheReadAtOnce) {
  MakeBigTable(300000);
  std::chrono::steady_clock::time_point interrupted;
  Result<LoadResult> loaded = LoadAndStop(
      progress_,
      [&] {
        interrupted = std::chrono::steady_clock::now();
        interrupter_.Interrupt(DeadlineExceededError("the task's timeout passed"));
      },
      [&] { return Load(Table("big"), DuckDb("big")); });
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kDeadlineExceeded) << loaded.status();
  EXPECT_LT(std::chrono::steady_clock::now() - interrupted, std::chrono::seconds(5));
  EXPECT_LT(progress_.rows_extracted.load(), 300000);
  EXPECT_EQ(Rows("SELECT count(*) FROM information_schema.tables WHERE table_name = 'big'"),
            std::vector<std::string>{"0"});
}

}  // namespace
}  // namespace orc
