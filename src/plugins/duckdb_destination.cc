#include "plugins/duckdb_destination.h"

#include <filesystem>
#include <system_error>

#include "common/path_policy.h"
#include "engine/duckdb_engine.h"

namespace orc {
namespace {

// The size of the connection's database file; nullopt in memory or when it cannot be read.
std::optional<uintmax_t> DatabaseFileSize(const DuckDbConnection& connection) {
  if (connection.database_path().empty()) return std::nullopt;
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(connection.database_path(), error);
  if (error) return std::nullopt;
  return size;
}

// DuckDB writes a large transaction's rows into the database file as they come, and a rollback
// only marks those blocks free, so a failed load would leave the file at its grown size. A
// checkpoint truncates free blocks at the end of the file, but DuckDB checkpoints only when
// something was committed since the last one: hence the empty change first. Best effort: on a
// disk without room even for DuckDB's write-ahead log the change cannot commit, and the file
// keeps its size until the disk has room (DuckDB reuses that space once it reopens the file).
void GiveBackSpace(DuckDbConnection& connection) {
  if (!connection.Execute("BEGIN TRANSACTION").ok()) return;
  Status changed =
      connection.Execute("CREATE TABLE _orc_reclaim (x INTEGER); DROP TABLE _orc_reclaim").status();
  if (changed.ok()) changed = connection.Execute("COMMIT").status();
  if (!changed.ok()) {
    (void)connection.Execute("ROLLBACK");
    return;
  }
  (void)connection.Execute("CHECKPOINT");
}

}  // namespace

Status DuckDbLedger::Create() {
  return connection_
      .Execute(
          "CREATE TABLE IF NOT EXISTS _orc_loads (run_id VARCHAR NOT NULL, task_id VARCHAR NOT "
          "NULL, attempt INTEGER NOT NULL, table_name VARCHAR NOT NULL, write_mode VARCHAR NOT "
          "NULL, rows_loaded BIGINT NOT NULL, cursor_value VARCHAR, loaded_at TIMESTAMPTZ NOT "
          "NULL)")
      .status();
}

Result<std::optional<std::string>> DuckDbLedger::LastCursor(TaskContext& context) {
  ORC_ASSIGN_OR_RETURN(
      DuckDbRows last,
      connection_.Query(
          "SELECT cursor_value FROM _orc_loads WHERE task_id = " + QuoteLiteral(context.task_id) +
          " AND cursor_value IS NOT NULL ORDER BY loaded_at DESC LIMIT 1"));
  if (last.rows.empty()) return std::optional<std::string>();
  return last.rows[0][0];
}

Result<std::optional<LoadRecord>> DuckDbLedger::CommittedLoad(TaskContext& context) {
  ORC_ASSIGN_OR_RETURN(
      DuckDbRows earlier,
      connection_.Query("SELECT attempt, table_name, write_mode, rows_loaded, cursor_value FROM "
                        "_orc_loads WHERE run_id = " +
                        QuoteLiteral(context.run_id) +
                        " AND task_id = " + QuoteLiteral(context.task_id)));
  if (earlier.rows.empty()) return std::optional<LoadRecord>();
  const auto& row = earlier.rows[0];
  return std::optional<LoadRecord>(LoadRecord{.run_id = context.run_id,
                                              .task_id = context.task_id,
                                              .attempt = std::stoi(row[0].value_or("0")),
                                              .target = row[1].value_or(""),
                                              .write_mode = row[2].value_or(""),
                                              .rows_loaded = std::stoll(row[3].value_or("0")),
                                              .cursor_value = row[4]});
}

Status DuckDbLedger::RecordLoad(const LoadRecord& load) {
  return connection_
      .Execute("INSERT INTO _orc_loads VALUES (" + QuoteLiteral(load.run_id) + ", " +
               QuoteLiteral(load.task_id) + ", " + std::to_string(load.attempt) + ", " +
               QuoteLiteral(load.target) + ", " + QuoteLiteral(load.write_mode) + ", " +
               std::to_string(load.rows_loaded) + ", " +
               (load.cursor_value ? QuoteLiteral(*load.cursor_value) : "NULL") +
               ", current_timestamp)")
      .status();
}

Result<std::unique_ptr<DuckDbConnection>> ConnectDestination(TaskContext& context,
                                                             const std::string& db_path) {
  // Checked again here, just before the open: the file may have become a symlink since the job
  // was written, or since the plugin was made.
  Result<std::filesystem::path> path = context.paths->Check(db_path, PathAccess::kWrite);
  if (!path.ok()) return path.status().WithContext("db_path");
  return context.engine->Connect(path->string());
}

Status InTransactionStatus(TaskContext& context, DuckDbConnection& connection,
                           const std::function<Status()>& work) {
  Interrupter::Registration registration =
      context.interrupter->OnInterrupt([&connection] { connection.Interrupt(); });
  if (context.interrupter->interrupted()) return context.interrupter->reason();
  const std::optional<uintmax_t> size_before = DatabaseFileSize(connection);
  ORC_RETURN_IF_ERROR(connection.Execute("BEGIN TRANSACTION").status());
  Status status = work();
  if (status.ok()) status = connection.Execute("COMMIT").status();
  if (status.ok()) return status;
  (void)connection.Execute("ROLLBACK");
  const std::optional<uintmax_t> size_after = DatabaseFileSize(connection);
  if (size_before && size_after && *size_after > *size_before) GiveBackSpace(connection);
  if (status.code() == StatusCode::kCancelled && context.interrupter->interrupted()) {
    return context.interrupter->reason();
  }
  return status;
}

}  // namespace orc
