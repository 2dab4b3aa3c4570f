// `orc serve`: the API server (and, as they land, the scheduler and the worker pool) in one
// process, until SIGINT or SIGTERM.
#pragma once

#include <string>

namespace orc {

struct ServeOptions {
  std::string bind = "127.0.0.1:8080";
  std::string database_url = "sqlite:orc.db";
  std::string log_level = "info";
  std::string api_token;  // empty: no token required
};

// Validates the options, serves until a termination signal, and returns the exit code.
int RunServe(const ServeOptions& options);

}  // namespace orc
