// The CLI's commands about jobs and runs on a server:
//   orc jobs list | show NAME|ID | pause NAME | resume NAME
//   orc run NAME [--wait] [--follow]
//   orc runs list [--job NAME] [--status S]
//   orc logs RUN_ID [--follow]
//   orc cancel RUN_ID
// Tables on a terminal, --output json for scripts. `run --wait/--follow` exits 0 when the run
// succeeds and 1 otherwise.
#pragma once

#include <string>

#include "cli/client_support.h"

namespace orc {

int RunJobsList(const ClientOptions& options);
int RunJobsShow(const ClientOptions& options, const std::string& job);
int RunJobsSetActive(const ClientOptions& options, const std::string& job, bool active);

struct RunOptions {
  std::string job;
  bool wait = false;
  bool follow = false;
};
int RunRun(const ClientOptions& options, const RunOptions& run);

struct RunsListOptions {
  std::string job;
  std::string status;
  int limit = 20;
};
int RunRunsList(const ClientOptions& options, const RunsListOptions& list);

int RunLogs(const ClientOptions& options, const std::string& run_id, bool follow);
int RunCancel(const ClientOptions& options, const std::string& run_id);

}  // namespace orc
