// ActiveRun: a run this process holds, as seen by the worker thread executing it and by the
// supervisor thread that renews its lease, enforces task timeouts and relays cancel requests.
//
// The worker announces each task attempt (its Interrupter and deadline); Stop() and Enforce()
// interrupt that attempt. Interrupting again is harmless, and the supervisor repeats it on every
// tick, so an attempt that was just starting a statement when the first interrupt came is still
// stopped.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "common/interrupter.h"
#include "common/status.h"
#include "core/run.h"
#include "plugins/plugin.h"

namespace orc {

// Why a run stopped before its tasks were done. Each reason asks for different handling once the
// run's worker is back: a cancelled run finishes as cancelled, a run stopped by shutdown goes back
// to the queue, and a run whose lease was lost is left to the process that took it over. A timeout
// is not among them: it fails one attempt, which may be retried, and the run goes on.
enum class StopReason {
  kNone,             // the run was not stopped
  kCancelRequested,  // a user asked to cancel the run
  kShutdown,         // orc is shutting down
  kLeaseLost,        // another process took the run over
};

// What the run's log and outcome say about `reason`, e.g. "cancelled by request".
std::string_view Describe(StopReason reason);

// The error an attempt interrupted because its run stopped for `reason` fails with (Cancelled,
// Unavailable or Conflict, with Describe(reason) as the message). Not to be called with kNone.
Status StopError(StopReason reason);

class ActiveRun {
 public:
  explicit ActiveRun(Run run) : run_(std::move(run)) {}

  const Run& run() const { return run_; }

  // Stops the run: interrupts the running attempt with StopError(reason), ends a retry wait, and no
  // further task starts. The first reason wins; kNone is ignored.
  void Stop(StopReason reason);
  // kNone while the run was not stopped.
  StopReason stop_reason() const;

  // The attempt now running, interruptible through `interrupter` until EndAttempt(); it times out
  // at `deadline` (`timeout_s` seconds after its start) when one is given. `task_run` (as saved
  // when the attempt began) and `progress` describe it for ReportProgress().
  void BeginAttempt(Interrupter* interrupter, std::optional<TimePoint> deadline, int timeout_s,
                    const TaskRun& task_run, TaskProgress* progress);
  void EndAttempt();

  // Calls `save` with the running attempt's task run and its counters so far (nothing between
  // attempts). Runs under the lock that EndAttempt() takes, so a progress report is never saved
  // after the attempt's final state.
  void ReportProgress(const std::function<void(const TaskRun&)>& save);

  // Interrupts the running attempt if it passed its deadline or the run was stopped.
  void Enforce(TimePoint now);

  // Ended by Stop(): a worker waiting out a retry delay waits on it.
  WakeSignal& stop_signal() { return stop_signal_; }

 private:
  const Run run_;
  WakeSignal stop_signal_;
  mutable std::mutex mutex_;  // guards the members below
  StopReason stop_reason_ = StopReason::kNone;
  Interrupter* attempt_ = nullptr;
  TaskRun task_run_;
  TaskProgress* progress_ = nullptr;
  std::optional<TimePoint> deadline_;
  int timeout_s_ = 0;
};

}  // namespace orc
