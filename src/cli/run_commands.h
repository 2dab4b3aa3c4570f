// The CLI's commands about jobs and runs on a server:
//   orc jobs list | show NAME|ID | pause NAME | resume NAME
//   orc run NAME [--wait] [--follow]
//   orc runs list [--job NAME] [--status S]
//   orc logs RUN_ID [--follow]
//   orc cancel RUN_ID
// Tables on a terminal, --output json for scripts. `run --wait/--follow` exits 0 when the run
// succeeds and 1 otherwise. Commands that show durations or poll take the Clock they read.
// Each function is one command: it prints its output and returns the process's exit code.
#pragma once

#include <string>

#include "cli/client_support.h"

namespace orc {

int ListJobsCommand(const ClientOptions& options);
int ShowJobCommand(const ClientOptions& options, const std::string& job, const Clock& clock);
int SetJobActiveCommand(const ClientOptions& options, const std::string& job, bool active);

struct RunOptions {
  std::string job;
  bool wait = false;
  bool follow = false;
};
int TriggerRunCommand(const ClientOptions& options, const RunOptions& run, Clock& clock);

struct RunsListOptions {
  std::string job;
  std::string status;
  int limit = 20;
};
int ListRunsCommand(const ClientOptions& options, const RunsListOptions& list, const Clock& clock);

int ShowLogsCommand(const ClientOptions& options, const std::string& run_id, bool follow,
                    Clock& clock);
int CancelRunCommand(const ClientOptions& options, const std::string& run_id);

}  // namespace orc
