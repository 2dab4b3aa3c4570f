// PostgresDialect: the SqlDialect of PostgreSQL, which writes many transactions at once. Row locks
// keep references whole (no foreign key runs from runs to jobs or from task runs to runs, see
// migration 8); the statements that move runs in or out of `running` count them on their jobs
// themselves (migration 6), in the same statement; and a write that inserts many rows passes them
// as one JSON parameter read by json_to_recordset: one round trip instead of one per row plus
// BEGIN and COMMIT.
#pragma once

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "state/sql/run_columns.h"
#include "state/sql/sql_dialect.h"
#include "state/store_rules.h"

namespace orc {

class PostgresDialect final : public SqlDialect {
 public:
  bool GroupsWrites() const override { return false; }

  std::string_view LockReferencedRow() const override { return " FOR KEY SHARE"; }
  std::string_view LockRowToDelete() const override { return " FOR UPDATE"; }
  std::string_view LockRowToTake() const override { return " FOR UPDATE SKIP LOCKED"; }

  std::string LeavingRunning(Runs runs, std::string_view update) const override {
    return LeavingRunningThen(runs, update, "");
  }

  // SKIP LOCKED lets concurrent claimers pass over each other's candidate runs; then the statement
  // counts the run on its job, where claimers of one job take turns (the job row is held for one
  // statement, and only the job row is waited for: no claimer waits while holding another's). The
  // count is checked again once it is this claimer's turn; a claimer that lost the job's last
  // place gets its candidate back with the claimed columns NULL (a claim made again then passes
  // over that job).
  std::string ClaimRun(std::string_view claim, std::string_view queue_head) const override {
    return JoinSql({"WITH candidate AS (SELECT r.run_id, r.job_id", queue_head,
                    " FOR NO KEY UPDATE OF r SKIP LOCKED), "
                    "counted AS (UPDATE job_concurrency SET active_runs = active_runs + 1 "
                    "WHERE job_id = (SELECT job_id FROM candidate) "
                    "AND active_runs < max_active_runs RETURNING job_id), "
                    "claimed AS (",
                    claim,
                    "(SELECT run_id FROM candidate) AND EXISTS (SELECT 1 FROM counted) "
                    "RETURNING ",
                    kRunColumns, ") SELECT claimed.* FROM candidate LEFT JOIN claimed ON TRUE"});
  }

  SqlAccess RunWithRowsAccess() const override { return SqlAccess::kWrite; }

