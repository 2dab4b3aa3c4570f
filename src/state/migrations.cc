#include "state/migrations.h"

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>
#include <vector>

namespace orc {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view both;      // runs on both backends, first
  std::string_view sqlite;    // then this on SQLite
  std::string_view postgres;  // or this on PostgreSQL
  // The oldest schema version whose binaries may still use the database once this migration
  // ran: the version before it when it only adds (tables, columns with defaults, indexes) that
  // older binaries ignore, so that nodes sharing a database are upgraded one at a time. 0: only
  // binaries that know this migration. Recorded from migration 17 on (the column came with it).
  int readers_from = 0;
};

// The first migration that records readers_from.
constexpr int kReadersFromRecorded = 17;

// Times are BIGINT microseconds since the epoch (UTC) on both backends; JSON documents are TEXT.
// Type names are chosen so one DDL text works on both (SQLite maps them to its affinities).
// {without_rowid} becomes WITHOUT ROWID on SQLite: the table is stored in its primary key's
// order, so a write dirties one b-tree page fewer than a rowid table plus its key index.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE jobs (
  job_id                TEXT PRIMARY KEY,
  job_name              TEXT NOT NULL UNIQUE,
  description           TEXT NOT NULL DEFAULT '',
  schedule              TEXT,
  timezone              TEXT NOT NULL DEFAULT 'UTC',
  is_active             BOOLEAN NOT NULL DEFAULT TRUE,
  catchup               BOOLEAN NOT NULL DEFAULT FALSE,
  max_active_runs       INTEGER NOT NULL DEFAULT 1 CHECK (max_active_runs >= 1),
  timeout_s             INTEGER,
  retry_max_attempts    INTEGER NOT NULL DEFAULT 3,
  retry_initial_delay_s DOUBLE PRECISION NOT NULL DEFAULT 1,
  retry_max_delay_s     DOUBLE PRECISION NOT NULL DEFAULT 300,
  -- runs of this job now running; kept by the triggers on runs, read by ClaimRun
  active_runs           INTEGER NOT NULL DEFAULT 0,
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL
);
CREATE INDEX jobs_created ON jobs (created_at, job_id);

CREATE TABLE tasks (
  task_id               TEXT PRIMARY KEY,
  job_id                TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  task_order            INTEGER NOT NULL,
  task_name             TEXT NOT NULL,
  extractor_config      TEXT NOT NULL DEFAULT '',
  loader_config         TEXT NOT NULL DEFAULT '',
  transform_config      TEXT NOT NULL DEFAULT '',
  depends_on            TEXT NOT NULL DEFAULT '[]',
  timeout_s             INTEGER,
  retry_max_attempts    INTEGER,
  retry_initial_delay_s DOUBLE PRECISION,
  retry_max_delay_s     DOUBLE PRECISION,
  UNIQUE (job_id, task_order),
  UNIQUE (job_id, task_name)
);

CREATE TABLE runs (
  run_id           TEXT PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  status           TEXT NOT NULL
                   CHECK (status IN ('queued', 'running', 'success', 'failed', 'cancelled')),
  triggered_by     TEXT NOT NULL CHECK (triggered_by IN ('manual', 'scheduler', 'backfill')),
  scheduled_for    BIGINT,
  queued_at        BIGINT NOT NULL,
  available_at     BIGINT NOT NULL,
  started_at       BIGINT,
  finished_at      BIGINT,
  error_message    TEXT NOT NULL DEFAULT '',
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT,
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL DEFAULT 1,
  cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
  rows_extracted   BIGINT NOT NULL DEFAULT 0,
  rows_loaded      BIGINT NOT NULL DEFAULT 0,
  log_lines        BIGINT NOT NULL DEFAULT 0,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL
){without_rowid};
-- One run per schedule slot, whoever enqueues it (two schedulers, a restart, a backfill).
CREATE UNIQUE INDEX runs_job_slot ON runs (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL;
-- ClaimRun reads the queue in exactly this order and stops at the first row it can take.
CREATE INDEX runs_queue ON runs (available_at, queued_at, run_id) WHERE status = 'queued';
CREATE INDEX runs_lease ON runs (lease_expires_at) WHERE status = 'running';
CREATE INDEX runs_created ON runs (created_at, run_id);
CREATE INDEX runs_job_created ON runs (job_id, created_at, run_id);

CREATE TABLE task_runs (
  run_id         TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  -- no foreign key: a task may be edited away while its history stays
  task_id        TEXT NOT NULL,
  task_name      TEXT NOT NULL,
  task_order     INTEGER NOT NULL,
  status         TEXT NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  errors         TEXT NOT NULL DEFAULT '[]',
  error_message  TEXT NOT NULL DEFAULT '',
  started_at     BIGINT,
  finished_at    BIGINT,
  rows_extracted BIGINT NOT NULL DEFAULT 0,
  rows_loaded    BIGINT NOT NULL DEFAULT 0,
  bytes_read     BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, task_id)
){without_rowid};

