#include "worker/active_run.h"

namespace orc {

std::string_view Describe(StopReason reason) {
  switch (reason) {
    case StopReason::kNone:
      return "not stopped";
    case StopReason::kCancelRequested:
      return "cancelled by request";
    case StopReason::kShutdown:
      return "orc is shutting down";
    case StopReason::kLeaseLost:
      return "the run's lease was lost: another node took it over, or this node lost contact "
             "with the state database";
  }
  return "stopped";
}

Status StopError(StopReason reason) {
  const std::string message(Describe(reason));
  switch (reason) {
    case StopReason::kShutdown:
      return UnavailableError(message);
    case StopReason::kLeaseLost:
      return ConflictError(message);
    case StopReason::kNone:
    case StopReason::kCancelRequested:
      break;
  }
  return CancelledError(message);
}

void ActiveRun::Stop(StopReason reason) {
  if (reason == StopReason::kNone) return;
  {
    std::lock_guard lock(mutex_);
    if (stop_reason_ == StopReason::kNone) stop_reason_ = reason;
    if (attempt_ != nullptr) attempt_->Interrupt(StopError(stop_reason_));
  }
  stop_signal_.Wake();
}

StopReason ActiveRun::stop_reason() const {
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
  if (stop_reason_ != StopReason::kNone) attempt_->Interrupt(StopError(stop_reason_));
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
  now.bytes_total = progress_->bytes_to_read.load(std::memory_order_relaxed);
  now.rows_processed = progress_->RowsProcessedNow();
  save(now);
}

void ActiveRun::Enforce(TimePoint now) {
  std::lock_guard lock(mutex_);
  if (attempt_ == nullptr) return;
  if (stop_reason_ != StopReason::kNone) {
    attempt_->Interrupt(StopError(stop_reason_));
  } else if (deadline_ && now >= *deadline_) {
    attempt_->Interrupt(
        DeadlineExceededError("timed out after " + std::to_string(timeout_s_) + " s"));
  }
}

}  // namespace orc
