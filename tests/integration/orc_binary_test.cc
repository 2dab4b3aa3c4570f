// End-to-end tests of the orc binary as a user runs it: real process, real sockets, real signals.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "integration/orc_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AwaitListening;
using testing::kExitTimeout;
using testing::ListeningPort;
using testing::Orc;
using testing::RunToCompletion;
using testing::Subprocess;
using testing::SubprocessOptions;
using testing::TempDir;

// A TCP socket listening on a free loopback port, to make that port "in use".
class OccupiedPort {
 public:
  OccupiedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd_, 1) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("could not occupy a port");
    }
    port_ = ntohs(address.sin_port);
  }
  ~OccupiedPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class OrcBinaryTest : public ::testing::Test {
 protected:
  TempDir directory_;
};

TEST_F(OrcBinaryTest, HelpListsTheCommands) {
  auto orc = RunToCompletion(Orc({"--help"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 0);
  EXPECT_NE(orc->Stdout().find("serve"), std::string::npos) << orc->Stdout();
  EXPECT_NE(orc->Stdout().find("version"), std::string::npos) << orc->Stdout();
}

TEST_F(OrcBinaryTest, ServeHelpListsOptionsAndEnvironment) {
  auto orc = RunToCompletion(Orc({"serve", "--help"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 0);
  for (const char* text :
       {"--bind", "ORC_BIND", "--database-url", "DATABASE_URL", "--log-level", "ORC_LOG_LEVEL"}) {
    EXPECT_NE(orc->Stdout().find(text), std::string::npos) << text << "\n" << orc->Stdout();
  }
}

// Every client command's --help, a subcommand's too, lists the connection options, as
// `orc help COMMAND [SUBCOMMAND]` does.
TEST_F(OrcBinaryTest, SubcommandHelpListsTheConnectionOptions) {
  for (const std::vector<std::string>& arguments :
       std::vector<std::vector<std::string>>{{"jobs", "list", "--help"},
                                             {"jobs", "show", "--help"},
                                             {"runs", "show", "--help"},
                                             {"backfill", "--help"},
                                             {"help", "jobs", "delete"},
                                             {"help", "run"}}) {
    auto orc = RunToCompletion(Orc(arguments, directory_), kExitTimeout);
    EXPECT_EQ(orc->Wait(milliseconds(0)), 0) << arguments[1] << orc->Stderr();
    for (const char* option : {"--server", "--token", "-o,--output"}) {
      EXPECT_NE(orc->Stdout().find(option), std::string::npos)
          << arguments[0] << " " << arguments[1] << ": " << option << "\n"
          << orc->Stdout();
    }
  }
  auto usage = RunToCompletion(Orc({"help", "jobs", "delete"}, directory_), kExitTimeout);
  EXPECT_NE(usage->Stdout().find("Usage: orc jobs delete"), std::string::npos) << usage->Stdout();
  auto orc_help = RunToCompletion(Orc({"help"}, directory_), kExitTimeout);
  EXPECT_EQ(orc_help->Wait(milliseconds(0)), 0);
  EXPECT_NE(orc_help->Stdout().find("Usage: orc [OPTIONS] [SUBCOMMAND]"), std::string::npos)
      << orc_help->Stdout();
  EXPECT_NE(orc_help->Stdout().find("backfill"), std::string::npos) << orc_help->Stdout();
  auto unknown = RunToCompletion(Orc({"help", "nope"}, directory_), kExitTimeout);
  EXPECT_EQ(unknown->Wait(milliseconds(0)), 2);
  EXPECT_NE(unknown->Stderr().find("no command 'nope'"), std::string::npos) << unknown->Stderr();
}

// A number option given something else says so ("Value abc not in range 0 to 1024" did not).
TEST_F(OrcBinaryTest, ANumberOptionSaysWhatIsWrongWithItsValue) {
  auto orc = RunToCompletion(Orc({"serve", "--workers", "abc"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 2);
  EXPECT_NE(orc->Stderr().find("--workers: 'abc' is not a whole number"), std::string::npos)
      << orc->Stderr();
  auto too_many = RunToCompletion(Orc({"serve", "--workers", "5000"}, directory_), kExitTimeout);
  EXPECT_EQ(too_many->Wait(milliseconds(0)), 2);
  EXPECT_NE(too_many->Stderr().find("--workers: '5000' is not from 0 to 1024"), std::string::npos)
      << too_many->Stderr();
  // A node timeout under 2 s would fence a node at every hiccup; a huge one is refused too.
  for (const auto& [value, says] : std::vector<std::pair<std::string, std::string>>{
           {"1", "'1' is not from 2 to 3600"},
           {"99999999999999999999", "is not from 2 to 3600"},
           {"-5", "is not from 2 to 3600"},
           {"5s", "'5s' is not a whole number"}}) {
    auto timeout =
        RunToCompletion(Orc({"serve", "--node-timeout-s", value}, directory_), kExitTimeout);
    EXPECT_EQ(timeout->Wait(milliseconds(0)), 2) << value;
    EXPECT_NE(timeout->Stderr().find("--node-timeout-s: "), std::string::npos) << timeout->Stderr();
    EXPECT_NE(timeout->Stderr().find(says), std::string::npos) << timeout->Stderr();
  }
}

TEST_F(OrcBinaryTest, VersionNamesOrcAndDuckDb) {
  for (const char* spelling : {"version", "--version"}) {
    auto orc = RunToCompletion(Orc({spelling}, directory_), kExitTimeout);
    EXPECT_EQ(orc->Wait(milliseconds(0)), 0) << orc->Stderr();
    EXPECT_TRUE(
        std::regex_search(orc->Stdout(), std::regex(R"(^orc \d+\.\d+\.\d+ \(DuckDB v1\.4\.4\))")))
        << orc->Stdout();
  }
}

TEST_F(OrcBinaryTest, UnknownFlagIsAUsageError) {
  auto orc = RunToCompletion(Orc({"--no-such-flag"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 2);
  EXPECT_NE(orc->Stderr().find("--no-such-flag"), std::string::npos) << orc->Stderr();
  EXPECT_NE(orc->Stderr().find("Usage"), std::string::npos) << orc->Stderr();
}

TEST_F(OrcBinaryTest, UnknownSubcommandIsAUsageError) {
  auto orc = RunToCompletion(Orc({"frobnicate"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 2);
  EXPECT_NE(orc->Stderr().find("frobnicate"), std::string::npos) << orc->Stderr();
  EXPECT_NE(orc->Stderr().find("Usage"), std::string::npos) << orc->Stderr();
}

TEST_F(OrcBinaryTest, BadBindIsOneLineNamingAddressAndReason) {
  auto orc = RunToCompletion(Orc({"serve", "--bind", "localhost:99999"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 2);
  const std::string error = orc->Stderr();
  EXPECT_NE(error.find("'localhost:99999'"), std::string::npos) << error;
  EXPECT_NE(error.find("0 to 65535"), std::string::npos) << error;
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
}

TEST_F(OrcBinaryTest, BadLogLevelIsAUsageError) {
  auto orc = RunToCompletion(Orc({"serve", "--log-level", "loud"}, directory_), kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 2);
  EXPECT_NE(orc->Stderr().find("'loud'"), std::string::npos) << orc->Stderr();
}

TEST_F(OrcBinaryTest, RolesAreCheckedAndASplitNeedsPostgres) {
  for (const auto& [roles, says] : std::vector<std::pair<std::string, std::string>>{
           {"api,planner", "'planner' is not a role"},
           {"worker,worker", "'worker' is named twice"},
           {"", "'' is not a role"},
           {"worker", "needs PostgreSQL"},
           {"api,scheduler", "needs PostgreSQL"}}) {
    auto orc = RunToCompletion(Orc({"serve", "--roles", roles}, directory_), kExitTimeout);
    EXPECT_EQ(orc->Wait(milliseconds(0)), 2) << roles;
    EXPECT_NE(orc->Stderr().find(says), std::string::npos) << roles << ": " << orc->Stderr();
    EXPECT_NE(orc->Stderr().find("--roles"), std::string::npos) << orc->Stderr();
  }
  // All three, in any order and spacing, is the default and works on SQLite.
  Subprocess orc(
      Orc({"serve", "--bind", "127.0.0.1:0", "--roles", "worker, api,scheduler"}, directory_));
  ASSERT_GT(AwaitListening(orc), 0) << orc.Stderr();
  EXPECT_NE(orc.Stderr().find("roles api,scheduler,worker"), std::string::npos) << orc.Stderr();
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(OrcBinaryTest, PortInUseFailsCleanly) {
  OccupiedPort occupied;
  const std::string address = "127.0.0.1:" + std::to_string(occupied.port());
  auto orc = RunToCompletion(Orc({"serve", "--bind", address}, directory_), kExitTimeout);
  ASSERT_TRUE(orc->Wait(milliseconds(0))) << "orc kept running on a port in use";
  EXPECT_EQ(orc->Wait(milliseconds(0)), 1);
  const std::string error = orc->Stderr();
  EXPECT_NE(error.find("cannot listen on " + address + ": Address already in use"),
            std::string::npos)
      << error;
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
}

TEST_F(OrcBinaryTest, UnknownDatabaseSchemeListsTheAcceptedForms) {
  auto orc = RunToCompletion(Orc({"serve", "--database-url", "mysql://root:pw@db/orc"}, directory_),
                             kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 2);
  const std::string error = orc->Stderr();
  EXPECT_NE(error.find("sqlite:PATH"), std::string::npos) << error;
  EXPECT_NE(error.find("postgres://"), std::string::npos) << error;
  EXPECT_EQ(error.find(":pw@"), std::string::npos) << "password leaked: " << error;
}

TEST_F(OrcBinaryTest, UnusableStateDatabaseFailsAtStartup) {
  auto orc = RunToCompletion(
      Orc({"serve", "--bind", "127.0.0.1:0", "--database-url", "sqlite:missing/dir/orc.db"},
          directory_),
      kExitTimeout);
  EXPECT_EQ(orc->Wait(milliseconds(0)), 1);
  const std::string error = orc->Stderr();
  EXPECT_NE(error.find("cannot open SQLite database 'missing/dir/orc.db': directory "
                       "'missing/dir' does not exist"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("listening"), std::string::npos) << error;
}

TEST_F(OrcBinaryTest, DefaultStateIsOrcDbInTheWorkingDirectory) {
  Subprocess orc(Orc({"--bind", "127.0.0.1:0"}, directory_));
  ASSERT_TRUE(orc.WaitForStderr("listening on", kExitTimeout)) << orc.Stderr();
  EXPECT_TRUE(std::filesystem::exists(directory_.File("orc.db")));
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0);
}

TEST_F(OrcBinaryTest, ServesHealthAndStopsOnSigterm) {
  Subprocess orc(Orc({"serve", "--bind", "127.0.0.1:0"}, directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();

  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
  const auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["version"].is_string());

  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
  EXPECT_NE(orc.Stderr().find("received SIGTERM, shutting down"), std::string::npos)
      << orc.Stderr();
  EXPECT_FALSE(httplib::Client("127.0.0.1", port).Get("/health"));
}

TEST_F(OrcBinaryTest, JobsReachTheDataDirectoryAndNeverTheStateDatabase) {
  std::filesystem::create_directories(directory_.File("data"));
  Subprocess orc(
      Orc({"--bind", "127.0.0.1:0", "--data-dir", "data", "--database-url", "sqlite:orc.db"},
          directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  testing::ApiClient api(port);
  auto job = [](const std::string& db_path) {
    return nlohmann::json{
        {"job_name", "j"},
        {"tasks",
         {{{"transform_config", {{"type", "sql"}, {"db_path", db_path}, {"sql", "SELECT 1"}}}}}}};
  };
  for (const std::string& db_path :
       {std::string("../orc.db"), std::string("./../orc.db-wal"), directory_.File("orc.db-shm"),
        std::string("/etc/x.duckdb"), std::string("../x.duckdb")}) {
    const testing::ApiClient::Reply refused = api.Post("/jobs", job(db_path));
    EXPECT_EQ(refused.status, 400) << db_path << ": " << refused.body;
    EXPECT_EQ(refused.body["error"]["field"], "tasks[0].transform_config.db_path") << refused.body;
  }
  EXPECT_EQ(api.Post("/jobs", job("warehouse.duckdb")).status, 201);
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(OrcBinaryTest, PlainOrcServesAndStopsOnSigint) {
  Subprocess orc(Orc({}, directory_, {{"ORC_BIND", "127.0.0.1:0"}}));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  EXPECT_EQ(httplib::Client("127.0.0.1", port).Get("/health")->status, 200);
  orc.Signal(SIGINT);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(OrcBinaryTest, EnvironmentConfiguresAndFlagsWin) {
  Subprocess orc(Orc({"--bind", "127.0.0.1:0"}, directory_,
                     {{"ORC_BIND", "127.0.0.1:1"},
                      {"DATABASE_URL", "sqlite:state.db"},
                      {"ORC_LOG_LEVEL", "debug"}}));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  EXPECT_NE(orc.Stderr().find("(state: sqlite:state.db)"), std::string::npos) << orc.Stderr();
  ASSERT_TRUE(httplib::Client("127.0.0.1", port).Get("/health"));
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0);
  // Debug level logs each request.
  EXPECT_NE(orc.Stderr().find("GET /health -> 200"), std::string::npos) << orc.Stderr();
}

TEST_F(OrcBinaryTest, LogLinesStartWithAnUtcTimestamp) {
  Subprocess orc(Orc({"--bind", "127.0.0.1:0"}, directory_));
  ASSERT_GT(AwaitListening(orc), 0);
  orc.Signal(SIGTERM);
  ASSERT_EQ(orc.Wait(kExitTimeout), 0);
  std::istringstream lines(orc.Stderr());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_TRUE(std::regex_search(
        line, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|error|debug) )")))
        << line;
  }
  EXPECT_GE(count, 3);
}

}  // namespace
}  // namespace orc
