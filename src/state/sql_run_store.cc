// SqlStateStore: runs, task runs and run logs.
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "common/uuid.h"
#include "state/change_feed.h"
#include "state/sql/run_columns.h"
#include "state/sql_state_store.h"
#include "state/store_rules.h"

namespace orc {
namespace {

constexpr std::string_view kFinishRun =
    "UPDATE runs SET status = $3, finished_at = $4, error_message = $5, rows_extracted = $6, "
    "rows_loaded = $7, lease_owner = '', lease_expires_at = NULL, updated_at = $4 "
    "WHERE run_id = $1 AND status = 'running' AND lease_owner = $2 RETURNING ";

Run RunFromRow(const SqlRows& rows, size_t r) {
  Run run;
  run.run_id = rows.Text(r, 0);
  run.job_id = rows.Text(r, 1);
  run.status = ParseRunStatus(rows.Text(r, 2)).value_or(RunStatus::kFailed);
  run.triggered_by = ParseTriggeredBy(rows.Text(r, 3)).value_or(TriggeredBy::kManual);
  run.scheduled_for = rows.OptionalTime(r, 4);
  run.queued_at = rows.Time(r, 5);
  run.available_at = rows.Time(r, 6);
  run.started_at = rows.OptionalTime(r, 7);
  run.finished_at = rows.OptionalTime(r, 8);
  run.error_message = rows.Text(r, 9);
  run.lease_owner = rows.Text(r, 10);
  run.lease_expires_at = rows.OptionalTime(r, 11);
  run.attempt = static_cast<int>(rows.Int(r, 12));
  run.max_attempts = static_cast<int>(rows.Int(r, 13));
  run.cancel_requested = rows.Bool(r, 14);
  run.rows_extracted = rows.Int(r, 15);
  run.rows_loaded = rows.Int(r, 16);
  run.created_at = rows.Time(r, 17);
  run.updated_at = rows.Time(r, 18);
  run.interval_start = rows.OptionalTime(r, 19);
  run.interval_end = rows.OptionalTime(r, 20);
  run.params = rows.Text(r, 21);
  run.retry_of = rows.Text(r, 22);
  run.only_tasks = DecodeStringArray(rows.Text(r, 23));
  return run;
}

TaskRun TaskRunFromRow(const SqlRows& rows, size_t r) {
  TaskRun task_run;
  task_run.run_id = rows.Text(r, 0);
  task_run.task_id = rows.Text(r, 1);
  task_run.task_name = rows.Text(r, 2);
  task_run.task_order = static_cast<int>(rows.Int(r, 3));
  task_run.status = ParseTaskRunStatus(rows.Text(r, 4)).value_or(TaskRunStatus::kFailed);
  task_run.attempts = static_cast<int>(rows.Int(r, 5));
  task_run.errors = DecodeStringArray(rows.Text(r, 6));
  task_run.error_message = rows.Text(r, 7);
  task_run.started_at = rows.OptionalTime(r, 8);
  task_run.finished_at = rows.OptionalTime(r, 9);
  task_run.rows_extracted = rows.Int(r, 10);
  task_run.rows_loaded = rows.Int(r, 11);
  task_run.bytes_read = rows.Int(r, 12);
  task_run.bytes_total = rows.Int(r, 13);
  task_run.rows_processed = rows.Int(r, 14);
  return task_run;
}

}  // namespace

Status SqlStateStore::NotHeldError(SqlConnection& connection, const std::string& run_id,
                                   const std::string& owner) {
  ORC_ASSIGN_OR_RETURN(
      SqlRows rows,
      connection.Execute("SELECT status, lease_owner FROM runs WHERE run_id = $1", {run_id}));
  if (rows.empty()) return NoRunError(run_id);
  const std::string status = rows.Text(0, 0);
  if (status != "running") {
    return ConflictError("run '" + run_id + "' is " + status + ", not running");
  }
  return ConflictError("run '" + run_id + "' is held by '" + rows.Text(0, 1) + "', not by '" +
                       owner + "'");
}

Result<SqlRows> SqlStateStore::InsertQueuedRun(SqlConnection& connection, const NewRun& new_run,
                                               TimePoint now, std::string_view on_conflict,
                                               const std::string& run_id) const {
  // max_attempts: how often a run whose worker vanished is handed out again before it fails.
  // Run ids are time-ordered (UUIDv7): runs are inserted in time order, so the table and its
  // indexes grow at one end. Its notice is pending: the notifier alerts once it finished. A paused
  // job gets no scheduled run, whichever scheduler asks and whenever it learnt of the pause.
  return connection.Execute(
      JoinSql({"INSERT INTO runs (run_id, job_id, status, triggered_by, scheduled_for, queued_at, "
               "available_at, max_attempts, created_at, updated_at, interval_start, interval_end, "
               "params, retry_of, only_tasks, notice_pending) "
               "SELECT $1, job_id, 'queued', $2, $3, $4, $5, retry_max_attempts, $4, $4, $7, $8, "
               "$9, $10, $11, TRUE FROM jobs WHERE job_id = $6 AND (is_active OR NOT $12)",
               dialect_->LockReferencedRow(), on_conflict, " RETURNING ", kRunColumns}),
      {run_id.empty() ? NewUuidV7(now) : run_id, std::string(ToString(new_run.triggered_by)),
       NullableTime(new_run.scheduled_for), ToStoredTime(now),
       ToStoredTime(new_run.available_at.value_or(now)), new_run.job_id,
       NullableTime(new_run.interval_start), NullableTime(new_run.interval_end), new_run.params,
       new_run.retry_of, nlohmann::json(new_run.only_tasks).dump(),
       new_run.triggered_by == TriggeredBy::kScheduler});
}

Result<Run> SqlStateStore::InsertRun(SqlConnection& connection, const NewRun& new_run,
                                     TimePoint now) const {
  Result<SqlRows> inserted = InsertQueuedRun(connection, new_run, now, "");
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return SlotTakenError(new_run);
  }
  ORC_RETURN_IF_ERROR(inserted.status());
  if (inserted->empty()) return NoJobError("job_id", new_run.job_id);
  dialect_->Notify(connection, kRunsChannel, "");
  return RunFromRow(*inserted, 0);
}

