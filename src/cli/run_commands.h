// The CLI's commands about runs on a server:
//   orc run NAME [--wait] [--follow]
//   orc runs [list] [--job NAME] [--status S] [--trigger T] [--limit N] [--offset N]
//   orc runs show RUN_ID
//   orc logs RUN_ID [--follow]
//   orc cancel RUN_ID
// Tables for people, --output json for scripts. `run --wait/--follow` exits 0 when the run
// succeeds and 1 otherwise. Commands that show durations or poll take the Clock they read.
// Each function is one command: it prints its result on stdout and notes, the progress line and
// errors on stderr, and returns the process's exit code.
#pragma once

#include <string>

#include "cli/client_support.h"

namespace orc {

struct RunOptions {
  std::string job;
  bool wait = false;
  bool follow = false;
};
int TriggerRunCommand(const ClientOptions& options, const RunOptions& run, Clock& clock);

struct RunsListOptions {
  std::string job;
  std::string status;
  std::string trigger;
  PageOptions page{.limit = 20};
};
int ListRunsCommand(const ClientOptions& options, const RunsListOptions& list, const Clock& clock);
int ShowRunCommand(const ClientOptions& options, const std::string& run_id, const Clock& clock);

int ShowLogsCommand(const ClientOptions& options, const std::string& run_id, bool follow,
                    Clock& clock);
int CancelRunCommand(const ClientOptions& options, const std::string& run_id);

}  // namespace orc
