#include "plugins/extractors/sqlite/sqlite_database.h"

#include <filesystem>
#include <system_error>

namespace orc {
namespace {

// How long a read waits for a writer holding the file (rollback journal mode) before failing.
constexpr int kBusyTimeoutMs = 10'000;

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return NotFoundError("no SQLite database file " + path);
  }
  sqlite3* db = nullptr;
  // An absolute path never starts with "file:", so it is never taken as a URI.
  const int opened =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
  auto database = std::unique_ptr<SqliteDatabase>(new SqliteDatabase(db));
  if (opened != SQLITE_OK) {
    return InvalidArgumentError("cannot open " + path + ": " + database->Message());
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Reading the schema tells a database from another file early, with a message saying so.
  Result<SqliteStatement> schema =
      database->Prepare("SELECT count(*) FROM sqlite_schema", "the schema");
  if (!schema.ok())
    return InvalidArgumentError(
        path + " is not a SQLite database it can read: " + std::string(schema.status().message()));
  return database;
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

Result<SqliteStatement> SqliteDatabase::Prepare(std::string_view sql, std::string_view what,
                                                std::string_view* tail) {
  sqlite3_stmt* statement = nullptr;
  const char* rest = nullptr;
  const int prepared =
      sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, &rest);
  SqliteStatement owned(statement);
  if (prepared != SQLITE_OK) return InvalidArgumentError(std::string(what) + ": " + Message());
  if (tail != nullptr)
    *tail = rest != nullptr ? std::string_view(rest, sql.data() + sql.size() - rest)
                            : std::string_view();
  return owned;
}

Status SqliteDatabase::Execute(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return UnavailableError(std::string(sql) + ": " + Message());
  }
  return Status::Ok();
}

std::string SqliteDatabase::Message() const {
  return db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
}

std::string QuoteSqliteIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

}  // namespace orc
