// Run, TaskRun and RunLogLine: what happened when a job ran. Plain values; the state store
// persists them and enforces the legal status changes.
//
//   run:      queued -> running -> success | failed | cancelled
//             queued -> cancelled;  running -> queued (lease expired or released)
//   task run: pending -> running -> success | failed | cancelled; pending -> upstream_failed
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace orc {

enum class RunStatus { kQueued, kRunning, kSuccess, kFailed, kCancelled };
enum class TriggeredBy { kManual, kScheduler, kBackfill };
// kSkipped: a run that retries or clears part of an earlier one does not run this task (its
// earlier result stands, and counts as success for the tasks downstream).
enum class TaskRunStatus {
  kPending,
  kRunning,
  kSuccess,
  kFailed,
  kUpstreamFailed,
  kCancelled,
  kSkipped
};

std::string_view ToString(RunStatus status);
std::string_view ToString(TriggeredBy trigger);
std::string_view ToString(TaskRunStatus status);
std::optional<RunStatus> ParseRunStatus(std::string_view text);
std::optional<TriggeredBy> ParseTriggeredBy(std::string_view text);
std::optional<TaskRunStatus> ParseTaskRunStatus(std::string_view text);

// True for success, failed and cancelled: no later change is allowed.
bool IsFinal(RunStatus status);

struct Run {
  std::string run_id;
  std::string job_id;
  RunStatus status = RunStatus::kQueued;
  TriggeredBy triggered_by = TriggeredBy::kManual;
  std::optional<TimePoint> scheduled_for;  // the schedule slot, for scheduler and backfill runs
  // The data interval the run is for: a scheduled run's is from the slot before its slot to its
  // slot; a manual run's is its caller's, or the job's latest completed interval. Unset for runs
  // queued before orc knew intervals.
  std::optional<TimePoint> interval_start;
  std::optional<TimePoint> interval_end;
  std::string params = "{}";  // JSON object: every declared parameter's value for this run
  std::string retry_of;       // the run this one retries or clears part of; empty for none
  // The tasks this run runs (by name), when it retries or clears part of an earlier run; the
  // others are skipped. Empty: all of them.
  std::vector<std::string> only_tasks;
  TimePoint queued_at{};
  TimePoint available_at{};  // not claimed before this time
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
  std::string error_message;
  std::string lease_owner;  // empty unless running
  std::optional<TimePoint> lease_expires_at;
  int attempt = 0;       // how many times the run was claimed
  int max_attempts = 1;  // claims allowed before a lost run fails ("worker lost")
  bool cancel_requested = false;
  int64_t rows_extracted = 0;
  int64_t rows_loaded = 0;
  TimePoint created_at{};
  TimePoint updated_at{};

  friend bool operator==(const Run&, const Run&) = default;
};

struct TaskRun {
  std::string run_id;
  std::string task_id;
  std::string task_name;
  int task_order = 0;
  TaskRunStatus status = TaskRunStatus::kPending;
  int attempts = 0;
  std::vector<std::string> errors;  // one message per failed attempt, oldest first
  std::string error_message;        // the last error
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
  int64_t rows_extracted = 0;
  int64_t rows_loaded = 0;
  int64_t bytes_read = 0;
  // While a task reads files: their total size (0 when unknown), and the rows read so far where
  // the reader counts them (Parquet; 0 otherwise), for progress before rows are loaded.
  int64_t bytes_total = 0;
  int64_t rows_processed = 0;

  friend bool operator==(const TaskRun&, const TaskRun&) = default;
};

struct RunLogLine {
  int64_t line = 0;  // 1-based, per run; assigned by the state store
  TimePoint time{};
  std::string level = "info";  // debug | info | warn | error
  std::string task_name;       // empty for run-level lines
  std::string message;

  friend bool operator==(const RunLogLine&, const RunLogLine&) = default;
};

}  // namespace orc
