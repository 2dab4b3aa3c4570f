// StateStore: everything orc remembers — jobs and their tasks, runs and task runs with their
// attempts, errors, counters and logs, and incremental-extraction cursors — in SQLite or
// PostgreSQL, chosen by a DatabaseUrl.
//
// Every method is one atomic unit against the database: a job is never stored with half its
// tasks, and a run changes status only from the status the change expects (a finished run never
// runs again, a run is finished only by the owner of its lease). Because the database enforces
// that, several threads and several orc processes can share one store: ClaimRun() hands each
// queued run to exactly one caller.
//
// Errors: NotFound (no such job/run), AlreadyExists (job name taken, schedule slot already
// enqueued), Conflict (the current status forbids the change; the message says what it is),
// Unavailable (the database is unreachable or busy: try again), InvalidArgument, Internal.
//
// Thread safety: all methods are safe to call concurrently. Times come from the Clock given at
// open, stored with microsecond precision.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/job.h"
#include "core/new_run.h"
#include "core/run.h"
#include "state/database_url.h"

namespace orc {

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;  // matching items in all pages
};

struct JobFilter {
  int limit = 100;
  int offset = 0;
  std::optional<bool> is_active;
};

struct RunFilter {
  int limit = 100;
  int offset = 0;
  std::optional<std::string> job_id;
  std::optional<RunStatus> status;
};

struct RunOutcome {
  RunStatus status = RunStatus::kSuccess;  // success, failed or cancelled
  std::string error_message;
  int64_t rows_extracted = 0;
  int64_t rows_loaded = 0;
  std::vector<TaskRun> task_runs;  // final task runs, saved in the same transaction
};

struct LeaseState {
  TimePoint expires_at{};
  bool cancel_requested = false;  // someone asked to cancel: stop and finish as cancelled
};

struct ReclaimedRuns {
  std::vector<std::string> requeued;   // lease expired, attempts left: queued again
  std::vector<std::string> failed;     // lease expired, no attempts left: failed ("worker lost")
  std::vector<std::string> cancelled;  // lease expired after a cancel request
};

// A write a client asked for under an idempotency key (the HTTP Idempotency-Key header): the
// store makes it take effect at most once per key. The reply to the request that made it is kept
// with the key, written in the same transaction as what the write created, so that a retry gets
// that reply back and writes nothing. Keys are one namespace for the whole database.
struct IdempotencyKey {
  std::string key;
  // What identifies the request (a hash of it): a request that reuses the key with another
  // fingerprint is not a retry, which the caller tells from the record it gets back.
  std::string fingerprint;
  Duration keep_for = std::chrono::hours(24);  // after this the key may be used afresh
};

// What a request that wrote under a key was answered.
struct IdempotentReply {
  int status = 0;  // the HTTP status
  std::string content_type;
  std::string location;  // the Location header; empty when none
  std::string body;

  friend bool operator==(const IdempotentReply&, const IdempotentReply&) = default;
};

struct IdempotencyRecord {
  std::string key;
  std::string fingerprint;
  IdempotentReply reply;
  TimePoint expires_at{};
};

// Renders the reply to keep from what a keyed write created. Called inside the write's
// transaction (again if the transaction is retried), so it must only compute; an error rolls the
// write back.
template <typename Created>
using ReplyTo = std::function<Result<IdempotentReply>(const Created&)>;

// A keyed write's outcome: either this call wrote (`created` set; `record` is the one it saved),
// or a request with the same key wrote before it (`created` empty; `record` is that request's,
// whose fingerprint the caller compares with its own) and this call wrote nothing.
template <typename Created>
struct IdempotentOutcome {
  std::optional<Created> created;
  IdempotencyRecord record;
};

