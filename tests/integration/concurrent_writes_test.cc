// Many runs writing one DuckDB file at once: csv appends, merges and sql transforms, triggered
// hundreds of times while earlier runs still execute, through one orc with four workers (SQLite)
// and through two orc processes sharing one PostgreSQL database and the file. Every attempt must
// wait its turn on the file (retries are off: a lock error would fail its run), and at the end
// the file's ledger and tables must hold each successful task's rows exactly once.
//
// ORC_STRESS_SCALE multiplies the triggers and the time they are spread over (default 1: about
// 120 triggers over 8 s); ctest runs a longer version only when asked for its configuration:
// `ctest -C stress -L stress`.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>

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
using testing::kExitTimeout;
using testing::Orc;
using testing::Subprocess;
using testing::TempDir;
using testing::TestBackend;
using testing::TestDatabase;

int Scale() {
  const char* scale = std::getenv("ORC_STRESS_SCALE");
  return scale != nullptr && std::atoi(scale) > 0 ? std::atoi(scale) : 1;
}

json Load(const std::string& name, const std::string& table, const std::string& mode) {
  json loader = {
      {"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", table}, {"write_mode", mode}};
  if (mode == "merge") loader["primary_key"] = {"id"};
  return {{"task_name", name},
          {"extractor_config", {{"type", "csv"}, {"path", "in.csv"}}},
          {"loader_config", loader}};
}

json Sql(const std::string& name, const std::string& sql) {
  return {{"task_name", name},
          {"transform_config", {{"type", "sql"}, {"db_path", "out.duckdb"}, {"sql", sql}}}};
}

class ConcurrentWritesTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(directory_.File("data"));
    std::ofstream(directory_.File("data/in.csv")) << "id,name\n1,a\n2,b\n3,c\n";
  }

  // Starts one more orc sharing the state database and the data directory.
  ApiClient& StartOrc() {
    orcs_.push_back(std::make_unique<Subprocess>(
        Orc({"serve", "--bind", "127.0.0.1:0", "--database-url", database_.url(), "--workers", "4"},
            directory_)));
    const int port = AwaitListening(*orcs_.back());
    EXPECT_GT(port, 0) << orcs_.back()->Stderr();
    apis_.push_back(std::make_unique<ApiClient>(port));
    return *apis_.back();
  }

  std::string CreateJob(ApiClient& api, const std::string& name, json tasks) {
    const ApiClient::Reply created = api.Post("/jobs", {{"job_name", name},
                                                        {"max_active_runs", 20},
                                                        {"retry", {{"max_attempts", 1}}},
                                                        {"tasks", std::move(tasks)}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.body.value("job_id", "");
  }

  std::vector<std::vector<std::optional<std::string>>> QueryOut(const std::string& sql) {
    DuckDbEngine engine;
    Result<std::unique_ptr<DuckDbConnection>> connection =
        engine.Connect(directory_.File("data/out.duckdb"));
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return {};
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status();
    return rows.ok() ? rows->rows : std::vector<std::vector<std::optional<std::string>>>{};
  }

  TempDir directory_;
  TestDatabase database_{GetParam()};
  std::vector<std::unique_ptr<Subprocess>> orcs_;
  std::vector<std::unique_ptr<ApiClient>> apis_;
};

TEST_P(ConcurrentWritesTest, EverySuccessfulTaskWritesItsRowsOnceAndNoneFails) {
  const int processes = GetParam() == TestBackend::kPostgres ? 2 : 1;
  for (int i = 0; i < processes; ++i) StartOrc();
  ASSERT_FALSE(HasFailure());
  ApiClient& api = *apis_.front();
  json count = Sql("count",
                   "CREATE TABLE IF NOT EXISTS counts AS SELECT 0 AS n; "
                   "INSERT INTO counts SELECT count(*) FROM appended");
  count["depends_on"] = {"load"};
  const std::vector<std::string> jobs = {
      CreateJob(api, "append", {Load("append", "appended", "append")}),
      CreateJob(api, "merge", {Load("merge", "merged", "merge")}),
      CreateJob(api, "transform",
                {Sql("transform",
                     "CREATE TABLE IF NOT EXISTS transformed (n INTEGER); "
                     "INSERT INTO transformed VALUES (1)")}),
      CreateJob(api, "append then count", {Load("load", "appended", "append"), count})};

  const int triggers = 120 * Scale();
  const Duration spacing = std::chrono::duration_cast<Duration>(8s * Scale()) / triggers;
  std::vector<std::string> runs;
  for (int i = 0; i < triggers; ++i) {
    ApiClient& through = *apis_[i % apis_.size()];
    const ApiClient::Reply run = through.Post("/jobs/" + jobs[i % jobs.size()] + "/run");
    ASSERT_EQ(run.status, 202) << run.body;
    runs.push_back(run.body["run_id"]);
    std::this_thread::sleep_for(spacing);
  }

  // (run_id, task_id) of every task that succeeded, by task name.
  std::set<std::pair<std::string, std::string>> succeeded;
  std::map<std::string, int> successes_by_task;
  for (const std::string& run_id : runs) {
    const json run = testing::WaitForRun(api, run_id, testing::IsFinalRun, 60s * Scale());
    EXPECT_EQ(run["status"], "success") << run;
    for (const json& task_run : run.value("task_runs", json::array())) {
      if (task_run["status"] != "success") continue;
      succeeded.emplace(run_id, task_run["task_id"]);
      ++successes_by_task[task_run["task_name"]];
    }
  }
  EXPECT_EQ(api.Get("/runs?status=running").body.size(), 0u) << "no run is left running";
  for (auto& orc : orcs_) {
    orc->Signal(SIGTERM);
    EXPECT_EQ(orc->Wait(kExitTimeout), 0) << orc->Stderr();
  }

  std::set<std::pair<std::string, std::string>> ledger;
  for (const auto& row : QueryOut("SELECT run_id, task_id FROM _orc_loads")) {
    EXPECT_TRUE(ledger.emplace(*row[0], *row[1]).second) << "twice in the ledger: " << *row[0];
  }
  EXPECT_EQ(ledger, succeeded) << "the ledger holds exactly the tasks that succeeded";
  const int appends = successes_by_task["append"] + successes_by_task["load"];
  EXPECT_EQ(QueryOut("SELECT count(*) FROM appended").at(0).at(0), std::to_string(3 * appends));
  EXPECT_EQ(QueryOut("SELECT count(*) FROM merged").at(0).at(0), "3");
  EXPECT_EQ(QueryOut("SELECT count(*) FROM transformed").at(0).at(0),
            std::to_string(successes_by_task["transform"]));
  EXPECT_EQ(QueryOut("SELECT count(*) - 1 FROM counts").at(0).at(0),
            std::to_string(successes_by_task["count"]));
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrentWritesTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
