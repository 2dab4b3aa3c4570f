// RunHistory: the role of the state store that reads runs and their task runs back, whatever
// their status: the API's run listings and details, the metrics' queue depth, and a worker that
// resumes a run another worker started.
//
// Errors: NotFound (no such run), Unavailable (the store cannot be reached now: try again),
// Internal. Thread safety: all methods are safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/run.h"
#include "state/page.h"

namespace orc {

struct RunFilter {
  int limit = 100;
  int offset = 0;
  std::optional<std::string> job_id;
  std::optional<RunStatus> status;
  std::optional<TriggeredBy> triggered_by;
  // Queued in [queued_from, queued_before). Matched on the run id, which is made from the queue
  // time (UuidV7Floor), so the range is read from the primary key.
  std::optional<TimePoint> queued_from;
  std::optional<TimePoint> queued_before;
  // The page's total counts at most offset + count_beyond matching runs; past that it is capped
  // (total_capped: more match). Counting all of a million runs costs more than reading the page.
  int64_t count_beyond = 10000;
};

class RunHistory {
 public:
  virtual ~RunHistory() = default;

  virtual Result<Run> GetRun(const std::string& run_id) = 0;
  // Newest first: ordered by run_id descending (run ids are time-ordered, to the microsecond).
  virtual Result<Page<Run>> ListRuns(const RunFilter& filter) = 0;
  // The newest run of each job that has one, newest first: one query however many jobs there are
  // (what a job list shows as "last run").
  virtual Result<std::vector<Run>> LatestRunPerJob() = 0;
  // Ordered by task_order; empty for a run that has none or does not exist.
  virtual Result<std::vector<TaskRun>> GetTaskRuns(const std::string& run_id) = 0;
};

}  // namespace orc
