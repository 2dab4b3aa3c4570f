#include "plugins/loaders/postgres/pg_session.h"

#include <cstring>

#include "plugins/databases/connection_url.h"

namespace orc {
namespace {

constexpr int kDefaultPort = 5432;
// libpq's own waits, in seconds (connect) and milliseconds (unacknowledged data), so that a server
// that vanishes without closing the connection fails the attempt instead of hanging it.
constexpr const char* kConnectTimeoutSeconds = "10";
constexpr const char* kKeepalivesIdleSeconds = "30";
constexpr const char* kTcpUserTimeoutMilliseconds = "60000";

std::string Trimmed(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// The Status kind of SQLSTATE `state`: what the user can do about it.
Status StatusFor(const std::string& state, std::string message) {
  const std::string kind = state.substr(0, 2);
  if (state == "42501") return PermissionDeniedError(std::move(message));
  if (state == "57014") return CancelledError(std::move(message));
  if (kind == "28") return PermissionDeniedError(std::move(message));
  if (kind == "08" || kind == "57" || kind == "40") return UnavailableError(std::move(message));
  if (kind == "53") return ResourceExhaustedError(std::move(message));
  if (kind == "22" || kind == "23" || kind == "42") return InvalidArgumentError(std::move(message));
  return InternalError(std::move(message));
}

}  // namespace

std::string PgQuoteIdentifier(const std::string& name, bool allow_schema) {
  if (allow_schema) {
    if (const size_t dot = name.find('.'); dot != std::string::npos) {
      return PgQuoteIdentifier(name.substr(0, dot)) + "." + PgQuoteIdentifier(name.substr(dot + 1));
    }
  }
  std::string quoted = "\"";
  for (const char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

Result<std::unique_ptr<PgSession>> PgSession::Connect(TaskContext& context,
                                                      const std::string& url) {
  ORC_ASSIGN_OR_RETURN(ConnectionUrl parts,
                       ParseConnectionUrl(url, {"postgres", "postgresql"}, kDefaultPort));
  const std::string redacted = parts.Redacted();
  Result<std::string> address = ResolveDatabaseHost(parts.host, parts.port, context.network_policy);
  if (!address.ok()) return address.status().WithContext("postgres " + redacted);
  const std::string port = std::to_string(parts.port);
  const std::string sslmode = parts.Param("sslmode", "prefer");
  const std::string application_name = parts.Param("application_name", "orc");
  std::vector<const char*> keys = {"host",
                                   "hostaddr",
                                   "port",
                                   "dbname",
                                   "user",
                                   "password",
                                   "sslmode",
                                   "application_name",
                                   "connect_timeout",
                                   "keepalives",
                                   "keepalives_idle",
                                   "tcp_user_timeout",
                                   nullptr};
  std::vector<const char*> values = {parts.host.c_str(),
                                     address->c_str(),
                                     port.c_str(),
                                     parts.database.c_str(),
                                     parts.user.c_str(),
                                     parts.password.c_str(),
                                     sslmode.c_str(),
                                     application_name.c_str(),
                                     kConnectTimeoutSeconds,
                                     "1",
                                     kKeepalivesIdleSeconds,
                                     kTcpUserTimeoutMilliseconds,
                                     nullptr};
  // An empty value is libpq's default (e.g. the user name of the process); dbname is never
  // expanded as a connection string (expand_dbname = 0).
  PGconn* connection = PQconnectdbParams(keys.data(), values.data(), 0);
  if (connection == nullptr) return ResourceExhaustedError("postgres: out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string reason = Trimmed(PQerrorMessage(connection));
    const bool refused_credentials = PQconnectionNeedsPassword(connection) ||
                                     reason.find("authentication failed") != std::string::npos;
    PQfinish(connection);
    // libpq's message names the host and the server's reason, never the password.
    std::string message = "cannot connect to postgres " + redacted + ": " + reason;
    if (refused_credentials) return PermissionDeniedError(std::move(message));
    return UnavailableError(std::move(message));
  }
  return std::unique_ptr<PgSession>(new PgSession(connection, redacted));
}

PgSession::PgSession(PGconn* connection, std::string redacted_url)
    : connection_(connection),
      cancel_(PQgetCancel(connection)),
      redacted_url_(std::move(redacted_url)) {}

PgSession::~PgSession() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
  PQfinish(connection_);
}

Status PgSession::ErrorOf(const PGresult* result) const {
  if (result == nullptr) {
    return UnavailableError("postgres: " + Trimmed(PQerrorMessage(connection_)));
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string message = "postgres: " + Trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
  if (message == "postgres: ") message = "postgres: " + Trimmed(PQerrorMessage(connection_));
  if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
    message += " (" + Trimmed(detail) + ")";
  }
  if (const char* hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT)) {
    message += "; " + Trimmed(hint);
  }
  if (state == nullptr) return UnavailableError(std::move(message));
  message += " [SQLSTATE " + std::string(state) + "]";
  return StatusFor(state, std::move(message));
}

Result<PgResult> PgSession::Execute(const std::string& sql,
                                    const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  PgResult result(PQexecParams(connection_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  return ErrorOf(result.get());
}

Result<std::optional<std::string>> PgSession::QueryValue(
    const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  ORC_ASSIGN_OR_RETURN(PgResult result, Execute(sql, params));
  if (PQntuples(result.get()) == 0 || PQnfields(result.get()) == 0 ||
      PQgetisnull(result.get(), 0, 0)) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(PQgetvalue(result.get(), 0, 0));
}

Status PgSession::BeginCopy(const std::string& sql) {
  PgResult result(PQexec(connection_, sql.c_str()));
  if (result && PQresultStatus(result.get()) == PGRES_COPY_IN) return Status::Ok();
  return ErrorOf(result.get());
}

Status PgSession::PutCopyData(const char* data, size_t size) {
  if (PQputCopyData(connection_, data, static_cast<int>(size)) == 1) return Status::Ok();
  // The server ended the COPY (an error, a cancel, a lost connection): its result says why.
  Result<int64_t> finished = FinishCopy();
  if (!finished.ok()) return finished.status();
  return UnavailableError("postgres: the COPY ended early: " +
                          Trimmed(PQerrorMessage(connection_)));
}

Result<int64_t> PgSession::EndCopy() {
  if (PQputCopyEnd(connection_, nullptr) != 1) {
    Result<int64_t> finished = FinishCopy();
    if (!finished.ok()) return finished.status();
    return UnavailableError("postgres: could not end the COPY: " +
                            Trimmed(PQerrorMessage(connection_)));
  }
  return FinishCopy();
}

void PgSession::AbortCopy(const std::string& reason) {
  if (PQputCopyEnd(connection_, reason.c_str()) == 1) (void)FinishCopy();
}

Result<int64_t> PgSession::FinishCopy() {
  Status status = Status::Ok();
  int64_t rows = 0;
  // Every result of the COPY is read, so that the connection is ready for the next statement.
  while (PGresult* raw = PQgetResult(connection_)) {
    PgResult result(raw);
    const ExecStatusType state = PQresultStatus(raw);
    if (state == PGRES_COMMAND_OK) {
      rows = std::strtoll(PQcmdTuples(raw), nullptr, 10);
    } else if (state == PGRES_COPY_IN) {
      // Still copying: the caller stopped sending; end it as failed.
      PQputCopyEnd(connection_, "the load stopped");
    } else if (status.ok()) {
      status = ErrorOf(raw);
    }
  }
  if (PQstatus(connection_) != CONNECTION_OK && status.ok()) status = ErrorOf(nullptr);
  if (!status.ok()) return status;
  return rows;
}

void PgSession::Cancel() {
  if (cancel_ == nullptr) return;
  char error[256];
  (void)PQcancel(cancel_, error, sizeof(error));
}

}  // namespace orc
