// PostgresConnection: SqlConnection over one libpq connection. Statements are prepared on first
// use and reused; a connection whose socket died reports IsBroken() so the pool replaces it.
#pragma once

#include <memory>
#include <string>

#include "state/sql/sql_connection.h"

struct pg_conn;  // libpq's PGconn

namespace orc {

struct PostgresOptions {
  std::string uri;       // postgres://... as given by the user, handed to libpq
  std::string redacted;  // the same without its password, for messages
};

// Opens a libpq connection to `uri` with orc's network defaults, which the URL may override:
// connect_timeout 5 s; TCP keepalives (idle 5 s, then 2 probes 2 s apart) and tcp_user_timeout
// 5 s, so that a call to a server cut off by the network fails within seconds instead of waiting
// for TCP's own timeouts (minutes). Never null; check PQstatus.
::pg_conn* ConnectToPostgres(const std::string& uri);

// Connects. Unavailable when the server cannot be reached (worth retrying), Unauthenticated when
// it refuses the credentials, InvalidArgument for a URL libpq cannot parse; each message names
// the redacted URL and the server's reason.
Result<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const PostgresOptions& options);

}  // namespace orc
