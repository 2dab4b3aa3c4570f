#include "plugins/extractors/postgres/pg_connection.h"

#include <cstring>
#include <deque>

namespace orc {
namespace {

// A dead peer is noticed by TCP keepalives (the system's timings: setting them fails on some
// kernels and sandboxes, which refuse TCP_KEEPIDLE) and by tcp_user_timeout (data unacknowledged
// for 60 s).
constexpr const char* kConnectTimeoutSeconds = "10";
constexpr const char* kTcpUserTimeoutMs = "60000";

// The last line of a libpq message, without "FATAL:  " / "ERROR:  " noise and trailing newlines.
std::string CleanMessage(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "unknown error" : text;
}

bool IsLoginError(const std::string& message) {
  return message.find("authentication failed") != std::string::npos ||
         message.find("password") != std::string::npos ||
         message.find("does not exist") != std::string::npos ||
         message.find("no pg_hba.conf entry") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const ConnectionUrl& url,
                                                            const NetworkPolicy* policy) {
  ORC_ASSIGN_OR_RETURN(std::string address, ResolveDatabaseHost(url.host, url.port, policy));
  const std::string port = std::to_string(url.port);
  const std::string application_name = url.Param("application_name", "orc");
  const std::string sslmode = url.Param("sslmode", "prefer");
  const std::string connect_timeout = url.Param("connect_timeout", kConnectTimeoutSeconds);
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  std::deque<std::string> kept;  // the values' storage, stable while libpq reads them
  auto add = [&](const char* keyword, std::string value) {
    if (value.empty()) return;
    keywords.push_back(keyword);
    values.push_back(kept.emplace_back(std::move(value)).c_str());
  };
  add("host", url.host);
  add("hostaddr", address);
  add("port", port);
  add("user", url.user);
  add("password", url.password);
  add("dbname", url.database);
  add("application_name", application_name);
  add("sslmode", sslmode);
  add("connect_timeout", connect_timeout);
  add("client_encoding", "UTF8");
  add("keepalives", "1");
  add("tcp_user_timeout", kTcpUserTimeoutMs);
  // The password is never read from the environment or ~/.pgpass of the server's user.
  add("passfile", "/dev/null");
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/0);
  if (raw == nullptr) return UnavailableError("cannot connect to PostgreSQL: out of memory");
  std::unique_ptr<PgConnection> connection(new PgConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    const std::string message = CleanMessage(PQerrorMessage(raw));
    const std::string text =
        "cannot connect to PostgreSQL at " + url.host + ":" + port + ": " + message;
    return IsLoginError(message) ? InvalidArgumentError(text) : UnavailableError(text);
  }
  {
    std::lock_guard lock(connection->cancel_mutex_);
    connection->cancel_ = PQgetCancel(raw);
  }
  // Values read as text (cursors, partition bounds, types without a mapping) are written the same
  // whatever the server's defaults: UTC, ISO dates, floats that read back exactly.
  for (const char* setting : {"SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'",
                              "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 3"}) {
    ORC_RETURN_IF_ERROR(connection->Execute(setting).status());
  }
  return connection;
}

PgConnection::PgConnection(PGconn* connection) : connection_(connection) {}

PgConnection::~PgConnection() {
  {
    std::lock_guard lock(cancel_mutex_);
    if (cancel_ != nullptr) PQfreeCancel(cancel_);
    cancel_ = nullptr;
  }
  PQfinish(connection_);
}

Result<PgResult> PgConnection::Execute(const std::string& sql) { return Query(sql, {}); }

Result<PgResult> PgConnection::Query(const std::string& sql,
                                     const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  PgResult result(PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, /*resultFormat=*/0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_OUT) {
    return result;
  }
  return ErrorOf(result.get());
}

Status PgConnection::ErrorOf(const PGresult* result) const {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      "PostgreSQL: " + CleanMessage(result ? PQresultErrorMessage(result) : nullptr);
  const std::string connection_message = CleanMessage(PQerrorMessage(connection_));
  if (PQstatus(connection_) == CONNECTION_BAD || sqlstate == nullptr) {
    return UnavailableError(
        "PostgreSQL: the connection was lost: " +
        (result ? CleanMessage(PQresultErrorMessage(result)) : connection_message));
  }
  const std::string code = sqlstate;
  // Class 08 (connection), 53 (resources), 57 (operator intervention: terminated, shutting
  // down, cancelled), 40 (serialization) and 58 (system) may pass on a later attempt.
  for (const char* transient : {"08", "53", "57", "40", "58"}) {
    if (code.starts_with(transient)) return UnavailableError(message + " (SQLSTATE " + code + ")");
  }
  return InvalidArgumentError(message + " (SQLSTATE " + code + ")");
}

void PgConnection::Cancel() {
  std::lock_guard lock(cancel_mutex_);
  if (cancel_ == nullptr) return;
  char error[256];
  (void)PQcancel(cancel_, error, sizeof error);
}

std::string QuotePgIdentifier(const std::string& name) {
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string QuotePgTableName(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return QuotePgIdentifier(name);
  return QuotePgIdentifier(name.substr(0, dot)) + "." + QuotePgIdentifier(name.substr(dot + 1));
}

}  // namespace orc
