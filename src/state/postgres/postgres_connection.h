// PostgresConnection: SqlConnection over one libpq connection. Statements are prepared on first
// use and reused; a connection whose socket died reports IsBroken() so the pool replaces it.
#pragma once

#include <memory>
#include <string>

#include "state/sql/sql_connection.h"

namespace orc {

struct PostgresOptions {
  std::string uri;       // postgres://... as given by the user, handed to libpq
  std::string redacted;  // the same without its password, for messages
};

// Connects. Unavailable when the server cannot be reached (worth retrying), Unauthenticated when
// it refuses the credentials, InvalidArgument for a URL libpq cannot parse; each message names
// the redacted URL and the server's reason.
Result<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const PostgresOptions& options);

}  // namespace orc