CREATE TABLE run_logs (
  run_id    TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  line      BIGINT NOT NULL,
  logged_at BIGINT NOT NULL,
  level     TEXT NOT NULL,
  task_name TEXT NOT NULL DEFAULT '',
  message   TEXT NOT NULL,
  PRIMARY KEY (run_id, line)
){without_rowid};

CREATE TABLE task_cursors (
  task_id      TEXT NOT NULL,
  cursor_key   TEXT NOT NULL,
  cursor_value TEXT NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (task_id, cursor_key)
){without_rowid};
)sql";

// SQLite has one writer at a time, so ClaimRun's check of active_runs cannot be raced: the
// trigger only counts.
constexpr std::string_view kSqliteActiveRuns = R"sql(
CREATE TRIGGER runs_active_runs AFTER UPDATE OF status ON runs
WHEN (OLD.status = 'running') <> (NEW.status = 'running')
BEGIN
  UPDATE jobs SET active_runs = active_runs + CASE WHEN NEW.status = 'running' THEN 1 ELSE -1 END
  WHERE job_id = NEW.job_id;
END;
)sql";

// On PostgreSQL two claimers can both see a job below its limit in their snapshots. The trigger's
// UPDATE of the job row serializes them and re-checks the limit; the loser gets a serialization
// failure and ClaimRun tries again. (Migration 6 replaces it: the statements count.)
constexpr std::string_view kPostgresActiveRuns = R"sql(
CREATE FUNCTION orc_count_active_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'running' AND OLD.status <> 'running' THEN
    UPDATE jobs SET active_runs = active_runs + 1
    WHERE job_id = NEW.job_id AND active_runs < max_active_runs;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'job % is at its max_active_runs', NEW.job_id
        USING ERRCODE = 'serialization_failure';
    END IF;
  ELSIF OLD.status = 'running' AND NEW.status <> 'running' THEN
    UPDATE jobs SET active_runs = active_runs - 1 WHERE job_id = NEW.job_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER runs_active_runs AFTER UPDATE OF status ON runs
FOR EACH ROW EXECUTE FUNCTION orc_count_active_runs();
)sql";

// A counter every job write raises in its transaction: what caches of job listings compare
// (timestamps cannot serve: two writes may share one, and clocks of processes differ).
constexpr std::string_view kJobChanges = R"sql(
CREATE TABLE job_changes (
  id       INTEGER PRIMARY KEY,
  version  BIGINT NOT NULL
);
INSERT INTO job_changes (id, version) VALUES (1, 0);
)sql";

// Every index on runs is written again by each claim, heartbeat and finish (they change indexed
// columns, so PostgreSQL cannot update in place). Run ids are time-ordered (UUIDv7), so the
// primary key already lists runs by creation time: the created_at indexes go, and a job's runs
// are found by (job_id, run_id). One index fewer to write per update, and a narrower one.
constexpr std::string_view kLeanerRunIndexes = R"sql(
DROP INDEX runs_created;
DROP INDEX runs_job_created;
CREATE INDEX runs_job ON runs (job_id, run_id);
)sql";

