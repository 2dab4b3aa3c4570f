// SqlStateStore: the StateStore, written once over SqlConnection for both SQLite and PostgreSQL.
// The SQL is shared except where the backends truly differ — how writes reach the database, row
// locks, the counting of running runs, the claim, and writes that insert many rows — which one
// SqlDialect (state/sql/sql_dialect.h), chosen from the backend when the store opens, owns. No
// method of the store branches on the backend; only OpenStateStore does, to open the connections
// and lay out the pools.
//
// Every method runs its statements through WithConnection, which runs them again when the
// database says to try again; see there for what that asks of each method's body.
//
// Its methods are split over five files: sql_state_store.cc (plumbing, health),
// sql_job_store.cc (jobs and tasks), sql_run_store.cc (runs, task runs and logs),
// sql_idempotency_store.cc (writes made at most once per idempotency key) and
// sql_notification_store.cc (run notices, webhook deliveries, late slots).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "state/sql/connection_pool.h"
#include "state/sql/group_commit.h"
#include "state/sql/sql_dialect.h"
#include "state/state_store.h"

namespace orc {

// The strings of a JSON array stored in a text column (tasks.depends_on, task_runs.errors);
// anything else in the text is skipped: the store wrote it, so it is never expected.
std::vector<std::string> DecodeStringArray(const std::string& json_text);

class SqlStateStore final : public StateStore {
 public:
  // Which pool serves which access. One pool may serve several roles.
  struct Pools {
    std::vector<std::unique_ptr<ConnectionPool>> owned;
    ConnectionPool* reads = nullptr;
    ConnectionPool* writes = nullptr;       // durable writes
    ConnectionPool* bookkeeping = nullptr;  // writes that may commit before reaching the disk
  };

  SqlStateStore(DatabaseBackend backend, Pools pools, Clock& clock, StateStoreOptions options);

  Result<Job> CreateJob(const Job& job) override;
  Result<Job> ReplaceJob(const Job& job) override;
  Result<Job> GetJob(const std::string& job_id) override;
  Result<Job> GetJobByName(const std::string& job_name) override;
  Result<Page<Job>> ListJobs(const JobFilter& filter) override;
  Status DeleteJob(const std::string& job_id) override;

  Result<std::string> JobsVersion() override;
  Result<Run> EnqueueRun(const NewRun& new_run) override;
  Result<std::vector<Run>> EnqueueSlots(const std::vector<NewRun>& new_runs) override;
  Result<std::map<std::string, TimePoint>> LatestSlots() override;
  Result<std::optional<Run>> ClaimRun(const std::string& owner, Duration lease) override;
  Result<LeaseState> RenewLease(const std::string& run_id, const std::string& owner,
                                Duration lease) override;
  Result<Run> FinishRun(const std::string& run_id, const std::string& owner,
                        const RunOutcome& outcome) override;
  Status ReleaseRun(const std::string& run_id, const std::string& owner) override;
  Result<Run> RequestCancel(const std::string& run_id) override;
  Result<ReclaimedRuns> ReclaimExpiredLeases(Duration node_timeout) override;
  Result<Run> GetRun(const std::string& run_id) override;
  Result<Page<Run>> ListRuns(const RunFilter& filter) override;
  Result<std::vector<Run>> LatestRunPerJob() override;

  Status SaveTaskRun(const TaskRun& task_run, const std::string& owner) override;
  Result<std::vector<TaskRun>> GetTaskRuns(const std::string& run_id) override;

  Status AppendRunLogs(const std::string& run_id, const std::vector<RunLogLine>& lines) override;
  Result<std::vector<RunLogLine>> GetRunLogs(const std::string& run_id, int64_t after_line,
                                             int limit) override;

  Result<IdempotentOutcome<Job>> CreateJob(const Job& job, const IdempotencyKey& key,
                                           const ReplyTo<Job>& reply) override;
  Result<IdempotentOutcome<Run>> EnqueueRun(const NewRun& new_run, const IdempotencyKey& key,
                                            const ReplyTo<Run>& reply) override;
  Result<IdempotentOutcome<std::vector<Run>>> EnqueueSlots(
      const std::vector<NewRun>& new_runs, const IdempotencyKey& key,
      const ReplyTo<std::vector<Run>>& reply) override;
  Result<std::optional<IdempotencyRecord>> GetIdempotencyRecord(const std::string& key) override;
  Result<int> DeleteExpiredIdempotencyRecords(int limit) override;

  Result<std::vector<std::string>> PendingNotices(int limit) override;
  Result<int> SettleNotices(const std::vector<RunNotice>& notices) override;
  Result<bool> RecordLateSlot(const std::string& job_id, TimePoint slot, TimePoint deadline,
                              const std::vector<NewDelivery>& deliveries) override;
  Result<int> ForgetLateSlotsBefore(TimePoint before, int limit) override;
  Result<std::vector<NotificationDelivery>> LeaseDueDeliveries(const std::string& owner,
                                                               Duration lease, int limit) override;
  Status RecordDeliveryAttempt(const std::string& delivery_id, const std::string& owner,
                               const DeliveryAttempt& attempt) override;
  Result<std::vector<NotificationDelivery>> ListRunDeliveries(const std::string& run_id) override;