struct StateStoreOptions {
  // How long a connection attempt to an unreachable PostgreSQL is retried at open.
  Duration connect_timeout = std::chrono::seconds(30);
  size_t max_connections = 8;
  int max_log_lines_per_run = 10000;
  // PostgreSQL: commit the workers' bookkeeping (claims, leases, task runs, logs, finishes)
  // without waiting for the WAL flush (synchronous_commit = off); jobs, enqueued runs and cancel
  // requests always wait for it. Only a crash of the PostgreSQL server itself can lose the last
  // fraction of a second of bookkeeping, which ends like a lost worker: the lease expires and the
  // run is retried. See docs/architecture.md.
  bool relaxed_bookkeeping_commits = true;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // --- jobs ---------------------------------------------------------------------------------
  // Stores a new job with its tasks. Assigns job_id and task ids where empty, and task_order from
  // the position when 0; sets created_at/updated_at. AlreadyExists when job_name is taken.
  virtual Result<Job> CreateJob(const Job& job) = 0;
  // Replaces the job with job.job_id and all its tasks. A new task without an id keeps the id of
  // the old task with the same task_name, so cursors and history follow it. created_at is kept.
  virtual Result<Job> ReplaceJob(const Job& job) = 0;
  virtual Result<Job> GetJob(const std::string& job_id) = 0;
  virtual Result<Job> GetJobByName(const std::string& job_name) = 0;
  // Ordered by (created_at, job_id).
  virtual Result<Page<Job>> ListJobs(const JobFilter& filter) = 0;
  // Changes whenever a job is created, changed or deleted (by any process sharing the database);
  // cheap, for caches of job listings.
  virtual Result<std::string> JobsVersion() = 0;
  // Deletes the job with its runs and history. Conflict while a run of it is queued or running.
  virtual Status DeleteJob(const std::string& job_id) = 0;

  // --- runs ---------------------------------------------------------------------------------
  // Queues a run. NotFound for an unknown job; AlreadyExists when the job already has a run for
  // new_run.scheduled_for.
  virtual Result<Run> EnqueueRun(const NewRun& new_run) = 0;
  // Queues one run per schedule slot (each new_run has scheduled_for), in one transaction; a slot
  // that already has a run is skipped, so asking twice (or two processes asking) queues nothing
  // new. Returns the runs created, in the order asked. NotFound for an unknown job.
  virtual Result<std::vector<Run>> EnqueueSlots(const std::vector<NewRun>& new_runs) = 0;
  // The latest schedule slot each job has a run for (runs with scheduled_for), by job_id.
  virtual Result<std::map<std::string, TimePoint>> LatestSlots() = 0;
  // Atomically takes the oldest due queued run whose job is below its max_active_runs, marks it
  // running under `owner` with a lease until now + lease, and returns it; nullopt when none.
  virtual Result<std::optional<Run>> ClaimRun(const std::string& owner, Duration lease) = 0;
  // Extends the lease of a run `owner` holds. Conflict when it is not running under `owner`.
  virtual Result<LeaseState> RenewLease(const std::string& run_id, const std::string& owner,
                                        Duration lease) = 0;
  // Ends a run `owner` holds with a final status and saves outcome.task_runs, atomically.
  // Conflict when it is not running under `owner`; InvalidArgument for a task run of another run.
  virtual Result<Run> FinishRun(const std::string& run_id, const std::string& owner,
                                const RunOutcome& outcome) = 0;
  // Gives a held run back to the queue without counting the attempt (graceful shutdown).
  virtual Status ReleaseRun(const std::string& run_id, const std::string& owner) = 0;
  // Queued: cancelled at once. Running: cancel_requested is set for the owner to act on. Conflict
  // when the run already finished.
  virtual Result<Run> RequestCancel(const std::string& run_id) = 0;
  // Runs whose lease expired: queued again (attempt counted) while attempts remain, else failed
  // with "worker lost"; cancelled if a cancel was requested.
  virtual Result<ReclaimedRuns> ReclaimExpiredLeases() = 0;
  virtual Result<Run> GetRun(const std::string& run_id) = 0;
  // Newest first: ordered by run_id descending (run ids are time-ordered, to the microsecond).
  virtual Result<Page<Run>> ListRuns(const RunFilter& filter) = 0;
  // The newest run of each job that has one, newest first: one query however many jobs there are
  // (what a job list shows as "last run").
  virtual Result<std::vector<Run>> LatestRunPerJob() = 0;

