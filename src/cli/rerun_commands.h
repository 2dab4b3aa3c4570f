// The CLI's commands that run part of a finished run again, in a new run of the same job, data
// interval and parameters:
//   orc runs retry RUN_ID [--wait] [--follow]               the tasks that did not succeed, and
//                                                           those downstream of them
//   orc runs clear RUN_ID TASK [--no-downstream] [--wait] [--follow]   one task (and, by
//                                                           default, those downstream of it)
// The other tasks of the new run show as skipped. Each prints the new run's id (as `orc run`
// does) and returns the process's exit code; the server's refusal (a run still going, a run whose
// tasks all succeeded, an unknown task) is printed with its message.
#pragma once

#include <string>

#include "cli/client_support.h"
#include "cli/run_commands.h"

namespace orc {

int RetryRunCommand(const ClientOptions& options, const std::string& run_id,
                    const WaitOptions& then, Clock& clock);

struct ClearOptions {
  std::string run_id;
  std::string task;
  bool downstream = true;  // --no-downstream clears the task alone
  WaitOptions then;
};
int ClearTaskCommand(const ClientOptions& options, const ClearOptions& clear, Clock& clock);

}  // namespace orc
