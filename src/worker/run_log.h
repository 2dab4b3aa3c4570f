// RunLog: the log lines of one run, buffered in memory and written to the state store in batches
// (by the supervisor every heartbeat and when the run ends), so that logging never waits for the
// database and a client following GET /runs/{id}/logs still sees a live run within a second.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "core/run.h"

namespace orc {

class RunLogStore;

class RunLog {
 public:
  RunLog(std::string run_id, Clock& clock) : run_id_(std::move(run_id)), clock_(clock) {}

  // Adds a line; `task_name` is empty for run-level lines. Also sent to orc's own log at debug.
  void Add(std::string_view level, std::string task_name, std::string message);

  // Writes the buffered lines. On failure they are kept for the next flush.
  void Flush(RunLogStore& store);

 private:
  const std::string run_id_;
  Clock& clock_;
  std::mutex flush_mutex_;  // one flush at a time, so lines reach the store in order
  std::mutex mutex_;        // guards pending_
  std::vector<RunLogLine> pending_;
};

}  // namespace orc
