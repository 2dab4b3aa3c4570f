// The CLI's commands about runs on a server:
//   orc run NAME [-p NAME=VALUE]... [--interval-start T --interval-end T] [--wait] [--follow]
//   orc runs [list] [--job NAME] [--status S] [--trigger T] [--limit N] [--offset N]
//   orc runs show RUN_ID
//   orc runs retry RUN_ID | clear RUN_ID TASK [--no-downstream]   (rerun_commands.h)
//   orc logs RUN_ID [--follow]
//   orc cancel RUN_ID
// Tables for people, --output json for scripts. `run --wait/--follow` exits 0 when the run
// succeeds and 1 otherwise. Commands that show durations or poll take the Clock they read.
// Each function is one command: it prints its result on stdout and notes, the progress line and
// errors on stderr, and returns the process's exit code.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client_support.h"

namespace orc {

// What a command that queues a run does next: print its id and return, or wait for it.
struct WaitOptions {
  bool wait = false;    // wait for the run to finish; exit 0 only if it succeeds
  bool follow = false;  // also stream its log and, on a terminal, a progress line
};

struct RunOptions {
  std::string job;
  std::vector<std::string> params;  // -p NAME=VALUE, sent as text: the server reads it by type
  std::string interval_start;       // both or neither: the run's data interval
  std::string interval_end;
  WaitOptions then;
};
int TriggerRunCommand(const ClientOptions& options, const RunOptions& run, Clock& clock);

// Prints "queued run ID <description>" for `run`, which a command just queued, on stdout (its
// JSON with --output json) and, as `then` asks, waits for it and prints its summary. Returns the
// exit code: 0 when not waiting or when the run succeeded.
int ReportQueuedRun(ApiClient& client, const ClientOptions& options, const nlohmann::json& run,
                    const std::string& description, const WaitOptions& then, Clock& clock);

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
