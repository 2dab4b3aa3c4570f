// Smoke tests of the network-namespace harness (tests/support/netns_cluster.h) with real
// processes: two `orc serve` nodes in namespaces of their own sharing one PostgreSQL in a third,
// a node or the database cut off and healed, the database restarted. They print what they
// measure (lines starting "measured:"), for the fault tests built on the harness to compare with.
#include "support/netns_cluster.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "engine/duckdb_engine.h"
#include "integration/orc_process.h"
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
using testing::TcpConnects;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr int kNodes = 2;
// Short enough that a cut node fails fast, long enough for a loaded 2-core machine.
constexpr auto kClientTimeout = 2s;

long long MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

void Measured(const std::string& what, long long milliseconds) {
  std::cout << "measured: " << what << ": " << milliseconds << " ms" << std::endl;
}

class NetnsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip_reason;
    cluster_ = NetnsCluster::Create(kNodes, &skip_reason);
    if (!cluster_) GTEST_SKIP() << skip_reason;
    std::filesystem::create_directory(data_.File("data"));
    for (int node = 1; node <= kNodes; ++node) {
      // Port 0 and the node's own address: each namespace has its own ports.
      nodes_.push_back(std::make_unique<Subprocess>(
          cluster_->InNode(node, Orc({"serve", "--bind", cluster_->address(node) + ":0",
                                      "--database-url", cluster_->database_url(), "--workers", "1",
                                      "--shutdown-grace-s", "1", "--data-dir", data_.File("data")},
                                     directories_[node - 1]))));
    }
    for (int node = 1; node <= kNodes; ++node) {
      ports_.push_back(AwaitListening(*nodes_[node - 1]));
      ASSERT_GT(ports_.back(), 0) << "node " << node << ": " << nodes_[node - 1]->Stderr();
    }
  }

  ApiClient Api(int node, std::chrono::milliseconds timeout = kClientTimeout) {
    return ApiClient(cluster_->address(node), ports_[node - 1], timeout);
  }

  // How `node` came back: the time until `path` first answered 200 (nullopt: not within the
  // timeout) and the statuses it answered before (0: no answer).
  struct Recovery {
    std::optional<long long> milliseconds;
    std::vector<int> failures;
  };
  Recovery AwaitOk(int node, const std::string& path, std::chrono::milliseconds timeout) {
    const auto start = Clock::now();
    Recovery recovery;
    while (Clock::now() - start < timeout) {
      const int status = Api(node).Get(path).status;
      if (status == 200) {
        recovery.milliseconds = MillisecondsSince(start);
        break;
      }
      recovery.failures.push_back(status);
      std::this_thread::sleep_for(50ms);
    }
    return recovery;
  }

  // AwaitOk, printing what it measured.
  Recovery AwaitOkMeasured(int node, const std::string& path, std::chrono::milliseconds timeout,
                           const std::string& after) {
    Recovery recovery = AwaitOk(node, path, timeout);
    std::string failures;
    for (int status : recovery.failures) failures += " " + std::to_string(status);
    Measured("node " + std::to_string(node) + " GET " + path + " 200 after " + after +
                 " (before it:" + (failures.empty() ? " none" : failures) + ")",
             recovery.milliseconds.value_or(-1));
    return recovery;
  }

  std::string Stderr(int node) { return nodes_[node - 1]->Stderr(); }

  // Destroyed in reverse: the nodes, then the cluster (which stops PostgreSQL), then the
  // directories they used.
  TempDir data_;
  TempDir directories_[kNodes];
  std::unique_ptr<NetnsCluster> cluster_;
  std::vector<std::unique_ptr<Subprocess>> nodes_;
  std::vector<int> ports_;
};

