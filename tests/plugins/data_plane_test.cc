// The data plane end to end, without a worker: extractor -> DuckDB -> loader, and SQL transforms,
// on real files in a temp directory.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "plugins/data_plane_fixture.h"

namespace orc {
namespace {

using nlohmann::json;
using DataPlaneTest = testing::DataPlaneFixture;

TEST_F(DataPlaneTest, CsvLoadsWithDetectedTypes) {
  Write("orders.csv", "id,amount,at\n1,9.50,2026-01-02 03:04:05\n2,10.25,2026-01-03 00:00:00\n");
  Result<LoadResult> loaded = Load({{"type", "csv"}, {"path", "orders.csv"}}, DuckDb("orders"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 2);
  EXPECT_EQ(progress_.rows_loaded, 2);
  EXPECT_EQ(progress_.bytes_read, 68);
  EXPECT_EQ(Rows("SELECT column_name, column_type FROM (DESCRIBE orders)"),
            (std::vector<std::string>{"id|BIGINT", "amount|DOUBLE", "at|TIMESTAMP"}));
  EXPECT_EQ(Rows("SELECT run_id, task_id, attempt, table_name, rows_loaded FROM _orc_loads"),
            std::vector<std::string>{"run-1|task-1|1|orders|2"});
}

TEST_F(DataPlaneTest, CsvOptionsAndExplicitColumns) {
  Write("a.csv", "# comment\nx;y\n1;NA\n");
  Write("b.csv", "# comment\nx;y\n2;hello\n");
  json csv = {{"type", "csv"},       {"path", "*.csv"},
              {"delimiter", ";"},    {"skip_rows", 1},
              {"null_string", "NA"}, {"columns", {{"x", "INTEGER"}, {"y", "VARCHAR"}}}};
  ASSERT_TRUE(Load(csv, DuckDb("t")).ok());
  EXPECT_EQ(Rows("SELECT x, y, typeof(x) FROM t ORDER BY x"),
            (std::vector<std::string>{"1|NULL|INTEGER", "2|hello|INTEGER"}));
}

TEST_F(DataPlaneTest, AppendAddsNewColumnsAndRejectsATypeClash) {
  Write("one.csv", "id,name\n1,a\n");
  Write("two.csv", "id,name,score\n2,b,7\n");
  Write("three.csv", "id,name\nnot-a-number,c\n");
  ASSERT_TRUE(Load({{"type", "csv"}, {"path", "one.csv"}}, DuckDb("t", "append")).ok());
  context_.task_id = "task-2";
  ASSERT_TRUE(Load({{"type", "csv"}, {"path", "two.csv"}}, DuckDb("t", "append")).ok());
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (std::vector<std::string>{"1|a|NULL", "2|b|7"}));
  context_.task_id = "task-3";
  Result<LoadResult> clash = Load({{"type", "csv"}, {"path", "three.csv"}}, DuckDb("t", "append"));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(clash.status().message().find("column id is BIGINT in table t but VARCHAR"),
            std::string::npos)
      << clash.status();
  EXPECT_EQ(Rows("SELECT count(*) FROM t"), std::vector<std::string>{"2"})
      << "a failed load leaves the table as it was";
}

TEST_F(DataPlaneTest, MergeUpsertsOnThePrimaryKey) {
  Write("v1.csv", "id,v\n1,a\n2,b\n");
  Write("v2.csv", "id,v\n2,B\n3,c\n3,C\n");
  json loader = DuckDb("t", "merge");
  loader["primary_key"] = {"id"};
  ASSERT_TRUE(Load({{"type", "csv"}, {"path", "v1.csv"}}, loader).ok());
  context_.task_id = "task-2";
  Result<LoadResult> merged = Load({{"type", "csv"}, {"path", "v2.csv"}}, loader);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->rows_loaded, 2);
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (std::vector<std::string>{"1|a", "2|B", "3|C"}));
}

