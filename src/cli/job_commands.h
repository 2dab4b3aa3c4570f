// The CLI's commands about jobs on a server:
//   orc jobs [list] [--limit N] [--offset N]
//   orc jobs show NAME|ID
//   orc jobs pause NAME | resume NAME | delete NAME
//   orc backfill NAME --from TIME --to TIME
// Each function is one command: it prints its result on stdout (a table, a job file, or with
// --output json the API's JSON), notes and errors on stderr, and returns the process's exit code.
#pragma once

#include <string>

#include "cli/client_support.h"

namespace orc {

int ListJobsCommand(const ClientOptions& options, const PageOptions& page);
// stdout is the job as a job file (`orc apply -f` takes it back unchanged); its recent runs go
// to stderr, so `orc jobs show NAME > job.yaml` writes nothing else into the file.
int ShowJobCommand(const ClientOptions& options, const std::string& job, const Clock& clock);
int SetJobActiveCommand(const ClientOptions& options, const std::string& job, bool active);
int DeleteJobCommand(const ClientOptions& options, const std::string& job);

struct BackfillOptions {
  std::string job;
  std::string from;  // RFC 3339; slots at or after it
  std::string to;    // RFC 3339; slots at or before it
};
// Queues a run for each of the job's schedule slots from `from` to `to` that has none yet.
int BackfillCommand(const ClientOptions& options, const BackfillOptions& backfill);

}  // namespace orc
