// PgConnection: one libpq connection of the postgres source, opened through the database-host
// policy, with errors turned into Status values.
//
// Connect() resolves the URL's host once (ResolveDatabaseHost) and hands libpq the checked numeric
// address (`hostaddr`) beside the name (`host`, for TLS and messages), as keyword arrays: no
// conninfo string is ever pasted together, so no value from a URL can add a parameter. Timeouts
// and keepalives make a dead peer an error within about a minute instead of a hang.
//
// Errors never repeat the URL or the password. A server's error keeps its SQLSTATE's meaning:
// syntax, undefined tables and columns, bad data and refused logins are InvalidArgument (retrying
// will not help); a lost connection, a terminated backend or a server shutting down is
// Unavailable.
//
// Ownership: owns its PGconn. One thread at a time; Cancel() is safe from any thread.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "plugins/databases/connection_url.h"

namespace orc {

struct NetworkPolicy;

// A PGresult, cleared when destroyed.
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgConnection {
 public:
  // Connects to `url` (already parsed) through the host policy; starts no transaction.
  static Result<std::unique_ptr<PgConnection>> Connect(const ConnectionUrl& url,
                                                       const NetworkPolicy* policy);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* get() const { return connection_; }

  // Runs `sql` (no parameters), expecting a command or rows.
  Result<PgResult> Execute(const std::string& sql);
  // Runs `sql` with text parameters ($1...; nullopt is NULL).
  Result<PgResult> Query(const std::string& sql,
                         const std::vector<std::optional<std::string>>& params);
  // The error of a failed result (or of the connection when `result` is null), as a Status.
  Status ErrorOf(const PGresult* result) const;

  // Asks the server to cancel what this connection runs now (PQcancel). Safe from any thread.
  void Cancel();

 private:
  explicit PgConnection(PGconn* connection);

  PGconn* connection_;
  std::mutex cancel_mutex_;  // guards cancel_
  PGcancel* cancel_ = nullptr;
};

// `name` as a PostgreSQL identifier, quoted ("a""b").
std::string QuotePgIdentifier(const std::string& name);
// A table name as the configuration writes it, `table` or `schema.table`, each part quoted.
std::string QuotePgTableName(const std::string& name);

}  // namespace orc
