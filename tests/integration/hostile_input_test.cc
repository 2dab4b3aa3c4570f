// Hostile input against a real `orc serve`: malformed and malicious upstream APIs, configurations
// and request bodies built to crash or exhaust the server, jobs reaching for files and addresses
// they may not use, secrets that must not come back, and tasks that crash, hang or eat memory.
// After every test the server must still answer, run a job to success and have kept its state,
// and its stderr must not hold the secret.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "integration/orc_process.h"
#include "support/printers.h"

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

constexpr const char* kSecret = "Zq9-hostile-s3cret";

// The processes `pid` started (its children), from /proc.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream list(task.path() / "children");
    for (pid_t child = 0; list >> child;) children.push_back(child);
  }
  return children;
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

// A run's error_message, "" when it has none (null).
std::string ErrorOf(const json& run) {
  const auto found = run.find("error_message");
  return found != run.end() && found->is_string() ? found->get<std::string>() : "";
}

// A raw HTTP exchange: sends `request` to 127.0.0.1:port, returns what came back before the
// server closed the connection or `timeout` passed.
std::string RawExchange(int port, const std::string& request, Duration timeout = 5s) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return "";
  }
  timeval tv{.tv_sec = 0, .tv_usec = 200'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got == 0) break;
    if (got > 0) reply.append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  return reply;
}

