// The files destination under the real binary: tasks in executor processes whose DuckDB is
// confined to the data directory and whose file access Landlock restricts (append renames files
// across directories, which Landlock must allow), two tasks of a run appending to one directory
// and a third replacing another.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/run.h"
#include "engine/duckdb_engine.h"
#include "integration/orc_process.h"
#include "support/printers.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiClient;
using testing::AwaitListening;
using testing::Orc;
using testing::Subprocess;
using testing::TempDir;

constexpr int kRows = 10000;

json FilesTask(const std::string& name, const json& loader) {
  return {{"task_name", name},
          {"extractor_config", {{"type", "csv"}, {"path", "rows.csv"}}},
          {"loader_config", loader}};
}

class FilesDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(directory_.File("data"));
    std::ofstream csv(directory_.File("data/rows.csv"));
    csv << "id,region,amount\n";
    for (int i = 0; i < kRows; ++i) {
      csv << i << "," << (i % 3 == 0 ? "eu" : "us") << "," << i * 0.5 << "\n";
    }
  }

  // Starts orc (SQLite), runs one job of `tasks` and returns the run once it finished.
  json RunToTheEnd(const json& tasks) {
    Subprocess orc(Orc({"serve", "--bind", "127.0.0.1:0", "--database-url",
                        "sqlite:" + directory_.File("orc.db"), "--workers", "2"},
                       directory_));
    const int port = AwaitListening(orc);
    EXPECT_GT(port, 0) << orc.Stderr();
    if (port <= 0) return json();
    ApiClient api(port);
    static int count = 0;
    ApiClient::Reply created =
        api.Post("/jobs", {{"job_name", "files " + std::to_string(++count)}, {"tasks", tasks}});
    EXPECT_EQ(created.status, 201) << created.body;
    ApiClient::Reply run = api.Post("/jobs/" + created.body.value("job_id", "") + "/run");
    EXPECT_EQ(run.status, 202) << run.body;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    json body;
    while (std::chrono::steady_clock::now() < deadline) {
      body = api.Get("/runs/" + run.body.value("run_id", "")).body;
      const std::optional<RunStatus> status = ParseRunStatus(body.value("status", ""));
      if (status && IsFinal(*status)) break;
      std::this_thread::sleep_for(20ms);
    }
    return body;
  }

  std::string Query(const std::string& sql) {
    DuckDbEngine engine;
    Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
    EXPECT_TRUE(connection.ok()) << connection.status();
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() && !rows->rows.empty() ? rows->rows[0][0].value_or("NULL") : "";
  }

  TempDir directory_;
};

TEST_F(FilesDestinationTest, ParallelTasksAppendToOneDirectoryAndAReplaceSwapsAnother) {
  const json append = {{"type", "files"},
                       {"path", "lake/orders"},
                       {"partition_by", {"region"}},
                       {"write_mode", "append"}};
  const json replace = {
      {"type", "files"}, {"path", "lake/copy"}, {"format", "csv"}, {"write_mode", "replace"}};
  const json run =
      RunToTheEnd({FilesTask("a", append), FilesTask("b", append), FilesTask("c", replace)});
  ASSERT_EQ(run["status"], "success") << run;
  EXPECT_EQ(run["rows_loaded"], 3 * kRows) << run;

  const std::string orders = directory_.File("data/lake/orders");
  EXPECT_EQ(
      Query("SELECT count(*) || '|' || count(DISTINCT id) || '|' || sum(amount)::BIGINT FROM "
            "read_parquet('" +
            orders + "/**/*.parquet', hive_partitioning = true) WHERE region IN ('eu', 'us')"),
      std::to_string(2 * kRows) + "|" + std::to_string(kRows) + "|" +
          std::to_string(2 * (kRows - 1) * kRows / 4));
  EXPECT_EQ(Query("SELECT len(loads) FROM read_json('" + orders + "/_orc_loads.json')"), "2");
  EXPECT_EQ(
      Query("SELECT count(*) FROM read_csv('" + directory_.File("data/lake/copy") + "/*.csv')"),
      std::to_string(kRows));
  for (const auto& entry : fs::directory_iterator(directory_.File("data/lake"))) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "orders" || name == "copy" || name.ends_with(".orc-lock")) << name;
  }
}

}  // namespace
}  // namespace orc
