#include "state/sqlite/sqlite_connection.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>

namespace orc {
namespace {

// SQLite understands "?N" where PostgreSQL has "$N".
std::string ToSqlitePlaceholders(std::string_view sql) {
  std::string converted(sql);
  for (size_t i = 0; i + 1 < converted.size(); ++i) {
    if (converted[i] == '$' && converted[i + 1] >= '0' && converted[i + 1] <= '9') {
      converted[i] = '?';
    }
  }
  return converted;
}

Status ErrorFor(sqlite3* db, int code, std::string_view sql) {
  std::string message = sqlite3_errmsg(db);
  const int extended = sqlite3_extended_errcode(db);
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return AlreadyExistsError(message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return NotFoundError(message);
    case SQLITE_CONSTRAINT_TRIGGER:
      return ConflictError(message);
    default:
      break;
  }
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return UnavailableError("SQLite database is busy: " + message);
  }
  std::string context(sql.substr(0, 120));
  return InternalError("SQLite error " + std::to_string(extended) + " (" + message +
                       ") in: " + context);
}

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close_v2(db_);
  }

  Result<SqlRows> Execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    ORC_ASSIGN_OR_RETURN(sqlite3_stmt * statement, Prepare(sql));
    for (size_t i = 0; i < params.size(); ++i) Bind(statement, static_cast<int>(i + 1), params[i]);

    std::vector<std::string> columns;
    const int column_count = sqlite3_column_count(statement);
    for (int c = 0; c < column_count; ++c) columns.emplace_back(sqlite3_column_name(statement, c));
    std::vector<std::vector<SqlValue>> rows;
    int code = SQLITE_ROW;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<SqlValue>& row = rows.emplace_back();
      row.reserve(column_count);
      for (int c = 0; c < column_count; ++c) row.push_back(Column(statement, c));
    }
    Status status = code == SQLITE_DONE ? Status::Ok() : ErrorFor(db_, code, sql);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (!status.ok()) return status;
    return SqlRows(std::move(columns), std::move(rows));
  }

  Status ExecuteScript(std::string_view sql) override {
    const std::string script(sql);
    char* error = nullptr;
    if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      return InternalError("SQLite script failed: " + message);
    }
    return Status::Ok();
  }

  Status BeginWrite() override { return ExecuteScript("BEGIN IMMEDIATE"); }
  Status Commit() override { return ExecuteScript("COMMIT"); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) (void)ExecuteScript("ROLLBACK");
  }
  bool IsBroken() const override { return false; }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    const std::string key(sql);
    if (auto found = statements_.find(key); found != statements_.end()) return found->second;
    const std::string converted = ToSqlitePlaceholders(sql);
    sqlite3_stmt* statement = nullptr;
    const int code = sqlite3_prepare_v3(db_, converted.c_str(), static_cast<int>(converted.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (code != SQLITE_OK) return ErrorFor(db_, code, sql);
    statements_.emplace(key, statement);
    return statement;
  }

  static void Bind(sqlite3_stmt* statement, int index, const SqlValue& value) {
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      sqlite3_bind_int64(statement, index, *integer);
    } else if (const auto* real = std::get_if<double>(&value)) {
      sqlite3_bind_double(statement, index, *real);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      sqlite3_bind_text(statement, index, text->data(), static_cast<int>(text->size()),
                        SQLITE_TRANSIENT);
    } else if (const auto* boolean = std::get_if<bool>(&value)) {
      sqlite3_bind_int(statement, index, *boolean ? 1 : 0);
    } else {
      sqlite3_bind_null(statement, index);
    }
  }

  static SqlValue Column(sqlite3_stmt* statement, int column) {
    switch (sqlite3_column_type(statement, column)) {
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(statement, column));
      case SQLITE_FLOAT:
        return sqlite3_column_double(statement, column);
      case SQLITE_NULL:
        return std::monostate{};
      default: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
        return std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement, column)));
      }
    }
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// Explains why `path` cannot hold a database, in words a user can act on.
std::string DescribeUnusablePath(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path file(path);
  const fs::path directory = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code error;
  if (!fs::exists(directory, error)) return "directory '" + directory.string() + "' does not exist";
  if (!fs::is_directory(directory, error)) return "'" + directory.string() + "' is not a directory";
  if (!fs::exists(file, error) && access(directory.c_str(), W_OK) != 0) {
    return "directory '" + directory.string() + "' is not writable (" + std::strerror(errno) + ")";
  }
  if (fs::exists(file, error) && access(file.c_str(), R_OK | W_OK) != 0) {
    return std::string("the file is not readable and writable (") + std::strerror(errno) + ")";
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<SqlConnection>> OpenSqliteConnection(const SqliteOptions& options) {
  const std::string where = "cannot open SQLite database '" + options.path + "'";
  if (options.path != ":memory:") {
    if (std::string problem = DescribeUnusablePath(options.path); !problem.empty()) {
      return InvalidArgumentError(where + ": " + problem);
    }
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return InvalidArgumentError(where + ": " + message);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto connection = std::make_unique<SqliteConnection>(db);
  // WAL: readers never block the writer; synchronous=NORMAL: a commit survives a crash of the
  // process (it is in the WAL file), only an OS crash can lose the last commits, never corrupt.
  const Status configured = connection->ExecuteScript(
      "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
      "PRAGMA foreign_keys=ON; "
      "PRAGMA wal_autocheckpoint=8000;");
  if (!configured.ok()) {
    return InvalidArgumentError(where + ": " + configured.message() +
                                " (is it an SQLite database?)");
  }
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace orc
