#include "state/postgres/postgres_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <unordered_map>

namespace orc {
namespace {

// Type OIDs of the built-in types orc's schema uses (pg_type.dat).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;

std::string Trimmed(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// RAII for PGresult.
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(PGconn* connection) : connection_(connection) {}
  ~PostgresConnection() override { PQfinish(connection_); }

  Result<SqlRows> Execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    ORC_ASSIGN_OR_RETURN(const std::string* name, Prepare(sql, params.size()));
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (ToText(params[i], &texts[i])) values[i] = texts[i].c_str();
    }
    ResultHandle result(PQexecPrepared(connection_, name->c_str(), static_cast<int>(params.size()),
                                       values.data(), nullptr, nullptr, 0));
    ORC_RETURN_IF_ERROR(Check(result.get(), sql));
    return ReadRows(result.get());
  }

  Status ExecuteScript(std::string_view sql) override {
    const std::string script(sql);
    ResultHandle result(PQexec(connection_, script.c_str()));
    return Check(result.get(), sql);
  }

  Status BeginWrite() override { return ExecuteScript("BEGIN"); }
  Status Commit() override { return ExecuteScript("COMMIT"); }
  void Rollback() override {
    if (PQtransactionStatus(connection_) != PQTRANS_IDLE) (void)ExecuteScript("ROLLBACK");
  }
  bool IsBroken() const override { return PQstatus(connection_) != CONNECTION_OK; }

 private:
  Result<const std::string*> Prepare(std::string_view sql, size_t param_count) {
    const std::string key(sql);
    if (auto found = statements_.find(key); found != statements_.end()) return &found->second;
    std::string name = "orc_" + std::to_string(statements_.size() + 1);
    ResultHandle result(
        PQprepare(connection_, name.c_str(), key.c_str(), static_cast<int>(param_count), nullptr));
    ORC_RETURN_IF_ERROR(Check(result.get(), sql));
    return &statements_.emplace(key, std::move(name)).first->second;
  }

  static bool ToText(const SqlValue& value, std::string* text) {
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      *text = std::to_string(*integer);
    } else if (const auto* real = std::get_if<double>(&value)) {
      char buffer[64];
      auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), *real);
      text->assign(buffer, end);
    } else if (const auto* string = std::get_if<std::string>(&value)) {
      *text = *string;
    } else if (const auto* boolean = std::get_if<bool>(&value)) {
      *text = *boolean ? "true" : "false";
    } else {
      return false;  // NULL
    }
    return true;
  }

  static SqlRows ReadRows(PGresult* result) {
    const int row_count = PQntuples(result);
    const int column_count = PQnfields(result);
    std::vector<std::string> columns;
    for (int c = 0; c < column_count; ++c) columns.emplace_back(PQfname(result, c));
    std::vector<std::vector<SqlValue>> rows(static_cast<size_t>(row_count));
    for (int r = 0; r < row_count; ++r) {
      auto& row = rows[static_cast<size_t>(r)];
      row.reserve(static_cast<size_t>(column_count));
      for (int c = 0; c < column_count; ++c) row.push_back(Cell(result, r, c));
    }
    return SqlRows(std::move(columns), std::move(rows));
  }

  static SqlValue Cell(PGresult* result, int row, int column) {
    if (PQgetisnull(result, row, column)) return std::monostate{};
    const char* text = PQgetvalue(result, row, column);
    const int length = PQgetlength(result, row, column);
    switch (PQftype(result, column)) {
      case kBoolOid:
        return text[0] == 't';
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid: {
        int64_t value = 0;
        std::from_chars(text, text + length, value);
        return value;
      }
      case kFloat4Oid:
      case kFloat8Oid:
        return std::strtod(text, nullptr);
      default:
        return std::string(text, static_cast<size_t>(length));
    }
  }

  Status Check(PGresult* result, std::string_view sql) {
    const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::Ok();
    const std::string message =
        Trimmed(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection_));
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state != nullptr ? state : "";
    if (IsBroken() || sqlstate.starts_with("08") || sqlstate == "57P01") {
      return UnavailableError("lost the PostgreSQL connection: " + message);
    }
    if (sqlstate == "23505") return AlreadyExistsError(message);
    if (sqlstate == "23503") return NotFoundError(message);
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
      return UnavailableError(message);
    }
    if (sqlstate == "P0001") return ConflictError(message);
    return InternalError("PostgreSQL error " + sqlstate + " (" + message +
                         ") in: " + std::string(sql.substr(0, 120)));
  }

  PGconn* connection_;
  std::unordered_map<std::string, std::string> statements_;  // SQL text -> prepared name
};

}  // namespace

::pg_conn* ConnectToPostgres(const std::string& uri) {
  // Keywords are applied in order and the URL ("dbname", expanded) comes last: what it says wins.
  const char* const keywords[] = {
      "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const char* const values[] = {"5", "1", "5", "2", "2", "5000", uri.c_str(), nullptr};
  return PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
}

Result<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const PostgresOptions& options) {
  PGconn* connection = ConnectToPostgres(options.uri);
  if (connection == nullptr) return InternalError("libpq could not allocate a connection");
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string reason = Trimmed(PQerrorMessage(connection));
    PQfinish(connection);
    const std::string message =
        "cannot connect to PostgreSQL at " + options.redacted + ": " + reason;
    if (reason.find("authentication failed") != std::string::npos ||
        reason.find("password") != std::string::npos) {
      return UnauthenticatedError(message);
    }
    if (reason.find("does not exist") != std::string::npos) {
      return FailedPreconditionError(message);  // no such database or role: waiting will not help
    }
    if (reason.find("invalid") != std::string::npos && reason.find("URI") != std::string::npos) {
      return InvalidArgumentError(message);
    }
    return UnavailableError(message);
  }
  auto wrapped = std::make_unique<PostgresConnection>(connection);
  // Times are stored as integers, so the session time zone never matters; quiet NOTICEs. No JIT:
  // orc's statements each touch a few rows through an index, and where a plan's cost estimate
  // is high (the bookkeeping sessions turn sequential scans off, which prices a scan of a small
  // table at 1e10) PostgreSQL compiled the statement on every run: taking back a lost node's runs
  // cost 250-850 ms a statement, against a few ms without.
  ORC_RETURN_IF_ERROR(wrapped->ExecuteScript("SET client_min_messages = warning; SET jit = off"));
  return std::unique_ptr<SqlConnection>(std::move(wrapped));
}

}  // namespace orc
