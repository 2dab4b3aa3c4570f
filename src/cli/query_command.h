// `orc query DB_PATH "SQL"`: runs SQL on a DuckDB file that jobs loaded and prints the result, so
// the data can be looked at without another tool. Reads the file directly (no server); while a
// running job holds the file, DuckDB's lock error is reported as it is.
#pragma once

#include <string>

#include "cli/client_support.h"

namespace orc {

struct QueryOptions {
  std::string db_path;
  std::string sql;
  int max_rows = 1000;
};

int QueryDatabaseCommand(const ClientOptions& options, const QueryOptions& query);

}  // namespace orc