Result<Run> SqlStateStore::EnqueueRun(const NewRun& new_run) {
  const TimePoint now = clock_.Now();
  Result<Run> run = NotFoundError("");
  ORC_RETURN_IF_ERROR(WithConnection(Access::kWrite, [&](SqlConnection& connection) {
    run = InsertRun(connection, new_run, now);
    return run.status();
  }));
  return run;
}

Result<std::vector<Run>> SqlStateStore::InsertSlots(SqlConnection& connection,
                                                    const std::vector<NewRun>& new_runs,
                                                    TimePoint now) const {
  std::vector<std::string> run_ids;
  run_ids.reserve(new_runs.size());
  for (const NewRun& new_run : new_runs) {
    if (!new_run.scheduled_for) return InvalidArgumentError("a slot needs scheduled_for");
    run_ids.push_back(NewUuidV7(now));
  }
  constexpr std::string_view kSkipTakenSlot =
      " ON CONFLICT (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING";
  ORC_ASSIGN_OR_RETURN(
      std::vector<SqlRows> inserted,
      dialect_->InsertSlots(
          connection, new_runs, run_ids, ToStoredTime(now), [&](size_t i) -> Result<SqlRows> {
            ORC_ASSIGN_OR_RETURN(SqlRows rows, InsertQueuedRun(connection, new_runs[i], now,
                                                               kSkipTakenSlot, run_ids[i]));
            if (rows.empty()) {
              // Nothing inserted: the slot had a run already, the job is paused, or it does not
              // exist.
              ORC_ASSIGN_OR_RETURN(
                  SqlRows job,
                  connection.Execute("SELECT 1 FROM jobs WHERE job_id = $1", {new_runs[i].job_id}));
              if (job.empty()) return NoJobError("job_id", new_runs[i].job_id);
            }
            return rows;
          }));
  // In the order asked.
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < run_ids.size(); ++i) order[run_ids[i]] = i;
  std::vector<std::pair<size_t, Run>> created;
  for (const SqlRows& rows : inserted) {
    for (size_t r = 0; r < rows.size(); ++r) {
      Run run = RunFromRow(rows, r);
      created.emplace_back(order.at(run.run_id), std::move(run));
    }
  }
  std::sort(created.begin(), created.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Run> runs;
  runs.reserve(created.size());
  for (auto& [index, run] : created) runs.push_back(std::move(run));
  if (!runs.empty()) dialect_->Notify(connection, kRunsChannel, "");
  return runs;
}