  Status RegisterNode(const NodeInfo& node) override;
  Status HeartbeatNode(const std::string& node_id, int workers_busy) override;
  Status DeregisterNode(const std::string& node_id) override;
  Result<std::vector<NodeInfo>> ListNodes() override;
  Result<Leadership> TryLead(const std::string& name, const std::string& holder,
                             Duration term) override;
  Result<Leadership> CurrentTerm(const std::string& name) override;
  Status StepDown(const std::string& name, const std::string& holder) override;

  Status Ping() override;

 private:
  using Body = std::function<Status(SqlConnection&)>;

  // kDurable: the commit waits until the database has it on disk. kBookkeeping: it may return
  // before (PostgreSQL's synchronous_commit = off), for the workers' own records.
  enum class Commit { kDurable, kBookkeeping };

  // What a body does (kRead, kWrite, kTransaction): see SqlAccess.
  using Access = SqlAccess;

  // Runs `body` on a pooled connection: a write through the dialect's way of writing (on SQLite,
  // the group committer: in a transaction shared with other writes, under a savepoint of its
  // own), else inside a write transaction for kTransaction. Returns the body's Status, or the
  // commit's.
  //
  // A body may run more than once. When it or its commit fails with Unavailable on a healthy
  // connection (SQLite busy, a PostgreSQL serialization failure), everything it wrote is rolled
  // back and it is run again, a few times (a broken connection is not retried). So a body must
  // start over each time: it assigns its outputs rather than adding to them (a vector it fills is
  // cleared first, an optional reset), works on its own copy of any input it changes, and counts
  // nothing outside itself, so that what the caller reads afterwards comes from the last try
  // alone.
  Status WithConnection(Access access, const Body& body, Commit commit = Commit::kDurable);

  // Inserts `new_run` queued, with its job's retry settings, locking the job's row to share where
  // the dialect locks (DeleteJob waits for it); `on_conflict` goes before RETURNING. No row when
  // the job does not exist (or on_conflict skipped the insert).
  // `run_id`: the new run's id, else a new one.
  Result<SqlRows> InsertQueuedRun(SqlConnection& connection, const NewRun& new_run, TimePoint now,
                                  std::string_view on_conflict,
                                  const std::string& run_id = "") const;

  // The bodies of CreateJob, EnqueueRun and EnqueueSlots, inside the caller's transaction.
  // InsertJob assigns the ids and returns the job with them (times as given, not as stored).
  Result<Job> InsertJob(SqlConnection& connection, Job job, TimePoint now);
  Result<Run> InsertRun(SqlConnection& connection, const NewRun& new_run, TimePoint now) const;
  Result<std::vector<Run>> InsertSlots(SqlConnection& connection,
                                       const std::vector<NewRun>& new_runs, TimePoint now) const;

  // Runs `write` and saves its reply under `key` in one transaction; see the keyed CreateJob.
  // `write` returns the reply; `*created` tells whether this call's write was kept. `write` runs
  // inside a WithConnection body: it too may run more than once and must start over each time.
  Result<IdempotencyRecord> WriteOnce(
      const IdempotencyKey& key,
      const std::function<Result<IdempotentReply>(SqlConnection&)>& write, bool* created);

  // Saves `task_run`. With an owner, only while its run is running under that owner (else the
  // NotHeldError); without one, the caller has checked (FinishRun, in its transaction).
  Status UpsertTaskRun(SqlConnection& connection, const TaskRun& task_run,
                       const std::string* owner = nullptr);
  // Inserts `deliveries` for a run (`run_id`) or a late slot (`slot`), pending and due `now`; one
  // whose (run or slot, event, target) exists is skipped. Returns how many were inserted.
  static Result<int> InsertDeliveries(SqlConnection& connection, const std::string& job_id,
                                      const std::string& run_id, std::optional<TimePoint> slot,
                                      const std::vector<NewDelivery>& deliveries, TimePoint now);
  // Raises the job change counter (JobsVersion) and announces the change of `job_id`, inside a
  // job write's transaction.
  Status CountJobChange(SqlConnection& connection, const std::string& job_id) const;

  Result<Job> LoadJob(SqlConnection& connection, std::string_view where, const std::string& key);
  Status InsertTasks(SqlConnection& connection, const Job& job);
  // Conflict or NotFound explaining why `run_id` is not running under `owner`.
  Status NotHeldError(SqlConnection& connection, const std::string& run_id,
                      const std::string& owner);

  const std::unique_ptr<const SqlDialect> dialect_;
  Pools pools_;
  std::unique_ptr<GroupCommitter> group_commit_;  // set when the dialect groups writes
  Clock& clock_;
  const StateStoreOptions options_;
};

}  // namespace orc
