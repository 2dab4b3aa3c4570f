// Clock: where orc's time-driven code (scheduler, leases, retries, timeouts) reads the time and
// waits for it.
//
// Nothing outside this file calls std::chrono::system_clock::now() or sleeps for wall time on
// its own: components take a Clock& so tests can drive a FakeClock and never wait for real time.
//
// Waiting goes through a WakeSignal owned by the waiting component. WaitUntil() returns when the
// clock reaches the deadline or when someone calls Wake() on the signal (e.g. the scheduler is told
// that a job changed), whichever comes first. A Wake() that arrives while nobody is waiting is
// remembered and ends the next wait at once, so no wake-up is lost between deciding to wait and
// waiting.
//
// Thread safety: every method of every class here is safe to call from any thread. The caller
// owns its WakeSignal, which must outlive the WaitUntil() calls that use it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace orc {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class WakeSignal {
 public:
  // Ends the current or the next WaitUntil() on this signal.
  void Wake();

 private:
  friend class SystemClock;
  friend class FakeClock;

  std::mutex mutex_;
  std::condition_variable condition_;
  bool woken_ = false;  // guarded by mutex_; consumed by the wait it ends
};

enum class WaitResult { kDeadlineReached, kWoken };

class Clock {
 public:
  virtual ~Clock() = default;

  // The current time (UTC).
  virtual TimePoint Now() const = 0;

  // Blocks until Now() >= deadline (kDeadlineReached) or signal.Wake() is called (kWoken).
  // A deadline in the past returns at once.
  virtual WaitResult WaitUntil(WakeSignal& signal, TimePoint deadline) = 0;
};

// The real wall clock. Waits are measured on the monotonic clock, so a wall-clock step does not
// stretch a wait; the deadline is re-checked against the wall clock before returning.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
  WaitResult WaitUntil(WakeSignal& signal, TimePoint deadline) override;

  // A process-wide instance, for code that is handed no other clock.
  static SystemClock& Instance();
};

// A clock that moves only when told. Starts at `start`. Waiters are released by Advance()/Set()
// once the time passes their deadline.
//
// A test learns that the threads under test have done what a change set off, and are asleep
// again, through AwaitWaiters() instead of sleeping for real time. With auto-advance on, a wait
// takes no real time at all: the clock jumps to its deadline, for code that waits on the test's
// own thread (retry delays).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start);

  TimePoint Now() const override;
  WaitResult WaitUntil(WakeSignal& signal, TimePoint deadline) override;

  void Advance(Duration by);
  // Moves the clock to `time`; moving it backwards is allowed (to test wall-clock steps).
  void Set(TimePoint time);

  // How many threads are inside WaitUntil() now, including those released but not yet returned.
  int WaiterCount() const;

  // Blocks until at least `count` threads are asleep in WaitUntil(): their deadline is ahead and
  // their signal was not woken, so they stay put until the clock moves or the signal is woken. A
  // thread released by Advance(), Set() or Wake() stops counting at once, before it runs again:
  // awaiting a component's waiters after releasing it returns once it has done its work and gone
  // back to sleep. Returns false when that does not happen within `timeout` of real time (the
  // component is stuck or busy), so that a test fails instead of hanging.
  [[nodiscard]] bool AwaitWaiters(
      int count, std::chrono::steady_clock::duration timeout = std::chrono::seconds(30));

  // With auto-advance on, a WaitUntil() whose signal was not woken moves the clock to its deadline
  // (when that is ahead) and returns kDeadlineReached at once, as if the wait had taken its whole
  // time. Off by default.
  void SetAutoAdvance(bool on);

 private:
  // A thread inside WaitUntil(); lives on that thread's stack.
  struct Waiter {
    WakeSignal* signal;
    TimePoint deadline;
    bool released = false;  // guarded by signal->mutex_: the wait is over, the thread is leaving
  };

  // Releases the waiters whose deadline the time has reached and notifies all of them.
  void NotifyWaiters();
  int SleepingCount() const;

  // The time, as ticks since the epoch. Atomic so that Now() takes no lock: a waiter reads it
  // while holding its signal's mutex.
  std::atomic<Duration::rep> now_ticks_;
  mutable std::mutex mutex_;  // serializes Advance/Set and guards waiters_ and auto_advance_
  std::condition_variable waiter_added_;  // notified under mutex_ when a thread starts a wait
  std::vector<Waiter*> waiters_;          // the threads inside WaitUntil()
  bool auto_advance_ = false;
};

}  // namespace orc
