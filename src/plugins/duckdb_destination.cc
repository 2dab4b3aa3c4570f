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
