// BenchPostgres: a PostgreSQL server for a benchmark: the one named by ORC_BENCH_POSTGRES_URL, or
// a throwaway one (fsync on, as in production) started with the tests' script and stopped at the
// end. url() is empty when it could not start.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

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
  BenchPostgres() {
    if (const char* url = std::getenv("ORC_BENCH_POSTGRES_URL")) {
      url_ = url;
      return;
    }
    state_file_ = directory_.File("postgres.state");
    const std::string start = std::string("ORC_POSTGRES_FSYNC=on ") + ORC_POSTGRES_TEST_SERVER +
                              " start " + state_file_ + " >/dev/null";
    if (std::system(start.c_str()) != 0) return;
    std::ifstream in(state_file_);
    std::string directory;
    in >> directory >> url_;
  }
  ~BenchPostgres() {
    if (state_file_.empty()) return;
    const std::string stop = std::string(ORC_POSTGRES_TEST_SERVER) + " stop " + state_file_;
    (void)std::system(stop.c_str());
  }
  const std::string& url() const { return url_; }

 private:
  testing::TempDir directory_;
  std::string state_file_;
  std::string url_;
};

}  // namespace orc