  // --- task runs ----------------------------------------------------------------------------
  // Inserts or replaces the row for (run_id, task_id) of a run `owner` holds. Conflict when the
  // run is not running under `owner` (its lease expired and another worker took it over, or it
  // finished); NotFound when the run does not exist.
  virtual Status SaveTaskRun(const TaskRun& task_run, const std::string& owner) = 0;
  // Ordered by task_order.
  virtual Result<std::vector<TaskRun>> GetTaskRuns(const std::string& run_id) = 0;

  // --- run logs -----------------------------------------------------------------------------
  // Appends lines, numbering them after the run's last line. Past max_log_lines_per_run lines are
  // dropped and the last kept line says so.
  virtual Status AppendRunLogs(const std::string& run_id, const std::vector<RunLogLine>& lines) = 0;
  // Lines numbered after `after_line`, oldest first, at most `limit`.
  virtual Result<std::vector<RunLogLine>> GetRunLogs(const std::string& run_id, int64_t after_line,
                                                     int limit) = 0;

  // --- cursors ------------------------------------------------------------------------------
  virtual Result<std::optional<std::string>> GetCursor(const std::string& task_id,
                                                       const std::string& key) = 0;
  virtual Status SetCursor(const std::string& task_id, const std::string& key,
                           const std::string& value) = 0;

  // --- idempotency keys -----------------------------------------------------------------
  // The keyed forms of CreateJob, EnqueueRun and EnqueueSlots. Each saves the reply `reply`
  // renders under key.key in the write's own transaction, so a crash keeps both or neither; when a
  // record that has not expired holds the key (however many threads or processes race for it, the
  // key's uniqueness in the database decides), nothing is written and that record comes back. A
  // write that fails saves no key: its error comes back, unless the key was taken meanwhile by a
  // request that wrote (then its record). Errors otherwise as the unkeyed forms.
  virtual Result<IdempotentOutcome<Job>> CreateJob(const Job& job, const IdempotencyKey& key,
                                                   const ReplyTo<Job>& reply) = 0;
  virtual Result<IdempotentOutcome<Run>> EnqueueRun(const NewRun& new_run,
                                                    const IdempotencyKey& key,
                                                    const ReplyTo<Run>& reply) = 0;
  virtual Result<IdempotentOutcome<std::vector<Run>>> EnqueueSlots(
      const std::vector<NewRun>& new_runs, const IdempotencyKey& key,
      const ReplyTo<std::vector<Run>>& reply) = 0;
  // The record holding `key`; nullopt when there is none or it expired.
  virtual Result<std::optional<IdempotencyRecord>> GetIdempotencyRecord(const std::string& key) = 0;
  // Deletes at most `limit` expired records, oldest first; returns how many it deleted. Expired
  // records are never used, so this only reclaims space, a bounded amount per call.
  virtual Result<int> DeleteExpiredIdempotencyRecords(int limit) = 0;

  // --- health -------------------------------------------------------------------------------
  // A trivial query: OK when the database answers.
  virtual Status Ping() = 0;
};

// Opens the store `url` names, creating the database file (SQLite) if missing and applying the
// schema migrations. An unreachable PostgreSQL is retried with backoff for
// options.connect_timeout; credentials it refuses are not. FailedPrecondition when the schema is
// newer than this binary knows.
Result<std::unique_ptr<StateStore>> OpenStateStore(const DatabaseUrl& url, Clock& clock,
                                                   const StateStoreOptions& options = {});

}  // namespace orc