Result<std::vector<Run>> SqlStateStore::EnqueueSlots(const std::vector<NewRun>& new_runs) {
  const TimePoint now = clock_.Now();
  std::vector<Run> created;
  if (new_runs.empty()) return created;
  ORC_RETURN_IF_ERROR(
      WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
        ORC_ASSIGN_OR_RETURN(created, InsertSlots(connection, new_runs, now));
        return Status::Ok();
      }));
  return created;
}

Result<std::map<std::string, TimePoint>> SqlStateStore::LatestSlots() {
  std::map<std::string, TimePoint> latest;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(SqlRows rows,
                         connection.Execute("SELECT job_id, max(scheduled_for) FROM runs "
                                            "WHERE scheduled_for IS NOT NULL GROUP BY job_id",
                                            {}));
    latest.clear();
    for (size_t r = 0; r < rows.size(); ++r) latest[rows.Text(r, 0)] = rows.Time(r, 1);
    return Status::Ok();
  }));
  return latest;
}

Result<std::optional<Run>> SqlStateStore::ClaimRun(const std::string& owner, Duration lease) {
  // The oldest due queued run whose job is under its max_active_runs, marked running. The outer
  // UPDATE finds the run by its id alone: naming its status too would let the planner read it from
  // the queue index, dead entries and all.
  constexpr std::string_view kClaim =
      "UPDATE runs SET status = 'running', lease_owner = $1, lease_expires_at = $2, "
      "started_at = COALESCE(started_at, $3), attempt = attempt + 1, updated_at = $3 "
      "WHERE run_id = ";
  constexpr std::string_view kQueueHead =
      " FROM runs r JOIN job_concurrency j ON j.job_id = r.job_id "
      "WHERE r.status = 'queued' AND r.available_at <= $3 AND j.active_runs < j.max_active_runs "
      "ORDER BY r.available_at, r.queued_at, r.run_id LIMIT 1";
  // The dialect counts the run on its job; where claimers race for a job's last place, the loser
  // gets a row of NULLs and tries again.
  const std::string claim = dialect_->ClaimRun(kClaim, kQueueHead);
  std::optional<Run> claimed;
  bool lost_the_race = false;
  const Status status = WithConnection(
      Access::kWrite,
      [&](SqlConnection& connection) -> Status {
        claimed.reset();
        const TimePoint now = clock_.Now();
        ORC_ASSIGN_OR_RETURN(
            SqlRows rows,
            connection.Execute(claim, {owner, ToStoredTime(now + lease), ToStoredTime(now)}));
        lost_the_race = !rows.empty() && rows.IsNull(0, 0);
        if (lost_the_race) return UnavailableError("another claimer took the job's last place");
        if (!rows.empty()) claimed = RunFromRow(rows, 0);
        return Status::Ok();
      },
      Commit::kBookkeeping);
  // Losing the race again and again: other claimers are taking the work, there is none left now.
  if (!status.ok() && !lost_the_race) return status;
  return claimed;
}

Result<LeaseState> SqlStateStore::RenewLease(const std::string& run_id, const std::string& owner,
                                             Duration lease) {
  LeaseState state;
  ORC_RETURN_IF_ERROR(WithConnection(
      Access::kWrite,
      [&](SqlConnection& connection) -> Status {
        const TimePoint now = clock_.Now();
        state.expires_at = now + lease;
        ORC_ASSIGN_OR_RETURN(
            SqlRows rows,
            connection.Execute("UPDATE runs SET lease_expires_at = $3, updated_at = $4 "
                               "WHERE run_id = $1 AND status = 'running' AND lease_owner = $2 "
                               "RETURNING cancel_requested",
                               {run_id, owner, ToStoredTime(state.expires_at), ToStoredTime(now)}));
        if (rows.empty()) return NotHeldError(connection, run_id, owner);
        state.cancel_requested = rows.Bool(0, 0);
        return Status::Ok();
      },
      Commit::kBookkeeping));
  return state;
}

