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

#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/interrupter.h"
#include "common/status.h"
#include "core/run.h"

namespace orc {

class ActiveRun {
 public:
  explicit ActiveRun(Run run) : run_(std::move(run)) {}

  const Run& run() const { return run_; }

  // Stops the run: interrupts the running attempt with `reason`, ends a retry wait, and no further
  // task starts. The first reason wins: Cancelled for a cancel request, Unavailable for shutdown,
  // Conflict when another process took the run over (its lease was lost).
  void Stop(Status reason);
  // OK while the run was not stopped.
  Status stop_reason() const;

  // The attempt now running, interruptible through `interrupter` until EndAttempt(); it times out
  // at `deadline` (`timeout_s` seconds after its start) when one is given.
  void BeginAttempt(Interrupter* interrupter, std::optional<TimePoint> deadline, int timeout_s);
  void EndAttempt();

  // Interrupts the running attempt if it passed its deadline or the run was stopped.
  void Enforce(TimePoint now);

  // Ended by Stop(): a worker waiting out a retry delay waits on it.
  WakeSignal& stop_signal() { return stop_signal_; }

 private:
  const Run run_;
  WakeSignal stop_signal_;
  mutable std::mutex mutex_;  // guards the members below
  Status stop_reason_;
  Interrupter* attempt_ = nullptr;
  std::optional<TimePoint> deadline_;
  int timeout_s_ = 0;
};

}  // namespace orc