TEST_F(NetnsClusterTest, AJobCreatedOnOneNodeRunsWhenTriggeredOnTheOther) {
  ApiClient::Reply created = Api(1).Post(
      "/jobs",
      {{"job_name", "across nodes"},
       {"tasks", json::array({{{"task_name", "answer"},
                               {"transform_config",
                                {{"type", "sql"},
                                 {"db_path", "out.duckdb"},
                                 {"sql", "CREATE TABLE answer AS SELECT 42 AS value"}}}}})}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string job_id = created.body.value("job_id", "");

  const auto start = Clock::now();
  ApiClient::Reply triggered = Api(2).Post("/jobs/" + job_id + "/run");
  ASSERT_EQ(triggered.status, 202) << triggered.body;
  const std::string run_id = triggered.body.value("run_id", "");
  ApiClient node2 = Api(2);
  const json run = testing::WaitForRun(node2, run_id, testing::IsFinalRun, 60s);
  ASSERT_EQ(run.value("status", ""), "success") << run << "\nnode 1:\n"
                                                << Stderr(1) << "\nnode 2:\n"
                                                << Stderr(2);
  Measured("trigger on node 2 to success", MillisecondsSince(start));
  EXPECT_EQ(Api(1).Get("/runs/" + run_id).body.value("status", ""), "success");

  // DuckDB itself reads what the run wrote.
  DuckDbEngine engine;
  auto connection = engine.Connect(data_.File("data/out.duckdb"));
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<DuckDbRows> rows = (*connection)->Query("SELECT value FROM answer");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "42");
}

TEST_F(NetnsClusterTest, ACutNodeIsUnreachableWhileTheOtherAnswersUntilHealed) {
  ASSERT_EQ(Api(1).Get("/health").status, 200) << Stderr(1);

  cluster_->Cut(1);
  const auto start = Clock::now();
  EXPECT_EQ(Api(1).Get("/health").status, 0) << "a cut node must not answer";
  const long long failed_after = MillisecondsSince(start);
  Measured("request to a cut node failed after", failed_after);
  EXPECT_LT(failed_after, 2 * std::chrono::milliseconds(kClientTimeout).count());
  EXPECT_FALSE(TcpConnects(cluster_->address(1), ports_[0], 500ms));
  EXPECT_EQ(Api(2).Get("/health").status, 200) << Stderr(2);

  cluster_->Heal(1);
  EXPECT_TRUE(AwaitOkMeasured(1, "/health", 10s, "Heal").milliseconds)
      << "a healed node answers again\n"
      << Stderr(1);
  EXPECT_EQ(Api(2).Get("/health").status, 200);
}

TEST_F(NetnsClusterTest, ANodeAnswersAgainOnceTheDatabaseIsHealed) {
  ASSERT_EQ(Api(2).Get("/jobs").status, 200) << Stderr(2);

  cluster_->CutDatabase();
  EXPECT_FALSE(TcpConnects(cluster_->database_address(), cluster_->database_port(), 500ms))
      << "the test process must not reach a cut database";
  EXPECT_TRUE(TcpConnects(cluster_->address(2), ports_[1], 1s)) << "node 2 itself is reachable";

  // orc's libpq connections give up within seconds (tcp_user_timeout 5 s on the pooled
  // connection; a read that broke after so long is not tried again on a fresh one): the request
  // fails with 503 and Retry-After instead of waiting for the kernel's retransmissions.
  httplib::Client client(cluster_->address(2), ports_[1]);
  client.set_read_timeout(15s);
  const auto start = Clock::now();
  const httplib::Result answer = client.Get("/jobs");
  const long long took = MillisecondsSince(start);
  const int status = answer ? answer->status : 0;
  Measured("GET /jobs with the database cut (status " + std::to_string(status) + ")", took);
  EXPECT_EQ(status, 503) << Stderr(2);
  EXPECT_EQ(answer ? answer->get_header_value("Retry-After") : "", "1");
  EXPECT_LT(took, 8'000);

  const auto heal = Clock::now();
  cluster_->HealDatabase();
  Measured("HealDatabase", MillisecondsSince(heal));
  EXPECT_TRUE(AwaitOkMeasured(2, "/jobs", 60s, "HealDatabase").milliseconds)
      << "node 2 answers GET /jobs once the database is back\n"
      << Stderr(2);
}

TEST_F(NetnsClusterTest, ANodeAnswersWithinTenSecondsOfAPostgresRestart) {
  ASSERT_EQ(Api(2).Get("/jobs").status, 200) << Stderr(2);

  const auto restart = Clock::now();
  cluster_->RestartPostgres();
  Measured("pg_ctl restart -m fast", MillisecondsSince(restart));

  // Each node's pooled connections died with the server's sessions; the first request on one
  // may fail (503) before the pool connects again.
  EXPECT_TRUE(AwaitOkMeasured(2, "/jobs", 10s, "the restart").milliseconds)
      << "node 2 answers GET /jobs within 10 s of the restart\n"
      << Stderr(2);
  EXPECT_TRUE(AwaitOkMeasured(1, "/jobs", 10s, "the restart").milliseconds) << Stderr(1);
}

// Stopping and starting again keeps the data: what was written before is there after.
TEST_F(NetnsClusterTest, AStoppedDatabaseStartsAgainWithItsData) {
  ApiClient::Reply created = Api(1).Post(
      "/jobs",
      {{"job_name", "kept"},
       {"tasks",
        json::array({{{"task_name", "t"},
                      {"transform_config",
                       {{"type", "sql"}, {"db_path", ":memory:"}, {"sql", "SELECT 1"}}}}})}});
  ASSERT_EQ(created.status, 201) << created.body;
  cluster_->StopPostgres();
  EXPECT_FALSE(TcpConnects(cluster_->database_address(), cluster_->database_port(), 500ms));
  cluster_->StartPostgres();
  ASSERT_TRUE(AwaitOkMeasured(2, "/jobs", 10s, "stop and start").milliseconds) << Stderr(2);
  EXPECT_EQ(Api(2).Get("/jobs/" + created.body.value("job_id", "")).status, 200);
}

// The harness leaves nothing behind: no namespace, link or PostgreSQL of this process.
TEST(NetnsClusterCleanupTest, DestroyingTheClusterRemovesEverythingItMade) {
  std::string skip_reason;
  std::unique_ptr<NetnsCluster> cluster = NetnsCluster::Create(1, &skip_reason);
  if (!cluster) GTEST_SKIP() << skip_reason;
  const std::string prefix = "orc" + std::to_string(::getpid());
  const std::string state_file = "/tmp/" + prefix + "-postgres.state";
  EXPECT_TRUE(std::filesystem::exists(state_file));
  EXPECT_TRUE(TcpConnects(cluster->database_address(), cluster->database_port(), 1s));
  cluster.reset();

  for (const auto& arguments :
       std::vector<std::vector<std::string>>{{"netns", "list"}, {"-o", "link", "show"}}) {
    const testing::CommandResult listed = testing::RunIp(arguments);
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_EQ(listed.output.find(prefix), std::string::npos) << listed.output;
  }
  EXPECT_FALSE(std::filesystem::exists(state_file));
}

}  // namespace
}  // namespace orc
