#include "common/interrupter.h"

namespace orc {

Interrupter::Registration::~Registration() {
  std::lock_guard lock(owner_->mutex_);
  owner_->callbacks_.erase(id_);
}

Interrupter::Registration Interrupter::OnInterrupt(std::function<void()> on_interrupt) {
  std::lock_guard lock(mutex_);
  const uint64_t id = next_id_++;
  if (interrupted_.load(std::memory_order_relaxed)) {
    on_interrupt();
  } else {
    callbacks_.emplace(id, std::move(on_interrupt));
  }
  return Registration(this, id);
}

void Interrupter::Interrupt(Status reason) {
  std::lock_guard lock(mutex_);
  if (!interrupted_.load(std::memory_order_relaxed)) {
    reason_ = std::move(reason);
    interrupted_.store(true, std::memory_order_release);
  }
  // Run them every time: a statement started after the first interrupt must be stopped too.
  for (auto& [id, callback] : callbacks_) callback();
}

Status Interrupter::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

}  // namespace orc
