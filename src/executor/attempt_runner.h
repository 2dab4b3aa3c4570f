// AttemptRunner: what a worker runs its task attempts in. In orc it is the worker's executor
// process (ExecutorProcess); a test may supply one that runs in-process on a script, so that the
// logic around attempts (order, retries, timeouts, cancel, leases) is tested without processes
// or wall time.
//
// A runner runs one attempt at a time and keeps nothing of one attempt for the next beyond what
// the tasks of a run share on purpose (the executor's ":memory:" database). Every failure of the
// attempt, its runner's included, is reported in the TaskReport: Run() does not throw.
//
// Thread safety: one thread at a time (the worker that owns the runner), unless an implementation
// says more.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/interrupter.h"
#include "common/status.h"
#include "executor/executor_protocol.h"

namespace orc {

class AttemptRunner {
 public:
  using LogSink = std::function<void(std::string_view level, std::string message)>;
  using ProgressSink = std::function<void(const TaskCounters& counters)>;

  virtual ~AttemptRunner() = default;

  // Makes the runner ready for its first attempt (Run() would otherwise do it then). Unavailable
  // with the reason when it cannot be made ready.
  virtual Status Start() = 0;

  // Runs `task` and returns its outcome; log lines and progress reach `on_log` and `on_progress`
  // on this thread as they arrive. Once `interrupter` fires the attempt must end promptly, failing
  // with the interrupter's reason unless it finished first.
  virtual TaskReport Run(const TaskAssignment& task, Interrupter& interrupter,
                         const LogSink& on_log, const ProgressSink& on_progress) = 0;

  // How the runner confines the attempts it runs, for the operator ("" when unknown yet).
  virtual const std::string& sandbox() const = 0;
};

}  // namespace orc