TEST_F(DataPlaneTest, ARetriedAttemptDoesNotLoadTwice) {
  Write("rows.csv", "id\n1\n2\n3\n");
  ASSERT_TRUE(Load({{"type", "csv"}, {"path", "rows.csv"}}, DuckDb("t", "append")).ok());
  context_.attempt = 2;  // the worker lost track after the commit and retries
  Result<LoadResult> again = Load({{"type", "csv"}, {"path", "rows.csv"}}, DuckDb("t", "append"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already_loaded);
  EXPECT_EQ(again->rows_loaded, 3);
  EXPECT_EQ(Rows("SELECT count(*) FROM t"), std::vector<std::string>{"3"});
}

TEST_F(DataPlaneTest, AMalformedRowNamesTheFileAndLine) {
  // Past DuckDB's sniffing sample, as in a real file that goes bad somewhere in the middle.
  std::string content = "id,name\n";
  for (int i = 1; i <= 30000; ++i) content += std::to_string(i) + ",a\n";
  Write("bad.csv", content + "30001,b,extra\n30002,c\n");
  json csv = {
      {"type", "csv"}, {"path", "bad.csv"}, {"columns", {{"id", "INTEGER"}, {"name", "VARCHAR"}}}};
  Result<LoadResult> failed = Load(csv, DuckDb("t"));
  ASSERT_FALSE(failed.ok());
  const std::string& message = failed.status().message();
  EXPECT_NE(message.find("bad.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("Line: 30002"), std::string::npos) << message;

  csv["ignore_errors"] = true;
  Result<LoadResult> lenient = Load(csv, DuckDb("t"));
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_EQ(lenient->rows_loaded, 30001);
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_NE(logs_[0].find("1 malformed rows skipped"), std::string::npos) << logs_[0];
}

TEST_F(DataPlaneTest, AMissingFileIsNotFound) {
  Result<LoadResult> failed = Load({{"type", "csv"}, {"path", "nope/*.csv"}}, DuckDb("t"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kNotFound);
  EXPECT_NE(failed.status().message().find("csv nope/*.csv: no file matches"), std::string::npos)
      << failed.status();
}

TEST_F(DataPlaneTest, ParquetAndJsonKeepTheirTypes) {
  {
    auto connection = engine_.Connect(":memory:");
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)
                    ->Execute("COPY (SELECT 1::INTEGER AS i, 2.5::DECIMAL(10,2) AS d, "
                              "TIMESTAMP '2026-01-01 10:00:00' AS ts) TO " +
                              QuoteLiteral(dir_.File("x.parquet")) + " (FORMAT parquet)")
                    .ok());
  }
  Result<LoadResult> parquet_load = Load({{"type", "parquet"}, {"path", "x.parquet"}}, DuckDb("p"));
  ASSERT_TRUE(parquet_load.ok()) << parquet_load.status();
  EXPECT_EQ(Rows("SELECT string_agg(column_type, ',') FROM (DESCRIBE p)"),
            std::vector<std::string>{"INTEGER,DECIMAL(10,2),TIMESTAMP"});

  context_.task_id = "task-2";
  Write("x.ndjson", "{\"id\": 1, \"user\": {\"name\": \"a\"}, \"tags\": [\"x\", \"y\"]}\n");
  Result<LoadResult> json_load = Load({{"type", "json"}, {"path", "x.ndjson"}}, DuckDb("j"));
  ASSERT_TRUE(json_load.ok()) << json_load.status();
  EXPECT_EQ(Rows("SELECT id, user.name, tags[2] FROM j"), std::vector<std::string>{"1|a|y"});
}

// While DuckDB reads a Parquet file, the rows it read so far are known (the file counts them) and
// reported as rows_processed; its CSV reader counts an estimate from bytes, which is not shown as
// rows, but the share of the bytes read moves.
TEST_F(DataPlaneTest, ALongLoadReportsRowsProcessedFromParquetAndBytesFromCsv) {
  {
    auto connection = engine_.Connect(":memory:");
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)
                    ->Execute("COPY (SELECT i AS id, md5(i::VARCHAR) AS name FROM range(6000000) "
                              "t(i)) TO " +
                              QuoteLiteral(dir_.File("big.parquet")) +
                              " (FORMAT parquet, ROW_GROUP_SIZE 100000)")
                    .ok());
    ASSERT_TRUE((*connection)
                    ->Execute("COPY (SELECT * FROM read_parquet(" +
                              QuoteLiteral(dir_.File("big.parquet")) + ")) TO " +
                              QuoteLiteral(dir_.File("big.csv")) + " (HEADER)")
                    .ok());
  }
  struct Seen {
    int64_t rows_processed = 0;
    int64_t bytes_read = 0;
  };
  auto load_watching = [&](const json& extractor, const std::string& table) {
    Seen seen;
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done) {
        const int64_t rows = progress_.RowsProcessedNow();
        const int64_t bytes = progress_.BytesReadNow();
        if (progress_.rows_loaded == 0) {  // mid-way only
          seen.rows_processed = std::max(seen.rows_processed, rows);
          seen.bytes_read = std::max(seen.bytes_read, bytes);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    Result<LoadResult> loaded = Load(extractor, DuckDb(table));
    done = true;
    watcher.join();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return seen;
  };

  const Seen parquet = load_watching({{"type", "parquet"}, {"path", "big.parquet"}}, "p");
  EXPECT_GT(parquet.rows_processed, 0) << "rows were counted while the load ran";
  EXPECT_LE(parquet.rows_processed, 6000000);
  EXPECT_EQ(progress_.bytes_to_read, std::filesystem::file_size(dir_.File("big.parquet")));

  progress_.rows_processed = 0;
  progress_.rows_loaded = 0;
  progress_.bytes_read = 0;
  progress_.bytes_to_read = 0;
  progress_.engine_counts_rows = false;
  context_.task_id = "task-2";
  const Seen csv = load_watching({{"type", "csv"}, {"path", "big.csv"}}, "c");
  EXPECT_EQ(csv.rows_processed, 0) << "DuckDB's count for a CSV scan is not rows";
  const int64_t csv_size = static_cast<int64_t>(std::filesystem::file_size(dir_.File("big.csv")));
  EXPECT_EQ(progress_.bytes_to_read, csv_size);
  EXPECT_GT(csv.bytes_read, 0) << "the bytes read moved while the load ran";
  EXPECT_LT(csv.bytes_read, csv_size);
}

TEST_F(DataPlaneTest, CompressedCsvAndHivePartitionedParquet) {
  {
    auto connection = engine_.Connect(":memory:");
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)
                    ->Execute("COPY (SELECT range AS id FROM range(5)) TO " +
                              QuoteLiteral(dir_.File("rows.csv.gz")) + " (HEADER)")
                    .ok());
    ASSERT_TRUE((*connection)
                    ->Execute("COPY (SELECT range AS id, range % 2 AS part FROM range(6)) TO " +
                              QuoteLiteral(dir_.File("lake")) +
                              " (FORMAT parquet, PARTITION_BY (part))")
                    .ok());
  }
  Result<LoadResult> csv = Load({{"type", "csv"}, {"path", "rows.csv.gz"}}, DuckDb("c"));
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->rows_loaded, 5);
  context_.task_id = "task-2";
  Result<LoadResult> parquet =
      Load({{"type", "parquet"}, {"path", "lake/*/*.parquet"}, {"hive_partitioning", true}},
           DuckDb("p"));
  ASSERT_TRUE(parquet.ok()) << parquet.status();
  EXPECT_EQ(Rows("SELECT part, count(*) FROM p GROUP BY part ORDER BY part"),
            (std::vector<std::string>{"0|3", "1|3"}));
}

