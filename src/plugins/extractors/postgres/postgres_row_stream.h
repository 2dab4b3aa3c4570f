// PostgresRowStream: the rows of a postgres source, read with COPY (SELECT ...) TO STDOUT
// (FORMAT binary) and decoded row by row into DuckDB's vectors (RowStream), so a table of any
// size streams into DuckDB holding a few chunks of vectors per part. Each part fetches and
// decodes on a thread of its own, handing chunks to DuckDB's thread, so the two overlap.
//
// One part reads on the extractor's own connection, in the transaction where the extractor read
// the catalog and the cursor's bounds. Several parts (a partitioned read) each open a connection
// of their own and import the extractor's exported snapshot (SET TRANSACTION SNAPSHOT), so all
// parts see one snapshot; the extractor's transaction stays open meanwhile.
//
// Ownership: the stream borrows the extractor's connection and the task's network policy, which
// outlive the statement reading it. Cancel() is safe from any thread (an interrupted task); the
// rest is called by RegisterRowStream's readers, one thread per part.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/row_stream.h"
#include "plugins/databases/connection_url.h"
#include "plugins/extractors/postgres/pg_binary.h"
#include "plugins/extractors/postgres/pg_connection.h"

namespace orc {

struct TaskProgress;

struct PostgresReadPlan {
  ConnectionUrl url;
  const NetworkPolicy* network_policy = nullptr;
  std::vector<PgColumnPlan> columns;
  // One COPY statement per part; none when there is nothing to read (no new rows).
  std::vector<std::string> copy_sql;
  // With several parts: the snapshot each part's transaction imports.
  std::string snapshot;
};

class PostgresRowStream final : public RowStream {
 public:
  // `connection`: the extractor's, in its transaction (read by the only part when there is one).
  PostgresRowStream(PostgresReadPlan plan, PgConnection* connection, TaskProgress* progress);

  const std::vector<StreamColumn>& Columns() const override { return stream_columns_; }
  int Parts() const override;
  Result<std::unique_ptr<RowReader>> OpenPart(int part) override;

  // Asks the server to cancel every COPY running now, and makes parts opened later fail.
  void Cancel();

  // The connections whose COPY runs now, for Cancel. Called by the readers.
  void Track(PgConnection* connection);
  void Untrack(PgConnection* connection);

 private:
  Result<std::unique_ptr<PgConnection>> ConnectPart();

  PostgresReadPlan plan_;
  std::vector<StreamColumn> stream_columns_;
  PgConnection* connection_;
  TaskProgress* progress_;
  std::mutex mutex_;  // guards running_ and cancelled_
  std::set<PgConnection*> running_;
  bool cancelled_ = false;
};

}  // namespace orc
