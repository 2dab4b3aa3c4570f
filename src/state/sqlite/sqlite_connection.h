// SqliteConnection: SqlConnection over one sqlite3 handle, opened in WAL mode with foreign keys
// on and a busy timeout, so that several connections (and several orc processes) share one file.
#pragma once

#include <memory>
#include <string>

#include "state/sql/sql_connection.h"

namespace orc {

struct SqliteOptions {
  std::string path;  // a file path, or ":memory:"
  int busy_timeout_ms = 10000;
};

// Opens (creating if missing) the database. InvalidArgument naming the path and the reason when
// the file cannot be opened (no such directory, not writable, not a database).
Result<std::unique_ptr<SqlConnection>> OpenSqliteConnection(const SqliteOptions& options);

}  // namespace orc
