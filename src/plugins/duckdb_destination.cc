#include "plugins/duckdb_destination.h"

#include <system_error>

#include "engine/duckdb_engine.h"

namespace orc {
namespace {

std::filesystem::path Canonical(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
  return error ? std::filesystem::absolute(path) : canonical;
}

}  // namespace

Result<std::unique_ptr<DuckDbConnection>> ConnectDestination(TaskContext& context,
                                                             const std::string& db_path) {
  const std::filesystem::path path = context.Resolve(db_path);
  if (db_path != ":memory:") {
    for (const std::filesystem::path& protected_path : context.protected_paths) {
      if (Canonical(path) == Canonical(protected_path)) {
        return InvalidArgumentError("db_path " + db_path +
                                    " is orc's own state database; write to another file");
      }
    }
  }
  return context.engine->Connect(path.string());
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
