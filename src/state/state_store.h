// StateStore: everything orc remembers — jobs and their tasks, runs and task runs with their
// attempts, errors, counters and logs — in SQLite or PostgreSQL, chosen by a DatabaseUrl
// (SqlStateStore), or in memory for tests (MemoryStateStore).
//
// It is the sum of the roles its users need, each an interface of its own, so that a component
// depends only on the methods it calls:
//   JobStore          (state/job_store.h)          jobs and tasks: the API, the scheduler, the
//                                                  workers (the job of a run)
//   RunQueue          (state/run_queue.h)          queueing, claiming, leasing and finishing runs,
//                                                  and the task runs of held runs: the workers,
//                                                  the scheduler (slots), the API (trigger, cancel)
//   RunHistory        (state/run_history.h)        runs and task runs read back: the API, the
//                                                  metrics, the workers (resuming a run)
//   RunLogStore       (state/run_log_store.h)      run logs: the workers' RunLog, the API
//   IdempotentWrites  (state/idempotent_writes.h)  writes made once per idempotency key: the API
//   NotificationStore (state/notification_store.h) run notices, webhook deliveries and late
//                                                  slots: the notifier, the API (a run's alerts)
//   ClusterStore      (state/cluster_store.h)      the processes sharing the database: nodes and
//                                                  their heartbeats, the scheduler's leadership
// plus, on StateStore itself, Ping() (the health check). Incremental cursors are not kept here:
// each destination keeps them in its ledger, with the data (plugins/destination.h).
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

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "state/cluster_store.h"
#include "state/database_url.h"
#include "state/idempotent_writes.h"
#include "state/job_store.h"
#include "state/notification_store.h"
#include "state/run_history.h"
#include "state/run_log_store.h"
#include "state/run_queue.h"

namespace orc {

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

class StateStore : public JobStore,
                   public RunQueue,
                   public RunHistory,
                   public RunLogStore,
                   public IdempotentWrites,
                   public NotificationStore,
                   public ClusterStore {
 public:
  // The unkeyed and the keyed writes share their names.
  using IdempotentWrites::CreateJob;
  using IdempotentWrites::EnqueueRun;
  using IdempotentWrites::EnqueueSlots;
  using JobStore::CreateJob;
  using RunQueue::EnqueueRun;
  using RunQueue::EnqueueSlots;

  ~StateStore() override = default;

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