  // All slots in one statement (10,000 slots: one round trip instead of 10,000), inserted in
  // (job, slot) order so that two schedulers inserting overlapping batches take the unique key's
  // locks in the same order; a slot asked twice keeps its first run, as one statement per slot
  // would. Jobs are locked to share, as InsertQueuedRun's statement does.
  Result<std::vector<SqlRows>> InsertSlots(
      SqlConnection& connection, const std::vector<NewRun>& slots,
      const std::vector<std::string>& run_ids, int64_t now,
      const std::function<Result<SqlRows>(size_t)>& /*insert_one*/) const override {
    const std::string json = SlotsAsJson(slots, run_ids);
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            JoinSql({"INSERT INTO runs (run_id, job_id, status, triggered_by, scheduled_for, "
                     "queued_at, available_at, max_attempts, created_at, updated_at, "
                     "interval_start, interval_end, params, retry_of, only_tasks, notice_pending) "
                     "SELECT s.run_id, j.job_id, 'queued', s.triggered_by::run_trigger, "
                     "s.scheduled_for, $2, COALESCE(s.available_at, $2), j.retry_max_attempts, "
                     "$2, $2, s.interval_start, s.interval_end, s.params, s.retry_of, "
                     "s.only_tasks, TRUE "
                     "FROM json_to_recordset($1::json) AS s(run_id text, job_id text, "
                     "triggered_by text, scheduled_for bigint, available_at bigint, "
                     "interval_start bigint, interval_end bigint, params text, retry_of text, "
                     "only_tasks text, ord integer) "
                     "JOIN jobs j ON j.job_id = s.job_id "
                     "WHERE j.is_active OR s.triggered_by <> 'scheduler' "
                     "ORDER BY s.job_id, s.scheduled_for, s.ord FOR KEY SHARE OF j "
                     "ON CONFLICT (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL "
                     "DO NOTHING RETURNING ",
                     kRunColumns}),
            {json, now}));
    if (rows.size() < slots.size()) {
      // Skipped: slots that have a run, paused jobs' slots, or a job that does not exist.
      ORC_ASSIGN_OR_RETURN(
          SqlRows missing,
          connection.Execute("SELECT s.job_id FROM json_to_recordset($1::json) AS s(job_id text) "
                             "WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.job_id = s.job_id) "
                             "LIMIT 1",
                             {json}));
      if (!missing.empty()) return NoJobError("job_id", missing.Text(0, 0));
    }
    std::vector<SqlRows> inserted;
    inserted.push_back(std::move(rows));
    return inserted;
  }

  void Notify(SqlConnection& connection, std::string_view channel,
              const std::string& payload) const override {
    Result<SqlRows> sent =
        connection.Execute("SELECT pg_notify($1, $2)", {std::string(channel), payload});
    if (!sent.ok()) {
      spdlog::debug("cannot announce a change on {}: {}", channel, sent.status().message());
    }
  }

  // The task runs go in as $8, inserted by a CTE that runs only when the finish changed the run.
  Result<SqlRows> FinishRun(
      SqlConnection& connection, std::string_view finish, std::vector<SqlValue> params,
      const std::vector<TaskRun>& task_runs,
      const std::function<Status(const TaskRun&)>& /*save_one*/) const override {
    if (task_runs.empty()) return connection.Execute(LeavingRunning(Runs::kOne, finish), params);
    params.emplace_back(TaskRunsAsJson(task_runs));
    return connection.Execute(
        LeavingRunningThen(
            Runs::kOne, finish,
            JoinSql({", saved AS (INSERT INTO task_runs (", kTaskRunColumns,
                     ") SELECT t.* FROM json_to_recordset($8::json) AS t(run_id text, "
                     "task_id text, task_name text, task_order integer, status text, "
                     "attempts integer, errors text, error_message text, "
                     "started_at bigint, finished_at bigint, rows_extracted bigint, "
                     "rows_loaded bigint, bytes_read bigint, bytes_total bigint, "
                     "rows_processed bigint) "
                     "WHERE EXISTS (SELECT 1 FROM changed)",
                     kTaskRunUpsert, ")"})),
        params);
  }

  // Numbers and inserts the lines in one statement, the lines passed as $5.
  Result<bool> AppendRunLogs(SqlConnection& connection, const std::string& run_id,
                             const std::vector<RunLogLine>& lines, int64_t cap,
                             const std::string& truncated) const override {
    const int64_t count = static_cast<int64_t>(lines.size());
    ORC_ASSIGN_OR_RETURN(
        SqlRows numbered,
        connection.Execute(
            "WITH numbered AS (UPDATE runs SET log_lines = log_lines + $2 WHERE run_id = $1 "
            "RETURNING log_lines - $2 AS before), "
            "saved AS (INSERT INTO run_logs (run_id, line, logged_at, level, task_name, "
            "message) SELECT $1, n.before + l.n, l.logged_at, "
            "CASE WHEN n.before + l.n = $3 THEN 'warn' ELSE l.level END, "
            "CASE WHEN n.before + l.n = $3 THEN '' ELSE l.task_name END, "
            "CASE WHEN n.before + l.n = $3 THEN $4 ELSE l.message END "
            "FROM numbered n, ROWS FROM (json_to_recordset($5::json) AS (logged_at bigint, "
            "level text, task_name text, message text)) WITH ORDINALITY "
            "AS l(logged_at, level, task_name, message, n) "
            "WHERE n.before + l.n <= $3) "
            "SELECT before FROM numbered",
            {run_id, count, cap, truncated, RunLogLinesAsJson(lines)}));
    return !numbered.empty();
  }

 private:
  // `update` in a CTE named `changed`, then the count, then `more` CTEs (each starting with a
  // comma); returns the rows of `changed`. One run's count needs no grouping (a cheaper plan, on
  // every finish).
  static std::string LeavingRunningThen(Runs runs, std::string_view update, std::string_view more) {
    const std::string_view uncounted =
        runs == Runs::kOne
            ? "UPDATE job_concurrency SET active_runs = active_runs - 1 "
              "WHERE job_id = (SELECT job_id FROM changed)"
            : "UPDATE job_concurrency SET active_runs = active_runs - c.runs "
              "FROM (SELECT job_id, COUNT(*) AS runs FROM changed GROUP BY job_id) c "
              "WHERE job_concurrency.job_id = c.job_id";
    return JoinSql({"WITH changed AS (", update, "), uncounted AS (", uncounted, ")", more,
                    " SELECT * FROM changed"});
  }

  // The task runs as a JSON array of objects named like the task_runs columns (errors as the JSON
  // text stored in its column).
  static std::string TaskRunsAsJson(const std::vector<TaskRun>& task_runs) {
    nlohmann::json rows = nlohmann::json::array();
    auto time = [](const std::optional<TimePoint>& value) {
      return value ? nlohmann::json(ToStoredTime(*value)) : nlohmann::json();
    };
    for (const TaskRun& task_run : task_runs) {
      rows.push_back({{"run_id", task_run.run_id},
                      {"task_id", task_run.task_id},
                      {"task_name", task_run.task_name},
                      {"task_order", task_run.task_order},
                      {"status", ToString(task_run.status)},
                      {"attempts", task_run.attempts},
                      {"errors", nlohmann::json(task_run.errors).dump()},
                      {"error_message", task_run.error_message},
                      {"started_at", time(task_run.started_at)},
                      {"finished_at", time(task_run.finished_at)},
                      {"rows_extracted", task_run.rows_extracted},
                      {"rows_loaded", task_run.rows_loaded},
                      {"bytes_read", task_run.bytes_read},
                      {"bytes_total", task_run.bytes_total},
                      {"rows_processed", task_run.rows_processed}});
    }
    return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  // The slots as a JSON array of objects named like the columns InsertSlots reads.
  static std::string SlotsAsJson(const std::vector<NewRun>& slots,
                                 const std::vector<std::string>& run_ids) {
    auto time = [](const std::optional<TimePoint>& at) {
      return at ? nlohmann::json(ToStoredTime(*at)) : nlohmann::json(nullptr);
    };
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < slots.size(); ++i) {
      const NewRun& slot = slots[i];
      rows.push_back({{"run_id", run_ids[i]},
                      {"job_id", slot.job_id},
                      {"triggered_by", ToString(slot.triggered_by)},
                      {"scheduled_for", time(slot.scheduled_for)},
                      {"available_at", time(slot.available_at)},
                      {"interval_start", time(slot.interval_start)},
                      {"interval_end", time(slot.interval_end)},
                      {"params", slot.params},
                      {"retry_of", slot.retry_of},
                      {"only_tasks", nlohmann::json(slot.only_tasks).dump()},
                      {"ord", i}});
    }
    return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  // The log lines as a JSON array of objects named like the run_logs columns.
  static std::string RunLogLinesAsJson(const std::vector<RunLogLine>& lines) {
    nlohmann::json rows = nlohmann::json::array();
    for (const RunLogLine& line : lines) {
      rows.push_back({{"logged_at", ToStoredTime(line.time)},
                      {"level", line.level},
                      {"task_name", line.task_name},
                      {"message", line.message}});
    }
    return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
};

}  // namespace orc
