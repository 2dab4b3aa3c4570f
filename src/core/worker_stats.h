// WorkerStats: the counters GET /metrics reports about the workers of one process, and
// WorkerStatsSource, where the API reads them. An interface, so that the API neither links nor
// starts a worker pool; `WorkerManager` implements it.
//
// stats() must be thread-safe and must not block on running work: the API calls it from its
// request threads. It returns a copy; the caller owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace orc {

struct WorkerStats {
  int64_t runs_started = 0;
  std::map<std::string, int64_t> runs_finished;  // by final status
  int64_t rows_loaded = 0;
  int active_runs = 0;
  int workers = 0;
  // Claim latency (claimed_at - max(queued_at, available_at)) and task durations, in seconds:
  // bucket upper bounds -> cumulative counts, plus sums and counts.
  std::vector<double> bucket_bounds;
  std::vector<int64_t> dispatch_buckets;
  double dispatch_sum = 0;
  int64_t dispatch_count = 0;
  std::vector<int64_t> task_buckets;
  double task_sum = 0;
  int64_t task_count = 0;
};

class WorkerStatsSource {
 public:
  virtual ~WorkerStatsSource() = default;

  // The counters as of now.
  virtual WorkerStats stats() const = 0;
};

}  // namespace orc