// A lookup of one run by its id that also names its status (finish, heartbeat, release) implies
// the predicate of an index partial on that status, so PostgreSQL's planner may read the whole of
// that index, dead entries included, instead of the primary key. The lease index is partial on
// the lease instead, which is set exactly while a run is running: no statement by run id implies
// it, and reclaiming (lease_expires_at < now) still reads it alone.
constexpr std::string_view kLeaseIndexOnTheLease = R"sql(
DROP INDEX runs_lease;
CREATE INDEX runs_lease ON runs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
)sql";

// PostgreSQL re-reads a CHECK constraint from its stored text on every statement that writes the
// row, which costs a claim or a finish more than its index lookups. Enum types keep the same
// guarantee (a value outside the list is refused, on the parameter's way in) for a catalog
// lookup, and store 4 bytes instead of the word. SQLite compiles its CHECKs into each prepared
// statement, so it keeps them.
constexpr std::string_view kPostgresRunEnums = R"sql(
CREATE TYPE run_status AS ENUM ('queued', 'running', 'success', 'failed', 'cancelled');
CREATE TYPE run_trigger AS ENUM ('manual', 'scheduler', 'backfill');
DROP INDEX runs_queue;
DROP TRIGGER runs_active_runs ON runs;
ALTER TABLE runs
  DROP CONSTRAINT runs_status_check,
  DROP CONSTRAINT runs_triggered_by_check,
  ALTER COLUMN status TYPE run_status USING status::run_status,
  ALTER COLUMN triggered_by TYPE run_trigger USING triggered_by::run_trigger;
CREATE INDEX runs_queue ON runs (available_at, queued_at, run_id) WHERE status = 'queued';
CREATE TRIGGER runs_active_runs AFTER UPDATE OF status ON runs
FOR EACH ROW EXECUTE FUNCTION orc_count_active_runs();
)sql";

// The trigger counting a job's running runs ran a PL/pgSQL function, and through it a second
// statement, for every claim and every finish: the statements that change a run's status count
// it themselves now (SqlStateStore::ClaimRun, LeavingRunning). The counts are taken afresh.
constexpr std::string_view kPostgresCountInStatements = R"sql(
DROP TRIGGER runs_active_runs ON runs;
DROP FUNCTION orc_count_active_runs();
UPDATE jobs SET active_runs =
  (SELECT COUNT(*) FROM runs WHERE runs.job_id = jobs.job_id AND runs.status = 'running');
)sql";

// As migration 5 did for runs, for the one CHECK left on a row every claim and finish writes
// (jobs.active_runs): the CHECK on max_active_runs moves into a domain, whose check runs only
// where a value is stored into the column, which claims and finishes never do.
constexpr std::string_view kPostgresJobLimitDomain = R"sql(
CREATE DOMAIN run_limit AS INTEGER CHECK (VALUE >= 1);
ALTER TABLE jobs
  DROP CONSTRAINT jobs_max_active_runs_check,
  ALTER COLUMN max_active_runs TYPE run_limit;
)sql";

// A foreign key is checked by a query of its own (through SPI) for every row written: each
// enqueue looked its job up twice, and each task-run save its run. The statements that write
// these rows read the row they refer to anyway, and lock it as the check did (FOR KEY SHARE:
// it cannot be deleted until they commit), so the keys go; DeleteJob deletes a job's runs and
// their task runs itself. SQLite checks keys inside the statement, so it keeps them.
constexpr std::string_view kPostgresKeysInStatements = R"sql(
ALTER TABLE runs DROP CONSTRAINT runs_job_id_fkey;
ALTER TABLE task_runs DROP CONSTRAINT task_runs_run_id_fkey;
)sql";

// Claims and finishes wrote the job's row (its running-run count): a wide row, locked to share by
// every enqueue of the job, so each count was a copy of the whole row and often a MultiXact. The
// count and the limit it is held to move to a narrow row of their own, which only claims,
// finishes, releases and reclaims write; the job store keeps the limit in step with the job.
constexpr std::string_view kJobConcurrency = R"sql(
CREATE TABLE job_concurrency (
  job_id          TEXT PRIMARY KEY,
  max_active_runs INTEGER NOT NULL,
  active_runs     INTEGER NOT NULL DEFAULT 0
){without_rowid};
INSERT INTO job_concurrency (job_id, max_active_runs, active_runs)
  SELECT job_id, max_active_runs, active_runs FROM jobs;
)sql";

