// Interrupter: how a running task is told to stop — by a timeout, a cancel request or shutdown.
//
// Whoever runs the task owns the Interrupter and calls Interrupt(reason) once it must stop; the
// code doing the work either checks interrupted() between steps or, while it blocks in a library
// (a DuckDB query, an HTTP transfer), registers a callback that breaks that call off. The first
// reason given wins and is what the task reports.
//
// Thread safety: all methods are safe from any thread. A callback runs on the thread that calls
// Interrupt() (or, when already interrupted, on the registering thread) and must not block.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "common/status.h"

namespace orc {

class Interrupter {
 public:
  // Unregisters its callback when destroyed; after that the callback is not running and will not
  // run.
  class [[nodiscard]] Registration {
   public:
    Registration(Interrupter* owner, uint64_t id) : owner_(owner), id_(id) {}
    ~Registration();
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    Interrupter* owner_;
    uint64_t id_;
  };

  // Calls `on_interrupt` when Interrupt() is called, or at once when it already was.
  Registration OnInterrupt(std::function<void()> on_interrupt);

  // Records `reason` (a non-OK status: Cancelled, DeadlineExceeded...) unless a reason is already
  // recorded, and runs the registered callbacks.
  void Interrupt(Status reason);

  bool interrupted() const { return interrupted_.load(std::memory_order_acquire); }
  // The first reason given; OK while not interrupted.
  Status reason() const;

 private:
  mutable std::mutex mutex_;  // guards reason_, callbacks_, next_id_; held while callbacks run
  Status reason_;
  std::map<uint64_t, std::function<void()>> callbacks_;
  uint64_t next_id_ = 1;
  std::atomic<bool> interrupted_{false};
};

}  // namespace orc
