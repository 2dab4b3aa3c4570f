// SqlStateStore: writes made at most once per idempotency key, and the records that keep their
// replies (table idempotency_keys, migration 11).
#include "state/sql_state_store.h"

namespace orc {
namespace {

constexpr std::string_view kRecordColumns =
    "idempotency_key, fingerprint, reply_status, reply_content_type, reply_location, reply_body, "
    "expires_at";

IdempotencyRecord RecordFromRow(const SqlRows& rows, size_t r) {
  return IdempotencyRecord{.key = rows.Text(r, 0),
                           .fingerprint = rows.Text(r, 1),
                           .reply = {.status = static_cast<int>(rows.Int(r, 2)),
                                     .content_type = rows.Text(r, 3),
                                     .location = rows.Text(r, 4),
                                     .body = rows.Text(r, 5)},
                           .expires_at = rows.Time(r, 6)};
}

}  // namespace

Result<IdempotencyRecord> SqlStateStore::WriteOnce(
    const IdempotencyKey& key, const std::function<Result<IdempotentReply>(SqlConnection&)>& write,
    bool* created) {
  const TimePoint now = clock_.Now();
  IdempotencyRecord record{.key = key.key, .fingerprint = key.fingerprint};
  record.expires_at = now + key.keep_for;
  bool key_taken = false;
  // The write first, then the key: the common case (a key not seen before) costs one statement
  // more than the unkeyed write. A record that expired is replaced as if it were not there. On
  // PostgreSQL a writer racing for the same key waits at the key's index entry until the other
  // commits or rolls back; on SQLite writers take turns anyway.
  const Status status =
      WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
        key_taken = false;
        record.reply = {};
        ORC_ASSIGN_OR_RETURN(record.reply, write(connection));
        ORC_ASSIGN_OR_RETURN(
            SqlRows saved,
            connection.Execute(
                JoinSql(
                    {"INSERT INTO idempotency_keys (", kRecordColumns,
                     ", created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                     "ON CONFLICT (idempotency_key) DO UPDATE SET "
                     "fingerprint = excluded.fingerprint, reply_status = excluded.reply_status, "
                     "reply_content_type = excluded.reply_content_type, "
                     "reply_location = excluded.reply_location, "
                     "reply_body = excluded.reply_body, created_at = excluded.created_at, "
                     "expires_at = excluded.expires_at "
                     "WHERE idempotency_keys.expires_at <= $8 RETURNING idempotency_key"}),
                {record.key, record.fingerprint, int64_t{record.reply.status},
                 record.reply.content_type, record.reply.location, record.reply.body,
                 ToStoredTime(record.expires_at), ToStoredTime(now)}));
        key_taken = saved.empty();
        // Undoes the write: the request that holds the key wrote already.
        if (key_taken) return AlreadyExistsError("idempotency key '" + key.key + "' is taken");
        return Status::Ok();
      });
  *created = status.ok();
  if (status.ok()) return record;
  // The key was taken, or the write failed, perhaps because a request with the same key made it
  // first (a job name it took): that request's reply, when it has one.
  Result<std::optional<IdempotencyRecord>> holder = GetIdempotencyRecord(key.key);
  if (holder.ok() && holder->has_value()) return std::move(**holder);
  if (key_taken) {
    return UnavailableError("idempotency key '" + key.key +
                            "' was taken and released at once; try again");
  }
  return status;
}

Result<IdempotentOutcome<Job>> SqlStateStore::CreateJob(const Job& job, const IdempotencyKey& key,
                                                        const ReplyTo<Job>& reply) {
  const TimePoint now = clock_.Now();
  IdempotentOutcome<Job> outcome;
  bool created = false;
  ORC_ASSIGN_OR_RETURN(outcome.record,
                       WriteOnce(
                           key,
                           [&](SqlConnection& connection) -> Result<IdempotentReply> {
                             outcome.created.reset();
                             ORC_ASSIGN_OR_RETURN(Job inserted, InsertJob(connection, job, now));
                             // The reply shows the job as stored (time precision), as the unkeyed
                             // CreateJob does.
                             ORC_ASSIGN_OR_RETURN(outcome.created,
                                                  LoadJob(connection, "job_id", inserted.job_id));
                             return reply(*outcome.created);
                           },
                           &created));
  if (!created) outcome.created.reset();
  return outcome;
}

Result<IdempotentOutcome<Run>> SqlStateStore::EnqueueRun(const NewRun& new_run,
                                                         const IdempotencyKey& key,
                                                         const ReplyTo<Run>& reply) {
  const TimePoint now = clock_.Now();
  IdempotentOutcome<Run> outcome;
  bool created = false;
  ORC_ASSIGN_OR_RETURN(outcome.record,
                       WriteOnce(
                           key,
                           [&](SqlConnection& connection) -> Result<IdempotentReply> {
                             outcome.created.reset();
                             ORC_ASSIGN_OR_RETURN(outcome.created,
                                                  InsertRun(connection, new_run, now));
                             return reply(*outcome.created);
                           },
                           &created));
  if (!created) outcome.created.reset();
  return outcome;
}

Result<IdempotentOutcome<std::vector<Run>>> SqlStateStore::EnqueueSlots(
    const std::vector<NewRun>& new_runs, const IdempotencyKey& key,
    const ReplyTo<std::vector<Run>>& reply) {
  const TimePoint now = clock_.Now();
  IdempotentOutcome<std::vector<Run>> outcome;
  bool created = false;
  ORC_ASSIGN_OR_RETURN(outcome.record,
                       WriteOnce(
                           key,
                           [&](SqlConnection& connection) -> Result<IdempotentReply> {
                             outcome.created.reset();
                             ORC_ASSIGN_OR_RETURN(outcome.created,
                                                  InsertSlots(connection, new_runs, now));
                             return reply(*outcome.created);
                           },
                           &created));
  if (!created) outcome.created.reset();
  return outcome;
}

Result<std::optional<IdempotencyRecord>> SqlStateStore::GetIdempotencyRecord(
    const std::string& key) {
  std::optional<IdempotencyRecord> record;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    record.reset();
    ORC_ASSIGN_OR_RETURN(SqlRows rows,
                         connection.Execute(JoinSql({"SELECT ", kRecordColumns,
                                                     " FROM idempotency_keys WHERE "
                                                     "idempotency_key = $1 AND expires_at > $2"}),
                                            {key, ToStoredTime(clock_.Now())}));
    if (!rows.empty()) record = RecordFromRow(rows, 0);
    return Status::Ok();
  }));
  return record;
}

Result<int> SqlStateStore::DeleteExpiredIdempotencyRecords(int limit) {
  int deleted = 0;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kWrite, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute("DELETE FROM idempotency_keys WHERE idempotency_key IN "
                           "(SELECT idempotency_key FROM idempotency_keys WHERE expires_at <= $1 "
                           "ORDER BY expires_at LIMIT $2) RETURNING idempotency_key",
                           {ToStoredTime(clock_.Now()), int64_t{limit}}));
    deleted = static_cast<int>(rows.size());
    return Status::Ok();
  }));
  return deleted;
}

}  // namespace orc