constexpr std::string_view kSqliteJobConcurrency = R"sql(
DROP TRIGGER runs_active_runs;
ALTER TABLE jobs DROP COLUMN active_runs;
CREATE TRIGGER runs_active_runs AFTER UPDATE OF status ON runs
WHEN (OLD.status = 'running') <> (NEW.status = 'running')
BEGIN
  UPDATE job_concurrency
  SET active_runs = active_runs + CASE WHEN NEW.status = 'running' THEN 1 ELSE -1 END
  WHERE job_id = NEW.job_id;
END;
)sql";

constexpr std::string_view kPostgresJobConcurrency = R"sql(
ALTER TABLE jobs DROP COLUMN active_runs;
)sql";

// How much memory a job's tasks may use (MiB; NULL: the server's default, 0: no limit).
constexpr std::string_view kMemoryLimits = R"sql(
ALTER TABLE jobs ADD COLUMN memory_mb INTEGER;
ALTER TABLE tasks ADD COLUMN memory_mb INTEGER;
)sql";

// What a request sent with an Idempotency-Key was answered, kept with the key for a while so that
// a retry gets the same answer and changes nothing. The key itself is the primary key: among
// writers racing with one key (several threads, several orc processes) the database lets exactly
// one insert it. Expired records are deleted a bounded batch at a time, found by their expiry.
constexpr std::string_view kIdempotencyKeys = R"sql(
CREATE TABLE idempotency_keys (
  idempotency_key    TEXT PRIMARY KEY,
  fingerprint        TEXT NOT NULL,
  reply_status       INTEGER NOT NULL,
  reply_content_type TEXT NOT NULL,
  reply_location     TEXT NOT NULL,
  reply_body         TEXT NOT NULL,
  created_at         BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL
){without_rowid};
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
)sql";

// A runs page filtered to failed or cancelled runs reads them newest first from an index of their
// own; success (most runs) is read from the primary key, queued and running from their partial
// indexes. Partial, so a run that succeeds never writes to them.
constexpr std::string_view kFinalStatusIndexes = R"sql(
CREATE INDEX runs_failed ON runs (run_id) WHERE status = 'failed';
CREATE INDEX runs_cancelled ON runs (run_id) WHERE status = 'cancelled';
)sql";

// Progress while a task reads files: their total size, and the rows read where DuckDB counts them.
constexpr std::string_view kTaskReadProgress = R"sql(
ALTER TABLE task_runs ADD COLUMN bytes_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE task_runs ADD COLUMN rows_processed BIGINT NOT NULL DEFAULT 0;
)sql";

// What a run is for and what it runs: its data interval, its parameters' values, the run it retries
// or clears part of and the tasks it runs then; and what a job declares for them: its parameters,
// where to notify, and how long after its slot a run must have succeeded.
constexpr std::string_view kRunIntervals = R"sql(
ALTER TABLE runs ADD COLUMN interval_start BIGINT;
ALTER TABLE runs ADD COLUMN interval_end BIGINT;
ALTER TABLE runs ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN retry_of TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN only_tasks TEXT NOT NULL DEFAULT '[]';
ALTER TABLE jobs ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE jobs ADD COLUMN notify TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN sla_s INTEGER;
)sql";

// Alerts (notify/notifier.h). A run is queued with its notice pending; the notifier finds it
// finished through the partial index, creates its deliveries and clears the flag in one
// transaction, so finishing a run writes nothing more and a crash loses no alert. Runs already
// there get no notice: no alerts for history. Deliveries are the outbox: unique per run (or late
// slot), event and target, leased while one process sends them, found when due by their own
// partial index and by run for the run's page. late_slots remembers which slots alerted late.
constexpr std::string_view kNotifications = R"sql(
ALTER TABLE runs ADD COLUMN notice_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX runs_notice ON runs (run_id)
  WHERE notice_pending AND status IN ('success', 'failed', 'cancelled');
