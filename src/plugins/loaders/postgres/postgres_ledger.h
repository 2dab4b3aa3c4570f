// PostgresLedger: the ledger of a PostgreSQL destination, the table `_orc_loads` in the target
// table's schema (or the connection's current schema for an unqualified table_name), with the
// columns of the DuckDB destination's ledger. The loader writes a load's row in the load's own
// transaction, so that the rows and the cursor commit together.
//
// Borrows the loader's session; used by one thread.
#pragma once

#include <optional>
#include <string>

#include "plugins/destination.h"
#include "plugins/loaders/postgres/pg_session.h"

namespace orc {

class PostgresLedger final : public Destination {
 public:
  // `schema`: the schema of the target table, or "" for the current one.
  PostgresLedger(PgSession& session, const std::string& schema);

  // Creates the table when missing, in a short transaction of its own (serialised by an advisory
  // lock, as two loads may find it missing at once). A role without CREATE on the schema can load
  // into an existing ledger, as nothing is created then.
  Status Create();

  Result<std::optional<std::string>> LastCursor(TaskContext& context) override;
  Result<std::optional<LoadRecord>> CommittedLoad(TaskContext& context) override;
  // Within the caller's transaction.
  Status RecordLoad(const LoadRecord& load) override;

 private:
  PgSession& session_;
  std::string table_;  // quoted, qualified when the target's is
};

}  // namespace orc
