// SqlStateStore: run notices, webhook deliveries and late slots (migration 15); the role is
// described in state/notification_store.h.
#include <algorithm>
#include <tuple>

#include "state/sql_state_store.h"

namespace orc {
namespace {

constexpr std::string_view kDeliveryColumns =
    "delivery_id, job_id, run_id, slot, event, target, url, status, attempts, next_attempt_at, "
    "last_status_code, last_error, created_at, delivered_at, body";

NotificationDelivery DeliveryFromRow(const SqlRows& rows, size_t r) {
  const std::optional<int64_t> status_code = rows.OptionalInt(r, 10);
  return NotificationDelivery{
      .delivery_id = rows.Text(r, 0),
      .job_id = rows.Text(r, 1),
      .run_id = rows.Text(r, 2),
      .slot = rows.OptionalTime(r, 3),
      .event = rows.Text(r, 4),
      .target = rows.Text(r, 5),
      .url = rows.Text(r, 6),
      .status = ParseDeliveryStatus(rows.Text(r, 7)).value_or(DeliveryStatus::kPending),
      .attempts = static_cast<int>(rows.Int(r, 8)),
      .next_attempt_at = rows.Time(r, 9),
      .last_status_code =
          status_code ? std::optional<int>(static_cast<int>(*status_code)) : std::nullopt,
      .last_error = rows.Text(r, 11),
      .created_at = rows.Time(r, 12),
      .delivered_at = rows.OptionalTime(r, 13),
      .body = rows.Text(r, 14)};
}

}  // namespace

Result<int> SqlStateStore::InsertDeliveries(SqlConnection& connection, const std::string& job_id,
                                            const std::string& run_id,
                                            std::optional<TimePoint> slot,
                                            const std::vector<NewDelivery>& deliveries,
                                            TimePoint now) {
  int inserted = 0;
  for (const NewDelivery& delivery : deliveries) {
    // Either unique index may refuse the row: a conflict on any of them skips it.
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            "INSERT INTO notify_deliveries (delivery_id, job_id, run_id, slot, event, target, url, "
            "status, next_attempt_at, created_at, body) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8, $9) "
            "ON CONFLICT DO NOTHING RETURNING delivery_id",
            {delivery.delivery_id, job_id, run_id.empty() ? SqlValue{} : SqlValue{run_id},
             NullableTime(slot), delivery.event, delivery.target, delivery.url, ToStoredTime(now),
             delivery.body}));
    inserted += static_cast<int>(rows.size());
  }
  return inserted;
}

Result<std::vector<std::string>> SqlStateStore::PendingNotices(int limit) {
  std::vector<std::string> run_ids;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    run_ids.clear();
    // Exactly the predicate of runs_notice, so that both backends read that index alone.
    ORC_ASSIGN_OR_RETURN(SqlRows rows,
                         connection.Execute("SELECT run_id FROM runs WHERE notice_pending "
                                            "AND status IN ('success', 'failed', 'cancelled') "
                                            "ORDER BY run_id LIMIT $1",
                                            {int64_t{limit}}));
    for (size_t r = 0; r < rows.size(); ++r) run_ids.push_back(rows.Text(r, 0));
    return Status::Ok();
  }));
  return run_ids;
}

Result<int> SqlStateStore::SettleNotices(const std::vector<RunNotice>& notices) {
  const TimePoint now = clock_.Now();
  int created = 0;
  ORC_RETURN_IF_ERROR(
      WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
        created = 0;
        for (const RunNotice& notice : notices) {
          // By run id (no status): the planner keeps the primary key. A notice another
          // process settled meanwhile is not cleared again (a write of the run's row for
          // nothing); its deliveries are still offered, the unique keys keep those it made.
          ORC_ASSIGN_OR_RETURN(SqlRows run,
                               connection.Execute("UPDATE runs SET notice_pending = FALSE "
                                                  "WHERE run_id = $1 AND notice_pending "
                                                  "RETURNING job_id",
                                                  {notice.run_id}));
          if (run.empty()) {
            ORC_ASSIGN_OR_RETURN(
                run,
                connection.Execute("SELECT job_id FROM runs WHERE run_id = $1", {notice.run_id}));
          }
          if (run.empty()) continue;
          ORC_ASSIGN_OR_RETURN(const int inserted,
                               InsertDeliveries(connection, run.Text(0, 0), notice.run_id,
                                                std::nullopt, notice.deliveries, now));
          created += inserted;
        }
        return Status::Ok();
      }));
  return created;
}

Result<bool> SqlStateStore::RecordLateSlot(const std::string& job_id, TimePoint slot,
                                           TimePoint deadline,
                                           const std::vector<NewDelivery>& deliveries) {
  const TimePoint now = clock_.Now();
  bool recorded = false;
  ORC_RETURN_IF_ERROR(
      WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
        recorded = false;
        // A run that succeeded in time, checked in the same statement, so that a finish
        // committed after the notifier looked still counts. runs_job_slot finds the slot's run.
        ORC_ASSIGN_OR_RETURN(
            SqlRows rows,
            connection.Execute(
                "INSERT INTO late_slots (job_id, slot, detected_at) SELECT $1, $2, $3 "
                "WHERE NOT EXISTS (SELECT 1 FROM runs WHERE job_id = $1 AND scheduled_for = $2 "
                "AND status = 'success' AND finished_at <= $4) "
                "ON CONFLICT (job_id, slot) DO NOTHING RETURNING job_id",
                {job_id, ToStoredTime(slot), ToStoredTime(now), ToStoredTime(deadline)}));
        if (rows.empty()) return Status::Ok();
        recorded = true;
        // The slot's run, when it has one, shows the alert on its page too.
        ORC_ASSIGN_OR_RETURN(SqlRows run,
                             connection.Execute("SELECT run_id FROM runs WHERE job_id = $1 "
                                                "AND scheduled_for = $2",
                                                {job_id, ToStoredTime(slot)}));
        return InsertDeliveries(connection, job_id, run.empty() ? "" : run.Text(0, 0), slot,
                                deliveries, now)
            .status();
      }));
  return recorded;
}