Result<Run> SqlStateStore::FinishRun(const std::string& run_id, const std::string& owner,
                                     const RunOutcome& outcome) {
  ORC_RETURN_IF_ERROR(CheckOutcome(run_id, outcome));
  Result<Run> run = NotFoundError("");
  // With task runs, the finish and the task runs commit together: in one statement or in one
  // transaction, as the dialect does it.
  const Access access = outcome.task_runs.empty() ? Access::kWrite : dialect_->RunWithRowsAccess();
  ORC_RETURN_IF_ERROR(WithConnection(
      access,
      [&](SqlConnection& connection) -> Status {
        const int64_t now = ToStoredTime(clock_.Now());
        // Built one by one: GCC 12 misreads a braced list of variants here as uninitialized.
        std::vector<SqlValue> params;
        params.reserve(8);
        params.emplace_back(run_id);
        params.emplace_back(owner);
        params.emplace_back(std::string(ToString(outcome.status)));
        params.emplace_back(now);
        params.emplace_back(outcome.error_message);
        params.emplace_back(outcome.rows_extracted);
        params.emplace_back(outcome.rows_loaded);
        Result<SqlRows> rows = dialect_->FinishRun(
            connection, JoinSql({kFinishRun, kRunColumns}), std::move(params), outcome.task_runs,
            [&](const TaskRun& task_run) { return UpsertTaskRun(connection, task_run); });
        ORC_RETURN_IF_ERROR(rows.status());
        if (rows->empty()) return NotHeldError(connection, run_id, owner);
        run = RunFromRow(*rows, 0);
        return Status::Ok();
      },
      Commit::kBookkeeping));
  return run;
}

Status SqlStateStore::ReleaseRun(const std::string& run_id, const std::string& owner) {
  return WithConnection(
      Access::kWrite,
      [&](SqlConnection& connection) -> Status {
        const int64_t now = ToStoredTime(clock_.Now());
        ORC_ASSIGN_OR_RETURN(
            SqlRows rows,
            connection.Execute(
                dialect_->LeavingRunning(
                    SqlDialect::Runs::kOne,
                    "UPDATE runs SET status = 'queued', available_at = $3, "
                    "attempt = attempt - 1, lease_owner = '', lease_expires_at = NULL, "
                    "updated_at = $3 "
                    "WHERE run_id = $1 AND status = 'running' AND lease_owner = $2 "
                    "RETURNING run_id, job_id"),
                {run_id, owner, now}));
        if (rows.empty()) return NotHeldError(connection, run_id, owner);
        dialect_->Notify(connection, kRunsChannel, "");
        return Status::Ok();
      },
      Commit::kBookkeeping);
}

Result<Run> SqlStateStore::RequestCancel(const std::string& run_id) {
  Result<Run> run = NotFoundError("");
  ORC_RETURN_IF_ERROR(WithConnection(Access::kWrite, [&](SqlConnection& connection) -> Status {
    const int64_t now = ToStoredTime(clock_.Now());
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            JoinSql({"UPDATE runs SET "
                     "status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, "
                     "finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END, "
                     "error_message = CASE WHEN status = 'queued' THEN 'cancelled while queued' "
                     "ELSE error_message END, "
                     "cancel_requested = TRUE, updated_at = $2 "
                     "WHERE run_id = $1 AND status IN ('queued', 'running') RETURNING ",
                     kRunColumns}),
            {run_id, now}));
    if (!rows.empty()) {
      run = RunFromRow(rows, 0);
      // Its owner may be another process: it stops the run now rather than at its next heartbeat.
      if (run->status == RunStatus::kRunning) dialect_->Notify(connection, kCancelChannel, run_id);
      return Status::Ok();
    }
    ORC_ASSIGN_OR_RETURN(SqlRows current,
                         connection.Execute("SELECT status FROM runs WHERE run_id = $1", {run_id}));
    if (current.empty()) return NoRunError(run_id);
    return ConflictError("run '" + run_id + "' already finished (" + current.Text(0, 0) + ")");
  }));
  return run;
}

