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
                             int timeout_s, const TaskRun& task_run, TaskProgress* progress) {
  std::lock_guard lock(mutex_);
  attempt_ = interrupter;
  task_run_ = task_run;
  progress_ = progress;
  deadline_ = deadline;
  timeout_s_ = timeout_s;
  if (!stop_reason_.ok()) attempt_->Interrupt(stop_reason_);
}

void ActiveRun::EndAttempt() {
  std::lock_guard lock(mutex_);
  attempt_ = nullptr;
  progress_ = nullptr;
  deadline_.reset();
}

void ActiveRun::ReportProgress(const std::function<void(const TaskRun&)>& save) {
  std::lock_guard lock(mutex_);
  if (attempt_ == nullptr || progress_ == nullptr) return;
  TaskRun now = task_run_;
  now.rows_extracted = progress_->rows_extracted.load(std::memory_order_relaxed);
  now.rows_loaded = progress_->rows_loaded.load(std::memory_order_relaxed);
  now.bytes_read = progress_->BytesReadNow();
  save(now);
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
