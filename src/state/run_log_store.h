// RunLogStore: the role of the state store that keeps each run's log lines. A worker's RunLog
// appends them in batches; the API serves them (GET /runs/{id}/logs).
//
// Errors: NotFound (no such run), Unavailable (the store cannot be reached now: try again),
// Internal. Thread safety: all methods are safe to call concurrently; concurrent appends to one
// run take disjoint ranges of line numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/run.h"

namespace orc {

class RunLogStore {
 public:
  virtual ~RunLogStore() = default;

  // Appends lines, numbering them after the run's last line. Past max_log_lines_per_run lines are
  // dropped and the last kept line says so.
  virtual Status AppendRunLogs(const std::string& run_id, const std::vector<RunLogLine>& lines) = 0;
  // Lines numbered after `after_line`, oldest first, at most `limit`; empty for a run that has
  // none or does not exist.
  virtual Result<std::vector<RunLogLine>> GetRunLogs(const std::string& run_id, int64_t after_line,
                                                     int limit) = 0;
};

}  // namespace orc
