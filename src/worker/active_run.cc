#include "worker/active_run.h"

namespace orc {

void ActiveRun::Stop(Status reason) {
  {
    std::lock_guard lock(mutex_);
    if (stop_reason_.ok()) stop_reason_ = std::move(reason);
    if (attempt_ != nullptr) attempt_->Interrupt(stop_reason_);
  }
  stop_signal_.Wake();
}

Status ActiveRun::stop_reason() const {
  std::lock_guard lock(mutex_);
  return stop_reason_;
}

void ActiveRun::BeginAttempt(Interrupter* interrupter, std::optional<TimePoint> deadline,
                             int timeout_s) {
  std::lock_guard lock(mutex_);
  attempt_ = interrupter;
  deadline_ = deadline;
  timeout_s_ = timeout_s;
  if (!stop_reason_.ok()) attempt_->Interrupt(stop_reason_);
}

void ActiveRun::EndAttempt() {
  std::lock_guard lock(mutex_);
  attempt_ = nullptr;
  deadline_.reset();
}

void ActiveRun::Enforce(TimePoint now) {
  std::lock_guard lock(mutex_);
  if (attempt_ == nullptr) return;
  if (!stop_reason_.ok()) {
    attempt_->Interrupt(stop_reason_);
  } else if (deadline_ && now >= *deadline_) {
    attempt_->Interrupt(
        DeadlineExceededError("timed out after " + std::to_string(timeout_s_) + " s"));
  }
}

}  // namespace orc
