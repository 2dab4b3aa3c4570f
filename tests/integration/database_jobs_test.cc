// Database jobs end to end: a real `orc serve` running jobs that read from and write to the tests'
// PostgreSQL server (ctest fixture `postgres`) and SQLite files, their secrets from the
// environment, as a user would set them up.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "core/run.h"
#include "engine/duckdb_engine.h"
#include "integration/orc_process.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiClient;
using testing::AwaitListening;
using testing::ExecuteOnPostgresTestServer;
using testing::Orc;
using testing::Subprocess;
using testing::TempDir;

constexpr const char* kPassword = "orc-test-password";  // the test server's (postgres-test-server)

class DatabaseJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = "e2e_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::transform(schema_.begin(), schema_.end(), schema_.begin(), ::tolower);
    ExecuteOnPostgresTestServer("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " +
                                schema_);
    std::filesystem::create_directory(directory_.File("data"));
    orc_.emplace(Orc({"serve", "--bind", "127.0.0.1:0", "--database-url",
                      "sqlite:" + directory_.File("orc.db"), "--workers", "2"},
                     directory_, {{"ORC_SECRET_PG_URL", testing::PostgresTestServerUrl()}}));
    port_ = AwaitListening(*orc_);
    ASSERT_GT(port_, 0) << orc_->Stderr();
    api_.emplace(port_);
  }

  void TearDown() override {
    ExecuteOnPostgresTestServer("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  std::string CreateJob(const json& task) {
    ApiClient::Reply created = api_->Post(
        "/jobs", {{"job_name", "job " + std::to_string(++jobs_)}, {"tasks", json::array({task})}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.body.value("job_id", "");
  }

  // Triggers the job and returns its run once finished.
  json RunToTheEnd(const std::string& job_id) {
    ApiClient::Reply triggered = api_->Post("/jobs/" + job_id + "/run");
    EXPECT_EQ(triggered.status, 202) << triggered.body;
    const std::string run_id = triggered.body.value("run_id", "");
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    json run;
    while (std::chrono::steady_clock::now() < deadline) {
      run = api_->Get("/runs/" + run_id).body;
      const std::optional<RunStatus> status = ParseRunStatus(run.value("status", ""));
      if (status && IsFinal(*status)) break;
      std::this_thread::sleep_for(20ms);
    }
    // Whatever happened, the password is nowhere the user can read.
    EXPECT_EQ(run.dump().find(kPassword), std::string::npos) << run;
    const std::string logs = api_->Get("/runs/" + run_id + "/logs").body.dump();
    EXPECT_EQ(logs.find(kPassword), std::string::npos) << logs;
    return run;
  }

  // `sql`'s first value in data/out.duckdb (closed by orc once the run ended).
  std::string QueryOut(const std::string& sql) {
    DuckDbEngine engine;
    auto connection = engine.Connect(directory_.File("data/out.duckdb"));
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return "";
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() && !rows->rows.empty() ? rows->rows[0][0].value_or("NULL") : "";
  }

  TempDir directory_;
  std::string schema_;
  std::optional<Subprocess> orc_;
  int port_ = 0;
  std::optional<ApiClient> api_;
  int jobs_ = 0;
};

// The most common ELT job: copy a table from the application database into the warehouse,
// incrementally, merging changed rows on the table's own primary key.
TEST_F(DatabaseJobsTest, APostgresTableReplicatesIncrementallyIntoDuckDb) {
  ExecuteOnPostgresTestServer(
      "CREATE TABLE " + schema_ +
      ".orders (id bigint PRIMARY KEY, amount numeric(12,2), note text, updated_at timestamptz "
      "NOT NULL); INSERT INTO " +
      schema_ +
      ".orders SELECT i, i * 1.25, 'order ' || i, timestamptz '2026-01-01' + i * interval '1 "
      "minute' FROM generate_series(1, 100) i");
  const std::string job_id = CreateJob(
      {{"task_name", "orders"},
       {"extractor_config",
        {{"type", "postgres"},
         {"url", "${env:ORC_SECRET_PG_URL}"},
         {"table", schema_ + ".orders"},
         {"incremental", {{"cursor_field", "updated_at"}, {"initial_value", "2000-01-01"}}}}},
       {"loader_config",
        {{"type", "duckdb"},
         {"db_path", "out.duckdb"},
         {"table_name", "orders"},
         {"write_mode", "merge"}}}});
  json first = RunToTheEnd(job_id);
  ASSERT_EQ(first["status"], "success") << first;
  EXPECT_EQ(first["rows_loaded"], 100) << first;

  // 50 new rows and 10 changed ones: the next run takes those 60 only.
  ExecuteOnPostgresTestServer(
      "INSERT INTO " + schema_ +
      ".orders SELECT i, i * 1.25, 'order ' || i, timestamptz '2026-02-01' + i * interval '1 "
      "minute' FROM generate_series(101, 150) i; UPDATE " +
      schema_ + ".orders SET amount = -1, updated_at = timestamptz '2026-03-01' WHERE id <= 10");
  json second = RunToTheEnd(job_id);
  ASSERT_EQ(second["status"], "success") << second;
  EXPECT_EQ(second["rows_loaded"], 60) << second;
  json third = RunToTheEnd(job_id);
  ASSERT_EQ(third["status"], "success") << third;
  EXPECT_EQ(third["rows_loaded"], 0) << "nothing new" << third;

  EXPECT_EQ(QueryOut("SELECT count(*) FROM orders"), "150");
  EXPECT_EQ(QueryOut("SELECT count(*) FROM orders WHERE amount = -1"), "10");
  EXPECT_EQ(QueryOut("SELECT typeof(amount) FROM orders LIMIT 1"), "DECIMAL(12,2)");
  EXPECT_EQ(QueryOut("SELECT max(cursor_value) FROM _orc_loads"), "2026-03-01 00:00:00+00");
}

// Any source with any destination: a SQLite file into PostgreSQL, merged on the SQLite table's
// primary key.
TEST_F(DatabaseJobsTest, ASqliteTableLoadsIntoPostgres) {
  const std::string path = directory_.File("data/shop.sqlite");
  testing::QuerySqliteFile(path,
                           "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)");
  testing::QuerySqliteFile(path,
                           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 1000) INSERT INTO items SELECT i, 'item ' || i, i / 4.0 "
                           "FROM n");
  const std::string job_id = CreateJob(
      {{"task_name", "items"},
       {"extractor_config", {{"type", "sqlite"}, {"path", "shop.sqlite"}, {"table", "items"}}},
       {"loader_config",
        {{"type", "postgres"},
         {"url", "${env:ORC_SECRET_PG_URL}"},
         {"table_name", schema_ + ".items"},
         {"write_mode", "merge"}}}});
  json run = RunToTheEnd(job_id);
  ASSERT_EQ(run["status"], "success") << run;
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT count(*) FROM " + schema_ + ".items"), "1000");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT sum(price) FROM " + schema_ + ".items"), "125125");

  testing::QuerySqliteFile(path, "UPDATE items SET name = 'renamed' WHERE id = 7");
  run = RunToTheEnd(job_id);
  ASSERT_EQ(run["status"], "success") << run;
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT count(*) FROM " + schema_ + ".items"), "1000");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT name FROM " + schema_ + ".items WHERE id = 7"),
            "renamed");
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT count(*) FROM " + schema_ + "._orc_loads"), "2");
}

