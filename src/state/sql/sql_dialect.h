// SqlDialect: everything SqlStateStore does differently on SQLite and on PostgreSQL, in one place,
// so that the store's methods are written once and never ask which backend they run on.
//
// What differs is how concurrent writers are kept apart. SQLite writes one transaction at a time:
// this process's writes share one connection and several share a transaction (GroupCommitter),
// triggers keep the counts of running runs, and foreign keys keep references whole. PostgreSQL
// writes many transactions at once: row locks keep references whole, the statements that move
// runs in or out of `running` keep the counts themselves, and since a round trip costs more than
// most statements, writes that insert many rows pass them as one JSON parameter.
//
// A dialect returns statements (or fragments to put in them) built from the store's own pieces,
// or runs the statements whose shape differs on a connection the store lends it. It keeps no
// state: one is made when the store opens and is safe to use from any thread.
//
// SqliteDialect (sqlite_dialect.h) and PostgresDialect (postgres_dialect.h) implement it; the
// store chooses one from the DatabaseUrl's backend.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/new_run.h"
#include "core/run.h"
#include "state/sql/sql_connection.h"

namespace orc {

// What a store method's work on its connection does: only read; run one writing statement
// (atomic by itself); or run several statements that must commit together.
enum class SqlAccess { kRead, kWrite, kTransaction };

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  // True when every write of this process goes through one connection, several to a transaction
  // (GroupCommitter): then every write runs inside a transaction, whatever its SqlAccess.
  virtual bool GroupsWrites() const = 0;

  // Row locks, appended to a SELECT (or INSERT ... SELECT) that reads the row; empty where the
  // database needs none. LockReferencedRow: the row a new row will point to, taken to share, so
  // that a delete of it waits until the insert commits. LockRowToDelete: a row about to be
  // deleted, so that inserts pointing to it wait until the delete commits.
  virtual std::string_view LockReferencedRow() const = 0;
  virtual std::string_view LockRowToDelete() const = 0;
  // Appended to a subquery that picks a row to take (a webhook delivery to send): locks it for
  // this writer and passes over rows another writer holds, so concurrent takers never wait for
  // each other nor take one row twice; empty where writers take turns anyway (SQLite).
  virtual std::string_view LockRowToTake() const = 0;

  // How many runs an UPDATE may change: one (by its run_id), or any number.
  enum class Runs { kOne, kMany };

  // The statement that runs `update` — an UPDATE of runs that takes runs out of `running`,
  // RETURNING run_id and job_id first — and counts those runs off their jobs'
  // job_concurrency.active_runs (on SQLite a trigger counts them: `update` as it is). Returns the
  // rows `update` returns.
  virtual std::string LeavingRunning(Runs runs, std::string_view update) const = 0;

  // The statement that claims the queue's head and counts it on its job's active_runs. `claim` is
  // an UPDATE of runs that marks a run running, ending in "WHERE run_id = "; `queue_head` is the
  // FROM ... LIMIT 1 that finds the due run (runs as `r`). Its row, with the run's columns
  // (run_columns.h): the claimed run; no row when no run is due; a row whose first column is NULL
  // when the claimer lost a race for its job's last place (another claim may find work).
  virtual std::string ClaimRun(std::string_view claim, std::string_view queue_head) const = 0;

  // Inserts one queued run per schedule slot (`slots[i]`, with the new id `run_ids[i]`): none for
  // a slot that has a run already, nor for a scheduled slot of a paused job. `insert_one(i)`
  // inserts slot i alone and returns its row (none when skipped; NotFound when its job does not
  // exist). SQLite calls it for each slot; PostgreSQL inserts them all with one statement, the
  // slots passed as one JSON parameter, and is NotFound, naming a job, when a slot's job does not
  // exist. Returns the rows inserted (run columns), in any order.
  virtual Result<std::vector<SqlRows>> InsertSlots(
      SqlConnection& connection, const std::vector<NewRun>& slots,
      const std::vector<std::string>& run_ids, int64_t now,
      const std::function<Result<SqlRows>(size_t)>& insert_one) const = 0;

  // Announces a change to the other processes sharing the database (state/change_feed.h) from
  // inside the write's body: at its commit where it runs in a transaction, at once otherwise.
  // Best-effort: a failure is logged, never returned, so a committed write is not reported
  // failed. SQLite: nothing (one process writes it).
  virtual void Notify(SqlConnection& connection, std::string_view channel,
                      const std::string& payload) const = 0;

  // The access a write that changes one run and inserts rows beside it (FinishRun with task runs,
  // AppendRunLogs) needs: kWrite where the dialect makes it one statement, kTransaction where
  // several.
  virtual SqlAccess RunWithRowsAccess() const = 0;

  // Runs `finish` — an UPDATE taking one run out of running, RETURNING the run's columns, whose
  // parameters are `params` ($1 to $7) — and, when it changed the run, saves `task_runs`: in the
  // same statement, or one by one through `save_one`. Returns the statement's rows: none when it
  // changed no run (then no task run is saved). With task runs, needs RunWithRowsAccess().
  virtual Result<SqlRows> FinishRun(
      SqlConnection& connection, std::string_view finish, std::vector<SqlValue> params,
      const std::vector<TaskRun>& task_runs,
      const std::function<Status(const TaskRun&)>& save_one) const = 0;

  // Numbers `lines` after the last line of the run (through the run row, so concurrent appenders
  // take disjoint ranges) and inserts them; lines past `cap` are dropped and the one at `cap`
  // replaced by a warning saying `truncated`. False when the run does not exist (nothing is
  // written). Needs RunWithRowsAccess().
  virtual Result<bool> AppendRunLogs(SqlConnection& connection, const std::string& run_id,
                                     const std::vector<RunLogLine>& lines, int64_t cap,
                                     const std::string& truncated) const = 0;
};

}  // namespace orc
