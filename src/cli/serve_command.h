// `orc serve`: the API server and the worker pool (and, as it lands, the scheduler) in one process,
// until SIGINT or SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace orc {

class Clock;

struct ServeOptions {
  std::string bind = "127.0.0.1:8080";
  std::string database_url = "sqlite:orc.db";
  std::string log_level = "info";
  std::string api_token;  // empty: no token required
  int workers = 0;        // 0: one per core
  int shutdown_grace_s = 30;
  int lease_s = 30;
  std::string data_dir;  // empty: ./data, created when missing
  // What jobs may reach besides the data directory (docs/security.md).
  std::vector<std::string> allow_paths;  // DIR, DIR:ro or DIR:rw
  std::vector<std::string> allow_env = {"ORC_SECRET_*"};
  std::vector<std::string> allow_hosts;  // HOST or HOST:PORT
  bool allow_private = false;
  int task_memory_mb = 2048;  // 0: no limit
  // Alerts (docs/operations.md): a JSON or YAML file of notification targets for every job; the
  // dashboard's address for links in alerts (empty: http://<bind address>); the first delay
  // before a failed webhook is sent again.
  std::string notify_file;
  std::string public_url;
  int notify_retry_s = 30;
  // Scale-out (docs/operations.md): what this process does, a comma-separated subset of api,
  // scheduler and worker; and how long a silent node keeps its runs.
  std::string roles = "api,scheduler,worker";
  int node_timeout_s = 5;
};

// Validates the options, serves until a termination signal, and returns the exit code. The
// state store, scheduler, workers and API all read `clock`.
int ServeCommand(const ServeOptions& options, Clock& clock);

}  // namespace orc