Result<ReclaimedRuns> SqlStateStore::ReclaimExpiredLeases(Duration node_timeout) {
  // A run's worker is lost when its lease expired or when its owner is a node whose heartbeat
  // stopped ($2). The runs_lease index holds only the running runs.
  constexpr std::string_view kLost =
      "lease_expires_at IS NOT NULL AND (lease_expires_at < $1 OR lease_owner IN "
      "(SELECT node_id FROM nodes WHERE heartbeat_at < $2))";
  const TimePoint now_time = clock_.Now();
  const int64_t now = ToStoredTime(now_time);
  const int64_t silent_since = ToStoredTime(now_time - node_timeout);
  // Look first: every worker process asks every second, and nearly always nothing is lost.
  bool any_lost = false;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(JoinSql({"SELECT run_id FROM runs WHERE ", kLost, " LIMIT 1"}),
                           {now, silent_since}));
    any_lost = !rows.empty();
    return Status::Ok();
  }));
  ReclaimedRuns reclaimed;
  if (!any_lost) return reclaimed;
  ORC_RETURN_IF_ERROR(WithConnection(
      Access::kTransaction,
      [&](SqlConnection& connection) -> Status {
        reclaimed = {};
        // A run whose cancel was requested ends cancelled; one out of attempts ends failed; the
        // rest are queued again. One statement per outcome: each sets a constant status (a
        // status chosen by CASE would be text, which PostgreSQL's enum column does not take).
        const std::string end =
            JoinSql({"finished_at = $1, lease_owner = '', lease_expires_at = NULL, updated_at = $1 "
                     "WHERE status = 'running' AND ",
                     kLost, " AND "});
        ORC_ASSIGN_OR_RETURN(
            SqlRows cancelled,
            connection.Execute(
                dialect_->LeavingRunning(
                    SqlDialect::Runs::kMany,
                    JoinSql({"UPDATE runs SET status = 'cancelled', error_message = "
                             "'cancelled (its worker ' || lease_owner || ' was lost)', ",
                             end, "cancel_requested RETURNING run_id, job_id"})),
                {now, silent_since}));
        for (size_t r = 0; r < cancelled.size(); ++r) {
          reclaimed.cancelled.push_back(cancelled.Text(r, 0));
        }
        ORC_ASSIGN_OR_RETURN(
            SqlRows failed,
            connection.Execute(
                dialect_->LeavingRunning(
                    SqlDialect::Runs::kMany,
                    JoinSql(
                        {"UPDATE runs SET status = 'failed', error_message = 'worker lost: ' "
                         "|| lease_owner || ' stopped answering, attempt ' || attempt || ' of ' "
                         "|| max_attempts, ",
                         end, "attempt >= max_attempts RETURNING run_id, job_id"})),
                {now, silent_since}));
        for (size_t r = 0; r < failed.size(); ++r) reclaimed.failed.push_back(failed.Text(r, 0));
        ORC_ASSIGN_OR_RETURN(
            SqlRows requeued,
            connection.Execute(
                dialect_->LeavingRunning(
                    SqlDialect::Runs::kMany,
                    JoinSql({"UPDATE runs SET status = 'queued', available_at = $1, "
                             "error_message = 'requeued: its worker ' || lease_owner || "
                             "' stopped answering', lease_owner = '', lease_expires_at = NULL, "
                             "updated_at = $1 WHERE status = 'running' AND ",
                             kLost, " RETURNING run_id, job_id"})),
                {now, silent_since}));
        for (size_t r = 0; r < requeued.size(); ++r) {
          reclaimed.requeued.push_back(requeued.Text(r, 0));
        }
        if (!reclaimed.requeued.empty()) dialect_->Notify(connection, kRunsChannel, "");
        return Status::Ok();
      },
      Commit::kBookkeeping));
  return reclaimed;
}

Result<Run> SqlStateStore::GetRun(const std::string& run_id) {
  Result<Run> run = NotFoundError("");
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(JoinSql({"SELECT ", kRunColumns, " FROM runs WHERE run_id = $1"}),
                           {run_id}));
    if (rows.empty()) return NoRunError(run_id);
    run = RunFromRow(rows, 0);
    return Status::Ok();
  }));
  return run;
}

