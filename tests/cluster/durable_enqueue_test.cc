// A run the API accepted survives a crash of PostgreSQL (issue 23's durable enqueue): the runs
// are queued through an API-only node (no worker claims them), PostgreSQL dies without a
// checkpoint right after the last answer, and once it recovered every accepted run is there,
// queued. The test server runs with fsync off, so this is a crash of the PostgreSQL process, not
// of the machine: what a commit wrote to the WAL is in the kernel's cache and recovered.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "integration/orc_process.h"
#include "support/netns_cluster.h"
#include "support/printers.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiClient;
using testing::AwaitListening;
using testing::NetnsCluster;
using testing::Orc;
using testing::Subprocess;
using testing::TempDir;

TEST(DurableEnqueueTest, EveryRunTheApiAcceptedSurvivesAPostgresCrash) {
  std::string skip_reason;
  std::unique_ptr<NetnsCluster> cluster = NetnsCluster::Create(1, &skip_reason);
  if (!cluster) GTEST_SKIP() << skip_reason;
  TempDir directory;
  std::filesystem::create_directory(directory.File("data"));
  Subprocess api(cluster->InNode(
      1, Orc({"serve", "--roles", "api", "--bind", cluster->address(1) + ":0", "--database-url",
              cluster->database_url(), "--data-dir", directory.File("data")},
             directory)));
  const int port = AwaitListening(api);
  ASSERT_GT(port, 0) << api.Stderr();
  ApiClient client(cluster->address(1), port, 10s);

  const ApiClient::Reply job = client.Post(
      "/jobs",
      {{"job_name", "durable"},
       {"max_active_runs", 100},
       {"tasks",
        json::array({{{"task_name", "t"},
                      {"transform_config",
                       {{"type", "sql"}, {"db_path", ":memory:"}, {"sql", "select 1"}}}}})}});
  ASSERT_EQ(job.status, 201) << job.body.dump();
  const std::string job_id = job.body["job_id"];
  std::vector<std::string> accepted;
  for (int i = 0; i < 50; ++i) {
    const ApiClient::Reply run = client.Post("/jobs/" + job_id + "/run");
    ASSERT_EQ(run.status, 202) << run.body.dump();
    accepted.push_back(run.body["run_id"]);
  }
  cluster->CrashPostgres();  // right after the last answer
  cluster->StartPostgres();

  // The API node reconnects by itself; then every accepted run is there, still queued.
  ApiClient::Reply listed;
  for (int i = 0; i < 100 && listed.status != 200; ++i) {
    listed = client.Get("/runs?job_id=" + job_id + "&limit=100");
    if (listed.status != 200) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(listed.status, 200) << listed.body.dump() << api.Stderr();
  std::set<std::string> found;
  ASSERT_TRUE(listed.body.is_array()) << listed.body.dump();
  for (const json& run : listed.body) {
    found.insert(run["run_id"].get<std::string>());
    EXPECT_EQ(run["status"], "queued");
  }
  for (const std::string& run_id : accepted) {
    EXPECT_TRUE(found.contains(run_id)) << "lost in the crash: " << run_id;
  }
  EXPECT_FALSE(api.Wait(0ms)) << "the API node survived the crash: " << api.Stderr();
}

}  // namespace
}  // namespace orc