int StatusOf(const std::string& raw_reply) {
  std::smatch match;
  if (!std::regex_search(raw_reply, match, std::regex(R"(^HTTP/1\.[01] (\d{3}))"))) return 0;
  return std::stoi(match[1]);
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(directory_.File("data"));
    std::filesystem::create_directories(directory_.File("state"));
    upstream_port_ = upstream_.bind_to_any_port("127.0.0.1");
    upstream_.Get(
        R"(/page/(\d+))", [this](const httplib::Request& request, httplib::Response& response) {
          std::lock_guard lock(mutex_);
          response.set_content(pages_.at(std::stoul(request.matches[1])), "application/json");
        });
    upstream_.Get("/echo.*", [](const httplib::Request& request, httplib::Response& response) {
      response.status = 404;
      response.set_content("<html>no such thing: " + request.target + "</html>", "text/html");
    });
    upstream_.Get("/stall", [this](const httplib::Request&, httplib::Response& response) {
      const auto until = std::chrono::steady_clock::now() + 30s;
      while (!tearing_down_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(20ms);
      }
      response.set_content("[]", "application/json");
    });
    serving_ = std::thread([this] { upstream_.listen_after_bind(); });
    orc_ = std::make_unique<Subprocess>(
        Orc({"serve", "--bind", "127.0.0.1:0", "--database-url", "sqlite:" + StatePath(),
             "--data-dir", directory_.File("data"), "--allow-host", "127.0.0.1", "--workers", "2",
             "--lease-s", "5", "--shutdown-grace-s", "1"},
            directory_, {{"ORC_SECRET_HOSTILE", kSecret}, {"ORC_API_TOKEN_NOT_A_SECRET", "x"}}));
    port_ = AwaitListening(*orc_);
    ASSERT_GT(port_, 0) << orc_->Stderr();
    api_ = std::make_unique<ApiClient>(port_);
  }

  void TearDown() override {
    if (api_) {
      // The server still answers, runs a job to success and kept what it had.
      EXPECT_EQ(api_->Get("/health").status, 200);
      const std::string canary = Trigger(CreateJob({SqlTask("SELECT 42")}));
      EXPECT_EQ(WaitForRun(canary)["status"], "success");
      EXPECT_EQ(api_->Get("/jobs").status, 200);
      orc_->Signal(SIGTERM);
      EXPECT_EQ(orc_->Wait(kExitTimeout), 0) << orc_->Stderr();
      EXPECT_EQ(orc_->Stderr().find(kSecret), std::string::npos) << "the secret reached stderr";
    }
    tearing_down_ = true;
    upstream_.stop();
    serving_.join();
  }

  std::string StatePath() const { return directory_.File("state/orc.db"); }
  std::string Upstream(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(upstream_port_) + path;
  }
  // An upstream path answering `body` as JSON.
  std::string Page(std::string body) {
    std::lock_guard lock(mutex_);
    pages_.push_back(std::move(body));
    return Upstream("/page/" + std::to_string(pages_.size() - 1));
  }

  static json SqlTask(const std::string& sql, const std::string& db_path = "out.duckdb") {
    return {{"task_name", "sql"},
            {"transform_config", {{"type", "sql"}, {"db_path", db_path}, {"sql", sql}}}};
  }
  static json ApiTask(json extractor) {
    extractor["type"] = "api";
    return {
        {"task_name", "load"},
        {"extractor_config", std::move(extractor)},
        {"loader_config", {{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}}};
  }

  ApiClient::Reply PostJob(json tasks, json extra = json::object()) {
    static int count = 0;
    json job = {{"job_name", "hostile " + std::to_string(++count)},
                {"retry", {{"max_attempts", 1}}},
                {"tasks", std::move(tasks)}};
    job.update(extra);
    return api_->Post("/jobs", job);
  }
  std::string CreateJob(json tasks, json extra = json::object()) {
    ApiClient::Reply created = PostJob(std::move(tasks), std::move(extra));
    EXPECT_EQ(created.status, 201) << created.body;
    return created.body.value("job_id", "");
  }
  std::string Trigger(const std::string& job_id) {
    return api_->Post("/jobs/" + job_id + "/run").body.value("run_id", "");
  }
  json WaitForRun(const std::string& run_id, Duration timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json run;
    while (std::chrono::steady_clock::now() < deadline) {
      run = api_->Get("/runs/" + run_id).body;
      const std::string status = run.value("status", "");
      if (status == "success" || status == "failed" || status == "cancelled") break;
      std::this_thread::sleep_for(20ms);
    }
    return run;
  }
  // Runs one job of `tasks` and returns the finished run.
  json RunJob(json tasks, json extra = json::object()) {
    return WaitForRun(Trigger(CreateJob(std::move(tasks), std::move(extra))));
  }
  std::string Logs(const std::string& run_id) {
    std::string text;
    for (const json& line : api_->Get("/runs/" + run_id + "/logs").body) {
      text += line.value("message", "") + "\n";
    }
    return text;
  }

  TempDir directory_;
  httplib::Server upstream_;
  int upstream_port_ = 0;
  std::thread serving_;
  std::atomic<bool> tearing_down_{false};  // ends the stalled responses
  std::mutex mutex_;
  std::vector<std::string> pages_;
  std::unique_ptr<Subprocess> orc_;
  int port_ = 0;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(HostileInputTest, MalformedUpstreamPagesFailTheirTaskOnly) {
  std::string nested(1000, '[');
  nested += std::string(1000, ']');
  for (const std::string& body :
       {std::string("[x"), std::string("[["), std::string("[1 2]"),
        std::string(R"([{"id":1},{"id":2})"), std::string(R"({"a":)"), nested,
        std::string("\xff\xfe[{\"id\":1}]"), std::string("[{\"id\":1}]\0garbage", 18)}) {
    const json run = RunJob({ApiTask({{"url", Page(body)}})});
    EXPECT_EQ(run["status"], "failed") << body.substr(0, 40) << ": " << run;
    EXPECT_NE(ErrorOf(run).find("not JSON"), std::string::npos) << run;
  }
}

TEST_F(HostileInputTest, AStalledUpstreamStillTimesOutAndCancels) {
  auto started = std::chrono::steady_clock::now();
  const json timed_out =
      RunJob({ApiTask({{"url", Upstream("/stall")}, {"max_retries", 0}})}, {{"timeout_s", 1}});
  EXPECT_EQ(timed_out["status"], "failed") << timed_out;
  EXPECT_NE(ErrorOf(timed_out).find("timed out after 1 s"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);

  const std::string run_id =
      Trigger(CreateJob({ApiTask({{"url", Upstream("/stall")}, {"max_retries", 0}})}));
  while (api_->Get("/runs/" + run_id).body.value("status", "") != "running") {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(300ms);
  started = std::chrono::steady_clock::now();
  EXPECT_EQ(api_->Post("/runs/" + run_id + "/cancel").status, 202);
  EXPECT_EQ(WaitForRun(run_id, 5s)["status"], "cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s + 200ms);
}

TEST_F(HostileInputTest, ConfigurationsOfTheWrongTypeAreRefusedWhenWritten) {
  const struct {
    json task;
    const char* field;
  } cases[] = {
      {ApiTask(
           {{"url", Upstream("/x")}, {"pagination", {{"type", "page_number"}, {"page_param", 5}}}}),
       "tasks[0].extractor_config.pagination.page_param"},
      {ApiTask({{"url", Upstream("/x")},
                {"pagination", {{"type", "cursor"}, {"cursor_path", 5}, {"cursor_param", "c"}}}}),
       "tasks[0].extractor_config.pagination.cursor_path"},
      {ApiTask({{"url", Upstream("/x")}, {"auth", {{"type", 5}}}}),
       "tasks[0].extractor_config.auth.type"},
      {{{"task_name", "load"},
        {"extractor_config", {{"type", "json"}, {"path", "x.json"}, {"columns", {{"a", 1}}}}},
        {"loader_config", {{"type", "duckdb"}, {"db_path", "o.duckdb"}, {"table_name", "t"}}}},
       "tasks[0].extractor_config.columns.a"},
  };
  for (const auto& c : cases) {
    const ApiClient::Reply reply = PostJob({c.task});
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(reply.body["error"].value("field", ""), c.field) << reply.body;
  }
}

TEST_F(HostileInputTest, BodiesBuiltToCrashOrExhaustAreA4xx) {
  // A number out of range.
  httplib::Client client("127.0.0.1", port_);
  auto big = client.Post("/jobs", R"({"job_name": "x", "max_active_runs": 1e400, "tasks": []})",
                         "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 400) << big->body;
  // Nested 100,000 deep inside a configuration.
  std::string deep = R"({"job_name": "deep", "tasks": [{"transform_config": {"type": "sql", "x": )";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}}]}";
  auto nested = client.Post("/jobs", deep, "application/json");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->status, 400) << nested->body.substr(0, 200);
  // A PATCH 150,000 deep.
  const std::string job_id = CreateJob({SqlTask("SELECT 1")});
  std::string patch =
      R"({"description": )" + std::string(150000, '[') + std::string(150000, ']') + "}";
  auto patched = client.Patch("/jobs/" + job_id, patch, "application/merge-patch+json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 400);
  // YAML aliases that expand exponentially (262 bytes).
  const std::string laughs =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n";
  const auto started = std::chrono::steady_clock::now();
  auto yaml = client.Post("/jobs", laughs, "application/yaml");
  ASSERT_TRUE(yaml);
  EXPECT_EQ(yaml->status, 400) << yaml->body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  // Two bytes on which yaml-cpp 0.7's LoadAll loops, allocating until memory runs out; and text
  // that is not UTF-8.
  for (const std::string& body : {std::string(",\n"), std::string("job_name: caf\xe9\n")}) {
    auto refused = client.Post("/jobs", body, "application/yaml");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << refused->body;
  }
  // A chunked body past the 1 MiB limit.
  std::string chunked =
      "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(64 * 1024, ' ');
  for (int i = 0; i < 20; ++i) chunked += "10000\r\n" + chunk + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(StatusOf(RawExchange(port_, chunked)), 413);
  // Request smuggling shapes.
  EXPECT_EQ(StatusOf(RawExchange(port_,
                                 "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                 "Content-Length: 3\r\nContent-Type: application/json\r\n\r\n{}")),
            400);
  EXPECT_EQ(StatusOf(RawExchange(port_,
                                 "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n{}")),
            400);
}

TEST_F(HostileInputTest, SlowConnectionsDoNotStarveHealth) {
  std::vector<int> sockets;
  for (int i = 0; i < 200; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    (void)!send(fd, "GET /health HTTP/1.1\r\nHo", 24, MSG_NOSIGNAL);
    sockets.push_back(fd);
  }
  for (int second = 0; second < 3; ++second) {
    for (const int fd : sockets) (void)!send(fd, "s", 1, MSG_NOSIGNAL);  // one byte each
    const auto asked = std::chrono::steady_clock::now();
    EXPECT_EQ(api_->Get("/health").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
    std::this_thread::sleep_for(1s);
  }
  for (const int fd : sockets) close(fd);
}

TEST_F(HostileInputTest, JobsCannotReachTheStateDatabaseByAnyName) {
  const std::string state = StatePath();
  ASSERT_EQ(::link(state.c_str(), directory_.File("data/hard.db").c_str()), 0);
  std::filesystem::create_symlink(state, directory_.File("data/soft.db"));
  for (const std::string& db_path : {state, std::string("../state/orc.db"), std::string("hard.db"),
                                     std::string("soft.db"), state + "-wal"}) {
    const ApiClient::Reply reply = PostJob({SqlTask("SELECT 1", db_path)});
    EXPECT_EQ(reply.status, 400) << db_path << ": " << reply.body;
  }
  // From SQL, whatever the database it runs in.
  for (const std::string& target :
       {state, directory_.File("data/hard.db"), std::string("hard.db")}) {
    const json run = RunJob({SqlTask("COPY (SELECT 1) TO '" + target + "'", ":memory:")});
    EXPECT_EQ(run["status"], "failed") << target << ": " << run;
  }
  std::filesystem::remove(directory_.File("data/hard.db"));
  std::filesystem::remove(directory_.File("data/soft.db"));
}

TEST_F(HostileInputTest, JobsReachOnlyTheirDirectories) {
  std::ofstream(directory_.File("outside.csv")) << "a\n1\n";
  for (const std::string& sql :
       {std::string("SELECT * FROM read_text('/etc/passwd')"),
        "SELECT * FROM read_csv('" + directory_.File("outside.csv") + "')",
        "COPY (SELECT 1) TO '" + directory_.File("escaped.csv") + "'",
        "ATTACH '" + directory_.File("other.duckdb") + "'", std::string("INSTALL httpfs"),
        std::string("LOAD httpfs"), std::string("SET enable_external_access = true")}) {
    const auto started = std::chrono::steady_clock::now();
    const json run = RunJob({SqlTask(sql)});
    EXPECT_EQ(run["status"], "failed") << sql << ": " << run;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << sql;
  }
  EXPECT_FALSE(std::filesystem::exists(directory_.File("escaped.csv")));
  EXPECT_FALSE(std::filesystem::exists(directory_.File("other.duckdb")));
  // Paths in configurations are refused when the job is written.
  const ApiClient::Reply outside = PostJob(
      {{{"task_name", "load"},
        {"extractor_config", {{"type", "csv"}, {"path", "/etc/passwd"}}},
        {"loader_config", {{"type", "duckdb"}, {"db_path", "o.duckdb"}, {"table_name", "t"}}}}});
  EXPECT_EQ(outside.status, 400) << outside.body;
  EXPECT_EQ(outside.body["error"].value("field", ""), "tasks[0].extractor_config.path");
  // And again when the task runs: a symlink made after the job was written.
  const std::string job_id = CreateJob(
      {{{"task_name", "load"},
        {"extractor_config", {{"type", "csv"}, {"path", "link.csv"}}},
        {"loader_config", {{"type", "duckdb"}, {"db_path", "o.duckdb"}, {"table_name", "t"}}}}});
  std::filesystem::create_symlink(directory_.File("outside.csv"), directory_.File("data/link.csv"));
  const json run = WaitForRun(Trigger(job_id));
  EXPECT_EQ(run["status"], "failed") << run;
}

TEST_F(HostileInputTest, SecretsNeverComeBack) {
  // Refused names, when the job is written.
  const ApiClient::Reply refused = PostJob({ApiTask(
      {{"url", Upstream("/x")}, {"headers", {{"X-Token", "${env:ORC_API_TOKEN_NOT_A_SECRET}"}}}})});
  EXPECT_EQ(refused.status, 400) << refused.body;
  // Allowed values, wherever they are used, never come back.
  const std::string secret = "${env:ORC_SECRET_HOSTILE}";
  const json tasks[] = {
      ApiTask({{"url", Upstream("/echo")}, {"params", {{"key", secret}}}}),
      ApiTask({{"url", Upstream("/echo/" + secret)}}),
      ApiTask({{"url", "http://user:" + secret + "@127.0.0.1:" + std::to_string(upstream_port_) +
                           "/echo"}}),
      {{"task_name", "load"},
       {"extractor_config", {{"type", "csv"}, {"path", secret + "/x.csv"}}},
       {"loader_config", {{"type", "duckdb"}, {"db_path", "o.duckdb"}, {"table_name", "t"}}}},
      SqlTask("SELECT * FROM \"" + secret + "\""),
  };
  for (const json& task : tasks) {
    const std::string job_id = CreateJob({task});
    const std::string run_id = Trigger(job_id);
    const json run = WaitForRun(run_id);
    EXPECT_EQ(run["status"], "failed") << run;
    EXPECT_EQ(run.dump().find(kSecret), std::string::npos) << run;
    EXPECT_EQ(Logs(run_id).find(kSecret), std::string::npos) << Logs(run_id);
    EXPECT_EQ(api_->Get("/jobs/" + job_id).body.dump().find(kSecret), std::string::npos);
  }
}

TEST_F(HostileInputTest, CredentialsDoNotFollowARedirectToAnotherOrigin) {
  httplib::Server other;
  std::mutex seen_mutex;
  std::vector<std::string> seen;
  other.Get("/items", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(seen_mutex);
    for (const char* header : {"Authorization", "X-Api-Key", "Cookie"}) {
      if (request.has_header(header)) seen.push_back(header);
    }
    response.set_content(R"([{"id": 1}])", "application/json");
  });
  const int other_port = other.bind_to_any_port("127.0.0.1");
  std::thread serving([&other] { other.listen_after_bind(); });
  upstream_.Get("/moved", [other_port](const httplib::Request&, httplib::Response& response) {
    response.status = 302;
    response.set_header("Location", "http://127.0.0.1:" + std::to_string(other_port) + "/items");
  });
  const json run = RunJob({ApiTask(
      {{"url", Upstream("/moved")},
       {"headers", {{"Cookie", "session=1"}}},
       {"auth",
        {{"type", "api_key"}, {"name", "X-Api-Key"}, {"value", "${env:ORC_SECRET_HOSTILE}"}}}})});
  other.stop();
  serving.join();
  EXPECT_EQ(run["status"], "success") << run;
  EXPECT_TRUE(seen.empty()) << seen.front();
}

TEST_F(HostileInputTest, AddressesOtherThanTheAllowedAreRefused) {
  // 127.0.0.1 is allowed here; the same server by the name localhost, or metadata, is not.
  for (const std::string& url :
       {"http://localhost:" + std::to_string(upstream_port_) + "/page/0",
        std::string("http://169.254.169.254/latest/meta-data/"),
        "http://[::ffff:127.0.0.2]:" + std::to_string(upstream_port_) + "/"}) {
    const json run = RunJob({ApiTask({{"url", url}, {"max_retries", 0}})});
    EXPECT_EQ(run["status"], "failed") << url;
    EXPECT_NE(ErrorOf(run).find("--allow-host"), std::string::npos) << run;
  }
}

// The sockets process `pid` holds.
size_t SocketsOf(pid_t pid) {
  size_t sockets = 0;
  std::error_code error;
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    sockets += std::filesystem::read_symlink(fd.path(), error).string().starts_with("socket:");
  }
  return sockets;
}

TEST_F(HostileInputTest, ACrashedTaskProcessFailsItsAttemptOnly) {
  const std::string run_id =
      Trigger(CreateJob({ApiTask({{"url", Upstream("/stall")}, {"max_retries", 0}})}));
  while (api_->Get("/runs/" + run_id).body.value("status", "") != "running") {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(300ms);  // well inside the stalled transfer
  // Each executor holds its channel to orc; the one running the task also holds the transfer's.
  pid_t executor = 0;
  for (const pid_t child : ChildrenOf(orc_->pid())) {
    if (SocketsOf(child) > 1) executor = child;
  }
  ASSERT_NE(executor, 0);
  ASSERT_EQ(kill(executor, SIGSEGV), 0);
  const json run = WaitForRun(run_id, 10s);
  EXPECT_EQ(run["status"], "failed") << run;
  EXPECT_NE(ErrorOf(run).find("task process crashed (SIGSEGV)"), std::string::npos) << run;
}

TEST_F(HostileInputTest, ATaskOverItsMemoryLimitFailsNamingIt) {
  const json run =
      RunJob({SqlTask("CREATE TABLE big AS SELECT list(range) AS l FROM range(100000000)")},
             {{"memory_mb", 200}});
  EXPECT_EQ(run["status"], "failed") << run;
  EXPECT_NE(ErrorOf(run).find("memory"), std::string::npos) << run;
}

TEST_F(HostileInputTest, KillingOrcTakesItsTaskProcessesAlong) {
  const std::vector<pid_t> executors = ChildrenOf(orc_->pid());
  ASSERT_EQ(executors.size(), 2u);
  orc_->Signal(SIGKILL);
  orc_->Wait(kExitTimeout);
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < deadline &&
         std::any_of(executors.begin(), executors.end(), Alive)) {
    std::this_thread::sleep_for(20ms);
  }
  for (const pid_t executor : executors) EXPECT_FALSE(Alive(executor)) << executor;
  // The state survived: a new orc on it starts and finishes a run.
  orc_ = std::make_unique<Subprocess>(
      Orc({"serve", "--bind", "127.0.0.1:0", "--database-url", "sqlite:" + StatePath(),
           "--data-dir", directory_.File("data")},
          directory_));
  port_ = AwaitListening(*orc_);
  ASSERT_GT(port_, 0) << orc_->Stderr();
  api_ = std::make_unique<ApiClient>(port_);
}

TEST_F(HostileInputTest, TheStateDatabaseInAJobsDirectoryIsRefusedAtStart) {
  auto refused = testing::RunToCompletion(
      Orc({"serve", "--bind", "127.0.0.1:0", "--database-url",
           "sqlite:" + directory_.File("data/orc.db"), "--data-dir", directory_.File("data")},
          directory_),
      kExitTimeout);
  EXPECT_EQ(refused->Wait(0ms), 1);
  EXPECT_NE(refused->Stderr().find("is inside"), std::string::npos) << refused->Stderr();
  EXPECT_FALSE(std::filesystem::exists(directory_.File("data/orc.db")));
}

}  // namespace
}  // namespace orc