namespace {

// The condition that keeps the runs in `status`, written so that the planner reads them from
// their partial index: queued runs from runs_queue, running runs (the only ones with a lease)
// from runs_lease, failed and cancelled runs from theirs, newest first. Successful runs, most of
// all, are read newest first from the primary key.
std::string RunsInStatus(RunStatus status) {
  switch (status) {
    case RunStatus::kQueued:
      return " AND run_id IN (SELECT run_id FROM runs WHERE status = 'queued')";
    case RunStatus::kRunning:
      return " AND run_id IN (SELECT run_id FROM runs WHERE lease_expires_at IS NOT NULL AND "
             "status = 'running')";
    case RunStatus::kSuccess:
    case RunStatus::kFailed:
    case RunStatus::kCancelled:
      break;
  }
  return JoinSql({" AND status = '", ToString(status), "'"});
}

}  // namespace

Result<Page<Run>> SqlStateStore::ListRuns(const RunFilter& filter) {
  // Only the filters given become conditions, each one an index can serve: job_id the runs_job
  // index, the time range the primary key, a status its partial index (RunsInStatus). The status
  // and trigger go in as literals (their names, never a client's text) so the planner can match
  // a partial index's condition. A trigger has no index (it would cost every enqueue a write):
  // a common one is found while reading newest first, a rare one reads every run.
  std::string where = " FROM runs WHERE TRUE";
  std::vector<SqlValue> params;
  auto parameter = [&params](SqlValue value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  if (filter.job_id) where += " AND job_id = " + parameter(*filter.job_id);
  if (filter.status) where += RunsInStatus(*filter.status);
  if (filter.triggered_by) {
    where += JoinSql({" AND triggered_by = '", ToString(*filter.triggered_by), "'"});
  }
  if (filter.queued_from) where += " AND run_id >= " + parameter(UuidV7Floor(*filter.queued_from));
  if (filter.queued_before) {
    where += " AND run_id < " + parameter(UuidV7Floor(*filter.queued_before));
  }
  // The count reads one row past counted_at_most, to tell "exactly" from "more"; the page's
  // limit and offset follow the conditions' parameters.
  const int64_t counted_at_most = std::max(filter.offset, 0) + filter.count_beyond;
  const std::string next = "$" + std::to_string(params.size() + 1);
  const std::string after_next = "$" + std::to_string(params.size() + 2);
  std::vector<SqlValue> count_params = params;
  count_params.push_back(counted_at_most + 1);
  std::vector<SqlValue> page_params = std::move(params);
  page_params.push_back(int64_t{filter.limit});
  page_params.push_back(int64_t{filter.offset});
  Page<Run> page;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    page = {};
    ORC_ASSIGN_OR_RETURN(SqlRows count,
                         connection.Execute(JoinSql({"SELECT COUNT(*) FROM (SELECT 1", where,
                                                     " LIMIT ", next, ") counted"}),
                                            count_params));
    page.total_capped = count.Int(0, 0) > counted_at_most;
    page.total = std::min(count.Int(0, 0), counted_at_most);
    ORC_ASSIGN_OR_RETURN(SqlRows rows, connection.Execute(JoinSql({"SELECT ", kRunColumns, where,
                                                                   " ORDER BY run_id DESC LIMIT ",
                                                                   next, " OFFSET ", after_next}),
                                                          page_params));
    for (size_t r = 0; r < rows.size(); ++r) page.items.push_back(RunFromRow(rows, r));
    return Status::Ok();
  }));
  return page;
}

Result<std::vector<Run>> SqlStateStore::LatestRunPerJob() {
  std::vector<Run> runs;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    // One descent of runs_job (job_id, run_id) per job: run ids are time-ordered.
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            JoinSql({"SELECT ", kRunColumns,
                     " FROM runs WHERE run_id IN (SELECT (SELECT r.run_id FROM runs r "
                     "WHERE r.job_id = j.job_id ORDER BY r.run_id DESC LIMIT 1) FROM jobs j) "
                     "ORDER BY run_id DESC"}),
            {}));
    runs.clear();
    for (size_t r = 0; r < rows.size(); ++r) runs.push_back(RunFromRow(rows, r));
    return Status::Ok();
  }));
  return runs;
}