Result<int> SqlStateStore::ForgetLateSlotsBefore(TimePoint before, int limit) {
  int deleted = 0;
  // Look first: every process's notifier asks every second, and nearly always nothing is old.
  bool any = false;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(SqlRows rows,
                         connection.Execute("SELECT 1 FROM late_slots WHERE slot < $1 LIMIT 1",
                                            {ToStoredTime(before)}));
    any = !rows.empty();
    return Status::Ok();
  }));
  if (!any) return 0;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kWrite, [&](SqlConnection& connection) -> Status {
    // A bounded batch, found through late_slots_slot, then by primary key.
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("DELETE FROM late_slots WHERE (job_id, slot) IN (SELECT job_id, slot "
                           "FROM late_slots WHERE slot < $1 ORDER BY slot LIMIT $2) "
                           "RETURNING job_id",
                           {ToStoredTime(before), int64_t{limit}}));
    deleted = static_cast<int>(rows.size());
    return Status::Ok();
  }));
  return deleted;
}

Result<std::vector<NotificationDelivery>> SqlStateStore::LeaseDueDeliveries(
    const std::string& owner, Duration lease, int limit) {
  const TimePoint now = clock_.Now();
  std::vector<NotificationDelivery> leased;
  // Look first, through the same index: the notifier of every process asks every second, and
  // nearly always nothing is due.
  bool any_due = false;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("SELECT 1 FROM notify_deliveries WHERE status = 'pending' AND "
                           "next_attempt_at <= $1 AND (lease_expires_at IS NULL OR "
                           "lease_expires_at <= $1) LIMIT 1",
                           {ToStoredTime(now)}));
    any_due = !rows.empty();
    return Status::Ok();
  }));
  if (!any_due) return leased;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kWrite, [&](SqlConnection& connection) -> Status {
    leased.clear();
    // The subquery finds due rows through notify_deliveries_due and locks them where the dialect
    // does (another leaser passes over them, or re-checks them once they were taken); the UPDATE
    // then finds each by its primary key, naming no status the due index is partial on.
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            JoinSql({"UPDATE notify_deliveries SET lease_owner = $1, lease_expires_at = $2 "
                     "WHERE delivery_id IN (SELECT delivery_id FROM notify_deliveries "
                     "WHERE status = 'pending' AND next_attempt_at <= $3 "
                     "AND (lease_expires_at IS NULL OR lease_expires_at <= $3) "
                     "ORDER BY next_attempt_at LIMIT $4",
                     dialect_->LockRowToTake(), ") RETURNING ", kDeliveryColumns}),
            {owner, ToStoredTime(now + lease), ToStoredTime(now), int64_t{limit}}));
    for (size_t r = 0; r < rows.size(); ++r) leased.push_back(DeliveryFromRow(rows, r));
    return Status::Ok();
  }));
  std::sort(leased.begin(), leased.end(), [](const auto& a, const auto& b) {
    return std::tie(a.next_attempt_at, a.delivery_id) < std::tie(b.next_attempt_at, b.delivery_id);
  });
  return leased;
}

Status SqlStateStore::RecordDeliveryAttempt(const std::string& delivery_id,
                                            const std::string& owner,
                                            const DeliveryAttempt& attempt) {
  const TimePoint now = clock_.Now();
  return WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
    const bool delivered = attempt.status == DeliveryStatus::kDelivered;
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(
            "UPDATE notify_deliveries SET status = $3, attempts = attempts + 1, "
            "last_status_code = $4, last_error = $5, next_attempt_at = $6, delivered_at = $7, "
            "lease_owner = '', lease_expires_at = NULL "
            "WHERE delivery_id = $1 AND lease_owner = $2 "
            "RETURNING delivery_id",
            {delivery_id, owner, std::string(ToString(attempt.status)),
             NullableInt(attempt.status_code), attempt.error,
             ToStoredTime(attempt.status == DeliveryStatus::kPending ? attempt.next_attempt_at
                                                                     : now),
             delivered ? SqlValue{ToStoredTime(now)} : SqlValue{}}));
    if (!rows.empty()) return Status::Ok();
    ORC_ASSIGN_OR_RETURN(SqlRows holder,
                         connection.Execute("SELECT lease_owner, status FROM notify_deliveries "
                                            "WHERE delivery_id = $1",
                                            {delivery_id}));
    if (holder.empty()) return NotFoundError("delivery " + delivery_id + " not found");
    return ConflictError(
        "delivery " + delivery_id + " is not leased to " + owner + " (it is " + holder.Text(0, 1) +
        (holder.Text(0, 0).empty() ? "" : ", leased to " + holder.Text(0, 0)) + ")");
  });
}

Result<std::vector<NotificationDelivery>> SqlStateStore::ListRunDeliveries(
    const std::string& run_id) {
  std::vector<NotificationDelivery> deliveries;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    deliveries.clear();
    ORC_ASSIGN_OR_RETURN(SqlRows rows,
                         connection.Execute(JoinSql({"SELECT ", kDeliveryColumns,
                                                     " FROM notify_deliveries WHERE run_id = $1 "
                                                     "ORDER BY delivery_id LIMIT 1000"}),
                                            {run_id}));
    for (size_t r = 0; r < rows.size(); ++r) deliveries.push_back(DeliveryFromRow(rows, r));
    return Status::Ok();
  }));
  return deliveries;
}

}  // namespace orc