TEST_F(DataPlaneTest, ASqlTransformRunsInOneTransaction) {
  auto transform = [&](const std::string& sql) {
    Result<std::unique_ptr<Transform>> made =
        MakeTransform({{"type", "sql"}, {"db_path", "out.duckdb"}, {"sql", sql}});
    EXPECT_TRUE(made.ok()) << made.status();
    return (*made)->Run(context_);
  };
  ASSERT_TRUE(transform("CREATE TABLE t AS SELECT 1 AS x").ok());
  context_.task_id = "task-2";
  Result<int64_t> failed = transform("INSERT INTO t VALUES (2); INSERT INTO t VALUES ('x')");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("sql transform in out.duckdb"), std::string::npos);
  EXPECT_EQ(Rows("SELECT count(*) FROM t"), std::vector<std::string>{"1"})
      << "the first statement was rolled back with the second";
}

// The statements and their ledger row commit together: a task of a run that committed them once
// (orc stopped before it recorded the success) does not run them again.
TEST_F(DataPlaneTest, ASqlTransformRunsOncePerTaskOfARun) {
  auto transform = [&] {
    Result<std::unique_ptr<Transform>> made = MakeTransform(
        {{"type", "sql"},
         {"db_path", "out.duckdb"},
         {"sql", "CREATE TABLE IF NOT EXISTS marks (x INTEGER); INSERT INTO marks VALUES (1)"}});
    EXPECT_TRUE(made.ok()) << made.status();
    return (*made)->Run(context_);
  };
  ASSERT_TRUE(transform().ok());
  context_.attempt = 2;
  Result<int64_t> again = transform();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 1) << "the rows the first attempt changed";
  EXPECT_EQ(Rows("SELECT count(*) FROM marks"), std::vector<std::string>{"1"});
  EXPECT_EQ(Rows("SELECT attempt, table_name, write_mode, rows_loaded FROM _orc_loads"),
            std::vector<std::string>{"1||sql|1"});
  context_.run_id = "run-2";
  ASSERT_TRUE(transform().ok());
  EXPECT_EQ(Rows("SELECT count(*) FROM marks"), std::vector<std::string>{"2"}) << "another run";
}

TEST_F(DataPlaneTest, AnInterruptStopsALoadAndRollsItBack) {
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int i = 0; i < 50; ++i) {
      interrupter_.Interrupt(DeadlineExceededError("task load timed out after 1 s"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  Result<std::unique_ptr<Transform>> made = MakeTransform(
      {{"type", "sql"},
       {"db_path", "out.duckdb"},
       {"sql", "CREATE TABLE t AS SELECT count(*) FROM range(10000000000) a, range(100) b"}});
  ASSERT_TRUE(made.ok());
  Result<int64_t> result = (*made)->Run(context_);
  interrupter.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"),
            std::vector<std::string>{"0"});
}

TEST_F(DataPlaneTest, TheStateDatabaseIsNoDestination) {
  Confine({dir_.File("orc.db")});
  Write("rows.csv", "id\n1\n");
  json loader = {{"type", "duckdb"}, {"db_path", "./orc.db"}, {"table_name", "t"}};
  Result<LoadResult> refused = Load({{"type", "csv"}, {"path", "rows.csv"}}, loader);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("loader_config.db_path: './orc.db' is orc's own state "
                                            "database"),
            std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace orc