Status SqlStateStore::UpsertTaskRun(SqlConnection& connection, const TaskRun& task_run,
                                    const std::string* owner) {
  std::vector<SqlValue> params = {task_run.run_id,
                                  task_run.task_id,
                                  task_run.task_name,
                                  int64_t{task_run.task_order},
                                  std::string(ToString(task_run.status)),
                                  int64_t{task_run.attempts},
                                  nlohmann::json(task_run.errors).dump(),
                                  task_run.error_message,
                                  NullableTime(task_run.started_at),
                                  NullableTime(task_run.finished_at),
                                  task_run.rows_extracted,
                                  task_run.rows_loaded,
                                  task_run.bytes_read,
                                  task_run.bytes_total,
                                  task_run.rows_processed};
  // With an owner, the row comes from the run's own row, which names the owner: a worker whose
  // lease was lost cannot overwrite what the run's new owner records.
  if (owner != nullptr) params.emplace_back(*owner);
  Result<SqlRows> saved = connection.Execute(
      owner != nullptr
          ? JoinSql({"INSERT INTO task_runs (", kTaskRunColumns,
                     ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 "
                     "FROM runs WHERE run_id = $1 AND status = 'running' AND lease_owner = $16",
                     dialect_->LockReferencedRow(), kTaskRunUpsert, " RETURNING task_order"})
          : JoinSql({"INSERT INTO task_runs (", kTaskRunColumns,
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                     kTaskRunUpsert}),
      params);
  ORC_RETURN_IF_ERROR(saved.status());
  if (owner != nullptr && saved->empty()) return NotHeldError(connection, task_run.run_id, *owner);
  return Status::Ok();
}

Status SqlStateStore::SaveTaskRun(const TaskRun& task_run, const std::string& owner) {
  return WithConnection(
      Access::kWrite,
      [&](SqlConnection& connection) { return UpsertTaskRun(connection, task_run, &owner); },
      Commit::kBookkeeping);
}

Result<std::vector<TaskRun>> SqlStateStore::GetTaskRuns(const std::string& run_id) {
  std::vector<TaskRun> task_runs;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            JoinSql({"SELECT ", kTaskRunColumns,
                     " FROM task_runs WHERE run_id = $1 ORDER BY task_order, task_id"}),
            {run_id}));
    task_runs.clear();
    for (size_t r = 0; r < rows.size(); ++r) task_runs.push_back(TaskRunFromRow(rows, r));
    return Status::Ok();
  }));
  return task_runs;
}

Status SqlStateStore::AppendRunLogs(const std::string& run_id,
                                    const std::vector<RunLogLine>& lines) {
  if (lines.empty()) return Status::Ok();
  const int64_t cap = options_.max_log_lines_per_run;
  const std::string truncated = LogTruncatedMessage(cap);
  // Numbering through the run row makes concurrent appenders (two tasks, two processes) take
  // disjoint ranges: the UPDATE locks the row until commit.
  return WithConnection(
      dialect_->RunWithRowsAccess(),
      [&](SqlConnection& connection) -> Status {
        ORC_ASSIGN_OR_RETURN(bool appended,
                             dialect_->AppendRunLogs(connection, run_id, lines, cap, truncated));
        return appended ? Status::Ok() : NoRunError(run_id);
      },
      Commit::kBookkeeping);
}

Result<std::vector<RunLogLine>> SqlStateStore::GetRunLogs(const std::string& run_id,
                                                          int64_t after_line, int limit) {
  std::vector<RunLogLine> lines;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("SELECT line, logged_at, level, task_name, message FROM run_logs "
                           "WHERE run_id = $1 AND line > $2 ORDER BY line LIMIT $3",
                           {run_id, after_line, int64_t{limit}}));
    lines.clear();
    for (size_t r = 0; r < rows.size(); ++r) {
      lines.push_back(RunLogLine{rows.Int(r, 0), rows.Time(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                                 rows.Text(r, 4)});
    }
    return Status::Ok();
  }));
  return lines;
}

}  // namespace orc
