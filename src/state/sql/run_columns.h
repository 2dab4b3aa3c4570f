// The columns of runs and task_runs in the order the state store reads them (RunFromRow,
// TaskRunFromRow), and the upsert that saves a task run again: shared by SqlStateStore and its
// dialects, which build statements that return or insert these rows.
#pragma once

#include <string_view>

namespace orc {

constexpr std::string_view kRunColumns =
    "run_id, job_id, status, triggered_by, scheduled_for, queued_at, available_at, started_at, "
    "finished_at, error_message, lease_owner, lease_expires_at, attempt, max_attempts, "
    "cancel_requested, rows_extracted, rows_loaded, created_at, updated_at, interval_start, "
    "interval_end, params, retry_of, only_tasks";

constexpr std::string_view kTaskRunColumns =
    "run_id, task_id, task_name, task_order, status, attempts, errors, error_message, started_at, "
    "finished_at, rows_extracted, rows_loaded, bytes_read, bytes_total, rows_processed";

// Follows an INSERT INTO task_runs (kTaskRunColumns): a task run saved before is overwritten.
constexpr std::string_view kTaskRunUpsert =
    " ON CONFLICT (run_id, task_id) DO UPDATE SET "
    "task_name = excluded.task_name, task_order = excluded.task_order, "
    "status = excluded.status, attempts = excluded.attempts, errors = excluded.errors, "
    "error_message = excluded.error_message, started_at = excluded.started_at, "
    "finished_at = excluded.finished_at, rows_extracted = excluded.rows_extracted, "
    "rows_loaded = excluded.rows_loaded, bytes_read = excluded.bytes_read, "
    "bytes_total = excluded.bytes_total, rows_processed = excluded.rows_processed";

}  // namespace orc
