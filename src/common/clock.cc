#include "common/clock.h"

#include <algorithm>

namespace orc {

void WakeSignal::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  condition_.notify_all();
}

TimePoint SystemClock::Now() const { return std::chrono::system_clock::now(); }

WaitResult SystemClock::WaitUntil(WakeSignal& signal, TimePoint deadline) {
  std::unique_lock lock(signal.mutex_);
  while (true) {
    if (signal.woken_) {
      signal.woken_ = false;
      return WaitResult::kWoken;
    }
    const Duration remaining = deadline - Now();
    if (remaining <= Duration::zero()) return WaitResult::kDeadlineReached;
    signal.condition_.wait_until(lock, std::chrono::steady_clock::now() + remaining);
  }
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

FakeClock::FakeClock(TimePoint start) : now_ticks_(start.time_since_epoch().count()) {}

TimePoint FakeClock::Now() const { return TimePoint(Duration(now_ticks_.load())); }

// Lock order: FakeClock::mutex_ before WakeSignal::mutex_, and Now() takes no lock. A waiter is
// registered before it checks the time, and holds its signal's mutex from that check until it
// waits, so an Advance() either happens before the check (which then sees the new time) or
// notifies after the waiter is waiting. The waiter unregisters under mutex_, so Advance() never
// touches a signal whose wait has returned.
WaitResult FakeClock::WaitUntil(WakeSignal& signal, TimePoint deadline) {
  Waiter waiter{.signal = &signal, .deadline = deadline};
  {
    std::lock_guard lock(mutex_);
    if (auto_advance_) {
      {
        std::lock_guard signal_lock(signal.mutex_);
        if (signal.woken_) {
          signal.woken_ = false;
          return WaitResult::kWoken;
        }
      }
      if (Now() < deadline) {
        now_ticks_.store(deadline.time_since_epoch().count());
        NotifyWaiters();
      }
      return WaitResult::kDeadlineReached;
    }
    waiters_.push_back(&waiter);
    waiter_added_.notify_all();
  }
  WaitResult result = WaitResult::kDeadlineReached;
  {
    std::unique_lock signal_lock(signal.mutex_);
    while (true) {
      if (signal.woken_) {
        signal.woken_ = false;
        result = WaitResult::kWoken;
        break;
      }
      if (Now() >= deadline) break;
      signal.condition_.wait(signal_lock);
    }
    waiter.released = true;
  }
  std::lock_guard lock(mutex_);
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &waiter));
  return result;
}

void FakeClock::Advance(Duration by) {
  std::lock_guard lock(mutex_);
  now_ticks_.fetch_add(by.count());
  NotifyWaiters();
}

void FakeClock::Set(TimePoint time) {
  std::lock_guard lock(mutex_);
  now_ticks_.store(time.time_since_epoch().count());
  NotifyWaiters();
}

int FakeClock::WaiterCount() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(waiters_.size());
}

bool FakeClock::AwaitWaiters(int count, std::chrono::steady_clock::duration timeout) {
  // Only a new wait can add a sleeper: whatever else changes (time, wakes, returns) removes one.
  std::unique_lock lock(mutex_);
  return waiter_added_.wait_for(lock, timeout, [&] { return SleepingCount() >= count; });
}

void FakeClock::SetAutoAdvance(bool on) {
  std::lock_guard lock(mutex_);
  auto_advance_ = on;
}

int FakeClock::SleepingCount() const {
  int sleeping = 0;
  for (const Waiter* waiter : waiters_) {
    std::lock_guard signal_lock(waiter->signal->mutex_);
    if (!waiter->released && !waiter->signal->woken_ && Now() < waiter->deadline) ++sleeping;
  }
  return sleeping;
}

void FakeClock::NotifyWaiters() {
  for (Waiter* waiter : waiters_) {
    std::lock_guard signal_lock(waiter->signal->mutex_);
    if (Now() >= waiter->deadline) waiter->released = true;
    waiter->signal->condition_.notify_all();
  }
}

}  // namespace orc
