// Helpers for the end-to-end tests that run the orc binary: its options, its port, its API.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace orc::testing {

inline constexpr std::chrono::milliseconds kExitTimeout = std::chrono::seconds(20);

// Runs orc from a scratch working directory, without LD_LIBRARY_PATH (the RPATH must suffice).
inline SubprocessOptions Orc(std::vector<std::string> arguments, const TempDir& directory,
                             std::map<std::string, std::string> env = {}) {
  SubprocessOptions options;
  options.argv = {ORC_BINARY_PATH};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  options.set_env = std::move(env);
  options.unset_env = {"LD_LIBRARY_PATH", "ORC_BIND", "DATABASE_URL", "ORC_LOG_LEVEL"};
  options.working_directory = directory.path();
  return options;
}

// The port from orc's "listening on http://HOST:PORT" line, or -1.
inline int ListeningPort(const std::string& log) {
  std::smatch match;
  if (!std::regex_search(log, match, std::regex(R"(listening on http://[^ ]+:(\d+))"))) return -1;
  return std::stoi(match[1]);
}

// Waits for a started orc to listen and returns the port (-1 when it did not).
inline int AwaitListening(Subprocess& orc) {
  if (!orc.WaitForStderr("listening on", kExitTimeout)) return -1;
  return ListeningPort(orc.Stderr());
}

// A JSON API client for one orc; a failed request yields a null body and status 0.
class ApiClient {
 public:
  explicit ApiClient(int port) : client_("127.0.0.1", port) {}
  // An orc listening elsewhere (another network namespace): `timeout` bounds connecting and each
  // read and write, so a request to an unreachable or stuck node fails (status 0) in that time.
  ApiClient(const std::string& host, int port, std::chrono::milliseconds timeout)
      : client_(host, port) {
    client_.set_connection_timeout(timeout);
    client_.set_read_timeout(timeout);
    client_.set_write_timeout(timeout);
  }

  struct Reply {
    int status = 0;
    nlohmann::json body;
  };

  Reply Get(const std::string& path) { return ReplyOf(client_.Get(path)); }
  Reply Post(const std::string& path, const nlohmann::json& body = nullptr) {
    return body.is_null() ? ReplyOf(client_.Post(path))
                          : ReplyOf(client_.Post(path, body.dump(), "application/json"));
  }
  std::string Text(const std::string& path) {
    auto response = client_.Get(path);
    return response ? response->body : "";
  }

 private:
  static Reply ReplyOf(const httplib::Result& result) {
    if (!result) return {};
    Reply reply{.status = result->status};
    if (!result->body.empty()) {
      reply.body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
    }
    return reply;
  }

  httplib::Client client_;
};

// Whether a run (as GET /runs/{id} returns it) has ended.
inline bool IsFinalRun(const nlohmann::json& run) {
  const std::string status = run.value("status", "");
  return status == "success" || status == "failed" || status == "cancelled";
}

// Polls GET /runs/{id} until `done` holds for it or `timeout` passes; returns the last body.
inline nlohmann::json WaitForRun(ApiClient& api, const std::string& run_id,
                                 const std::function<bool(const nlohmann::json&)>& done,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json run;
  while (std::chrono::steady_clock::now() < deadline) {
    run = api.Get("/runs/" + run_id).body;
    if (done(run)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return run;
}

}  // namespace orc::testing