CREATE TABLE notify_deliveries (
  delivery_id      TEXT PRIMARY KEY,
  job_id           TEXT NOT NULL,
  run_id           TEXT,
  slot             BIGINT,
  event            TEXT NOT NULL,
  target           TEXT NOT NULL,
  url              TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT NOT NULL,
  last_status_code INTEGER,
  last_error       TEXT NOT NULL DEFAULT '',
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT,
  created_at       BIGINT NOT NULL,
  delivered_at     BIGINT,
  body             TEXT NOT NULL
){without_rowid};
CREATE UNIQUE INDEX notify_deliveries_run ON notify_deliveries (run_id, event, target)
  WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX notify_deliveries_slot ON notify_deliveries (job_id, slot, event, target)
  WHERE slot IS NOT NULL;
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE TABLE late_slots (
  job_id      TEXT NOT NULL,
  slot        BIGINT NOT NULL,
  detected_at BIGINT NOT NULL,
  PRIMARY KEY (job_id, slot)
){without_rowid};
CREATE INDEX late_slots_slot ON late_slots (slot);
)sql";

// Incremental cursors live in each destination's ledger, committed with the data they describe
// (plugins/destination.h); the state store's table for them never had a writer.
constexpr std::string_view kDropTaskCursors = R"sql(
DROP TABLE task_cursors;
)sql";

// The processes sharing the database (state/cluster_store.h): one row per node, refreshed by its
// heartbeat, and leadership terms. Old binaries ignore both tables: a node that does not register
// keeps its runs until their leases expire, as before. A node's roles are a JSON array of names.
// And the column that tells older binaries
// whether they may still use a database a newer one migrated.
constexpr std::string_view kCluster = R"sql(
ALTER TABLE schema_migrations ADD COLUMN readers_from INTEGER NOT NULL DEFAULT 0;
CREATE TABLE nodes (
  node_id      TEXT PRIMARY KEY,
  host         TEXT NOT NULL,
  roles        TEXT NOT NULL,
  version      TEXT NOT NULL,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  workers      INTEGER NOT NULL,
  workers_busy INTEGER NOT NULL
){without_rowid};
CREATE TABLE leaders (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  renewed_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
){without_rowid};
)sql";

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "initial schema", kInitialSchema, kSqliteActiveRuns, kPostgresActiveRuns},
      {2, "job change counter", kJobChanges, "", ""},
      {3, "runs listed by their time-ordered ids", kLeanerRunIndexes, "", ""},
      {4, "lease index partial on the lease", kLeaseIndexOnTheLease, "", ""},
      {5, "run status and trigger as enum types", "", "", kPostgresRunEnums},
      {6, "running runs counted by the statements", "", "", kPostgresCountInStatements},
      {7, "max_active_runs checked by a domain", "", "", kPostgresJobLimitDomain},
      {8, "run and task-run keys checked by the statements", "", "", kPostgresKeysInStatements},
      {9, "running runs counted apart from the job", kJobConcurrency, kSqliteJobConcurrency,
       kPostgresJobConcurrency},
      {10, "memory limits of jobs and tasks", kMemoryLimits, "", ""},
      {11, "idempotency keys", kIdempotencyKeys, "", ""},
      {12, "failed and cancelled runs indexed", kFinalStatusIndexes, "", ""},
      {13, "task-run read progress", kTaskReadProgress, "", ""},
      {14, "run intervals, parameters and retries", kRunIntervals, "", ""},
      {15, "alerts: run notices, webhook deliveries, late slots", kNotifications, "", ""},
      {16, "cursors kept by the destinations, not the state store", kDropTaskCursors, "", ""},
      {17, "nodes and leadership terms", kCluster, "", "", /*readers_from=*/16},
  };
  return migrations;
}

