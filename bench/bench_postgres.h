// BenchPostgres: a PostgreSQL server for a benchmark: the one named by ORC_BENCH_POSTGRES_URL, or
// a throwaway one (fsync on, as in production) started with the tests' script and stopped at the
// end. url() is empty when it could not start.
//
// `settings` ("name = value" lines of postgresql.conf) are appended to the configuration of a
// server started here, which is then restarted to apply them (settings such as
// track_commit_timestamp take effect only at start); configured() says whether they were. A server
// named by ORC_BENCH_POSTGRES_URL is used as it is.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace orc {

// Whether to measure `backend` ("sqlite" or "postgres"): ORC_BENCH_BACKENDS names the one to
// measure; unset or empty, both.
inline bool BenchBackendWanted(const std::string& backend) {
  const char* only = std::getenv("ORC_BENCH_BACKENDS");
  return only == nullptr || *only == '\0' || backend == only;
}

class BenchPostgres {
 public:
  explicit BenchPostgres(const std::vector<std::string>& settings = {}) {
    if (const char* url = std::getenv("ORC_BENCH_POSTGRES_URL")) {
      url_ = url;
      return;
    }
    state_file_ = directory_.File("postgres.state");
    const std::string start = std::string("ORC_POSTGRES_FSYNC=on ") + ORC_POSTGRES_TEST_SERVER +
                              " start " + state_file_ + " >/dev/null";
    if (std::system(start.c_str()) != 0) return;
    std::ifstream in(state_file_);
    in >> server_directory_ >> url_;
    if (settings.empty()) return;
    {
      std::ofstream conf(server_directory_ + "/data/postgresql.conf", std::ios::app);
      conf << "\n# the benchmark's settings\n";
      for (const std::string& setting : settings) conf << setting << "\n";
    }
    const std::string restart =
        std::string(ORC_POSTGRES_TEST_SERVER) + " ctl " + state_file_ + " restart >/dev/null";
    if (std::system(restart.c_str()) != 0) {
      url_.clear();
      return;
    }
    configured_ = true;
  }
  ~BenchPostgres() {
    if (state_file_.empty()) return;
    const std::string stop = std::string(ORC_POSTGRES_TEST_SERVER) + " stop " + state_file_;
    (void)std::system(stop.c_str());
  }
  const std::string& url() const { return url_; }
  // Whether the settings given to the constructor apply (a server started here).
  bool configured() const { return configured_; }
  // The server's data directory and log file; empty for a server named by
  // ORC_BENCH_POSTGRES_URL.
  std::string data_directory() const {
    return server_directory_.empty() ? "" : server_directory_ + "/data";
  }
  std::string log_file() const {
    return server_directory_.empty() ? "" : server_directory_ + "/server.log";
  }

 private:
  testing::TempDir directory_;
  std::string state_file_;
  std::string server_directory_;
  std::string url_;
  bool configured_ = false;
};

}  // namespace orc
