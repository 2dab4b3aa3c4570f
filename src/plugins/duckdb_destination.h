// What the plugins that write a DuckDB database (the duckdb loader, the sql transform) share:
// opening the destination safely, its ledger, and running work in one transaction that an
// interrupt can stop.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "plugins/plugin.h"

namespace orc {

// The ledger of a DuckDB database: its table `_orc_loads`, one row per task of a run that committed
// its work there, written in the same transaction as the work. A task that finds its row has
// committed already and does nothing.
class DuckDbLedger final : public Destination {
 public:
  explicit DuckDbLedger(DuckDbConnection& connection) : connection_(connection) {}

  // Creates the table when missing. Call outside the work's transaction: concurrent tasks writing
  // one file would otherwise conflict on creating it.
  Status Create();

  Result<std::optional<std::string>> LastCursor(TaskContext& context) override;
  Result<std::optional<LoadRecord>> CommittedLoad(TaskContext& context) override;
  Status RecordLoad(const LoadRecord& load) override;

 private:
  DuckDbConnection& connection_;
};

// A connection to the DuckDB database at `db_path` (relative to the data directory), through the
// task's engine so that tasks writing one file share its instance. PermissionDenied when the task's
// PathPolicy refuses writing there (outside the writable directories, or orc's own state database
// by any name), checked as the file is now.
Result<std::unique_ptr<DuckDbConnection>> ConnectDestination(TaskContext& context,
                                                             const std::string& db_path);

// Runs `work` between BEGIN and COMMIT on `connection`, rolling back when it fails. While it runs,
// an interrupt of the task stops the running statement; the result is then the interrupt's reason
// (a timeout, a cancel request) rather than DuckDB's "interrupted". When a rolled-back transaction
// had grown the database file, the file is given back its free space where DuckDB can (a
// checkpoint after the rollback; not on a disk without room for DuckDB's write-ahead log).
template <typename T>
Result<T> InTransaction(TaskContext& context, DuckDbConnection& connection,
                        const std::function<Result<T>()>& work);

// The non-template core of InTransaction: `work` returns a Status.
Status InTransactionStatus(TaskContext& context, DuckDbConnection& connection,
                           const std::function<Status()>& work);

template <typename T>
Result<T> InTransaction(TaskContext& context, DuckDbConnection& connection,
                        const std::function<Result<T>()>& work) {
  std::optional<T> value;
  ORC_RETURN_IF_ERROR(InTransactionStatus(context, connection, [&]() -> Status {
    Result<T> result = work();
    if (!result.ok()) return result.status();
    value = std::move(*result);
    return Status::Ok();
  }));
  return std::move(*value);
}

}  // namespace orc
