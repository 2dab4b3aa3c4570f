#include "plugins/loaders/postgres/postgres_ledger.h"

#include <libpq-fe.h>

namespace orc {

PostgresLedger::PostgresLedger(PgSession& session, const std::string& schema)
    : session_(session),
      table_(schema.empty() ? PgQuoteIdentifier("_orc_loads")
                            : PgQuoteIdentifier(schema) + "." + PgQuoteIdentifier("_orc_loads")) {}

Status PostgresLedger::Create() {
  ORC_ASSIGN_OR_RETURN(std::optional<std::string> exists,
                       session_.QueryValue("SELECT to_regclass($1)::text", {table_}));
  if (exists) return Status::Ok();
  ORC_RETURN_IF_ERROR(session_.Execute("BEGIN").status());
  Status created = session_
                       .Execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                                {std::optional<std::string>("orc ledger " + table_)})
                       .status();
  if (created.ok()) {
    created = session_
                  .Execute("CREATE TABLE IF NOT EXISTS " + table_ +
                           " (run_id text NOT NULL, task_id text NOT NULL, attempt integer NOT "
                           "NULL, table_name text NOT NULL, write_mode text NOT NULL, rows_loaded "
                           "bigint NOT NULL, cursor_value text, loaded_at timestamptz NOT NULL "
                           "DEFAULT now())")
                  .status();
  }
  if (created.ok()) created = session_.Execute("COMMIT").status();
  if (!created.ok()) {
    (void)session_.Execute("ROLLBACK");
    return created.WithContext("creating the ledger " + table_);
  }
  return Status::Ok();
}

Result<std::optional<std::string>> PostgresLedger::LastCursor(TaskContext& context) {
  return session_.QueryValue("SELECT cursor_value FROM " + table_ +
                                 " WHERE task_id = $1 AND cursor_value IS NOT NULL ORDER BY "
                                 "loaded_at DESC LIMIT 1",
                             {context.task_id});
}

Result<std::optional<LoadRecord>> PostgresLedger::CommittedLoad(TaskContext& context) {
  ORC_ASSIGN_OR_RETURN(
      PgResult earlier,
      session_.Execute("SELECT attempt, table_name, write_mode, rows_loaded, cursor_value FROM " +
                           table_ + " WHERE run_id = $1 AND task_id = $2 LIMIT 1",
                       {context.run_id, context.task_id}));
  if (PQntuples(earlier.get()) == 0) return std::optional<LoadRecord>();
  PGresult* row = earlier.get();
  std::optional<std::string> cursor;
  if (!PQgetisnull(row, 0, 4)) cursor = PQgetvalue(row, 0, 4);
  return std::optional<LoadRecord>(
      LoadRecord{.run_id = context.run_id,
                 .task_id = context.task_id,
                 .attempt = std::atoi(PQgetvalue(row, 0, 0)),
                 .target = PQgetvalue(row, 0, 1),
                 .write_mode = PQgetvalue(row, 0, 2),
                 .rows_loaded = std::strtoll(PQgetvalue(row, 0, 3), nullptr, 10),
                 .cursor_value = std::move(cursor)});
}

Status PostgresLedger::RecordLoad(const LoadRecord& load) {
  return session_
      .Execute("INSERT INTO " + table_ +
                   " (run_id, task_id, attempt, table_name, write_mode, rows_loaded, "
                   "cursor_value) VALUES ($1, $2, $3, $4, $5, $6, $7)",
               {load.run_id, load.task_id, std::to_string(load.attempt), load.target,
                load.write_mode, std::to_string(load.rows_loaded), load.cursor_value})
      .status();
}

}  // namespace orc