// A database job cannot be pointed at the cloud metadata endpoint, nor leak its password when
// the server refuses it.
TEST_F(DatabaseJobsTest, RefusedHostsAndWrongPasswordsFailTheRunClearly) {
  json metadata = RunToTheEnd(CreateJob(
      {{"task_name", "steal"},
       {"extractor_config",
        {{"type", "postgres"}, {"url", "postgres://u:p@169.254.169.254/db"}, {"table", "t"}}},
       {"loader_config", {{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}}}));
  ASSERT_EQ(metadata["status"], "failed") << metadata;
  EXPECT_NE(metadata.dump().find("--allow-host"), std::string::npos) << metadata;

  std::string wrong = testing::PostgresTestServerUrl();
  wrong.replace(wrong.find(kPassword), std::string(kPassword).size(), "wrong-pass-123");
  json refused = RunToTheEnd(CreateJob(
      {{"task_name", "wrong"},
       {"extractor_config", {{"type", "postgres"}, {"url", wrong}, {"table", "t"}}},
       {"loader_config", {{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}}}));
  ASSERT_EQ(refused["status"], "failed") << refused;
  EXPECT_EQ(refused.dump().find("wrong-pass-123"), std::string::npos) << refused;
  EXPECT_NE(refused.dump().find("password authentication failed"), std::string::npos) << refused;
}

}  // namespace
}  // namespace orc
