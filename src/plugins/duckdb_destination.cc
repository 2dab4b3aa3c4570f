#include "plugins/duckdb_destination.h"

#include "common/path_policy.h"
#include "engine/duckdb_engine.h"

namespace orc {

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
  ORC_RETURN_IF_ERROR(connection.Execute("BEGIN TRANSACTION").status());
  Status status = work();
  if (status.ok()) status = connection.Execute("COMMIT").status();
  if (status.ok()) return status;
  (void)connection.Execute("ROLLBACK");
  if (status.code() == StatusCode::kCancelled && context.interrupter->interrupted()) {
    return context.interrupter->reason();
  }
  return status;
}

}  // namespace orc