// Fills in the few words the shared DDL spells differently per backend.
std::string ForBackend(std::string_view sql, DatabaseBackend backend) {
  constexpr std::string_view kWithoutRowid = "{without_rowid}";
  const std::string_view replacement = backend == DatabaseBackend::kSqlite ? " WITHOUT ROWID" : "";
  std::string text(sql);
  for (size_t at = text.find(kWithoutRowid); at != std::string::npos;
       at = text.find(kWithoutRowid, at + replacement.size())) {
    text.replace(at, kWithoutRowid.size(), replacement);
  }
  return text;
}

// Any 64-bit constant; it only has to be the same in every orc process.
constexpr int64_t kMigrationLockKey = 0x6f72635f6d696772;  // "orc_migr"

Status ApplyInTransaction(SqlConnection& connection, DatabaseBackend backend, Clock& clock) {
  if (backend == DatabaseBackend::kPostgres) {
    ORC_RETURN_IF_ERROR(
        connection.Execute("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}).status());
  }
  ORC_RETURN_IF_ERROR(connection.ExecuteScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  ORC_ASSIGN_OR_RETURN(SqlRows current,
                       connection.Execute("SELECT MAX(version) FROM schema_migrations", {}));
  const int64_t version = current.IsNull(0, 0) ? 0 : current.Int(0, 0);
  if (version > LatestSchemaVersion()) {
    // A newer binary migrated it: it may have said that binaries of this one's version may still
    // use it (a rolling upgrade), else refuse.
    if (version >= kReadersFromRecorded) {
      ORC_ASSIGN_OR_RETURN(
          SqlRows readers,
          connection.Execute("SELECT readers_from FROM schema_migrations WHERE version = $1",
                             {version}));
      const int64_t readers_from = readers.empty() ? 0 : readers.Int(0, 0);
      if (readers_from > 0 && readers_from <= LatestSchemaVersion()) {
        spdlog::warn(
            "the state database has schema version {}, newer than this orc binary knows "
            "({}); a newer orc made it usable by this one: upgrade this node too",
            version, LatestSchemaVersion());
        return Status::Ok();
      }
    }
    return FailedPreconditionError(
        "the state database has schema version " + std::to_string(version) +
        ", newer than this orc binary knows (" + std::to_string(LatestSchemaVersion()) +
        "): it was written by a newer orc; run that version, or point --database-url elsewhere");
  }
  for (const Migration& migration : AllMigrations()) {
    if (migration.version <= version) continue;
    const std::string_view specific =
        backend == DatabaseBackend::kPostgres ? migration.postgres : migration.sqlite;
    const std::string what = "applying schema migration " + std::to_string(migration.version) +
                             " (" + std::string(migration.name) + ")";
    if (!migration.both.empty()) {
      ORC_RETURN_IF_ERROR(
          connection.ExecuteScript(ForBackend(migration.both, backend)).WithContext(what));
    }
    if (!specific.empty()) {
      ORC_RETURN_IF_ERROR(connection.ExecuteScript(specific).WithContext(what));
    }
    if (migration.version < kReadersFromRecorded) {
      ORC_RETURN_IF_ERROR(connection
                              .Execute("INSERT INTO schema_migrations (version, name, applied_at) "
                                       "VALUES ($1, $2, $3)",
                                       {int64_t{migration.version}, std::string(migration.name),
                                        ToStoredTime(clock.Now())})
                              .status());
    } else {
      ORC_RETURN_IF_ERROR(
          connection
              .Execute("INSERT INTO schema_migrations (version, name, applied_at, readers_from) "
                       "VALUES ($1, $2, $3, $4)",
                       {int64_t{migration.version}, std::string(migration.name),
                        ToStoredTime(clock.Now()), int64_t{migration.readers_from}})
              .status());
    }
  }
  return Status::Ok();
}

}  // namespace

int LatestSchemaVersion() { return AllMigrations().back().version; }

Status ApplyMigrations(SqlConnection& connection, DatabaseBackend backend, Clock& clock) {
  ORC_RETURN_IF_ERROR(connection.BeginWrite());
  Status applied = ApplyInTransaction(connection, backend, clock);
  if (applied.ok()) applied = connection.Commit();
  if (!applied.ok()) connection.Rollback();
  return applied;
}

}  // namespace orc
