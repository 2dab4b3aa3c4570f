// The DuckDB C API handles behind a DuckDbConnection, for the engine's own code that works at that
// level (row streams, reading results chunk by chunk). Internal to src/engine and to plugins that
// move data in DuckDB's vectors; everything else goes through DuckDbConnection.
#pragma once

#include <duckdb.h>

#include "common/status.h"
#include "engine/duckdb_engine.h"

namespace orc {

struct DuckDbConnection::Handle {
  duckdb_connection connection = nullptr;
  ~Handle() { duckdb_disconnect(&connection); }
};

struct DuckDbRaw {
  // The connection's C API handle; owned by `connection`, valid while it lives.
  static duckdb_connection Connection(DuckDbConnection& connection) {
    return connection.handle_->connection;
  }
};

// Registers the table function `orc_stream(token)` (engine/row_stream.h) on `database`. The engine
// calls it on every database it opens.
Status RegisterRowStreamFunction(duckdb_database database);

}  // namespace orc
