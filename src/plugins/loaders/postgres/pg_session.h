// PgSession: one libpq connection of the postgres destination, with errors turned into Status and
// a cancel that any thread may call.
//
// Connecting follows the database-host policy (databases/connection_url.h): the URL's host is
// resolved once and checked, and libpq is given the checked address (hostaddr) with the name
// (host, for TLS), as keyword arrays, never a pasted conninfo string. Errors name the server by the
// redacted URL and never carry the password.
//
// Used by one thread, except Cancel(), which is safe from any thread (the task's interrupter).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "plugins/plugin.h"

namespace orc {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgSession {
 public:
  // Connects to the postgres:// `url`. Unavailable when the server cannot be reached,
  // PermissionDenied when it refuses the credentials or the host policy refuses the address.
  static Result<std::unique_ptr<PgSession>> Connect(TaskContext& context, const std::string& url);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Runs `sql` with text parameters ($1, $2...; nullopt is NULL) and returns its result. The error
  // keeps PostgreSQL's message and SQLSTATE; its kind follows the SQLSTATE class.
  Result<PgResult> Execute(const std::string& sql,
                           const std::vector<std::optional<std::string>>& params = {});
  // The first column of the first row of `sql` (nullopt for no row or NULL).
  Result<std::optional<std::string>> QueryValue(
      const std::string& sql, const std::vector<std::optional<std::string>>& params = {});

  // COPY ... FROM STDIN: starts it, sends data, and ends it (returning the rows copied) or aborts
  // it with `reason` (the server then fails the COPY).
  Status BeginCopy(const std::string& sql);
  Status PutCopyData(const char* data, size_t size);
  Result<int64_t> EndCopy();
  void AbortCopy(const std::string& reason);

  // Asks the server to stop the running statement. Safe from any thread.
  void Cancel();

  // The URL with the password hidden, to name the server in messages.
  const std::string& redacted_url() const { return redacted_url_; }

 private:
  PgSession(PGconn* connection, std::string redacted_url);
  // The error of `result` (or of the connection when null), kind by SQLSTATE.
  Status ErrorOf(const PGresult* result) const;
  Result<int64_t> FinishCopy();

  PGconn* connection_;
  PGcancel* cancel_;  // owned; PQcancel on it is thread-safe
  std::string redacted_url_;
};

// `name` as a quoted PostgreSQL identifier ("a""b"); `schema.table` split on the first dot when
// `allow_schema`.
std::string PgQuoteIdentifier(const std::string& name, bool allow_schema = false);

}  // namespace orc
