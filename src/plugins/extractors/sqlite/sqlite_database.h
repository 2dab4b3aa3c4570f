// SqliteDatabase and SqliteStatement: RAII handles on a SQLite source file, opened the way the
// sqlite extractor reads a file it does not trust.
//
// The file is opened read-only (never created, no URI names, no symlink followed), with the
// schema untrusted (SQLITE_DBCONFIG_TRUSTED_SCHEMA off: views and triggers in the file cannot call
// functions with side effects), ATTACH disabled and extension loading off, so that a statement on
// it reads that file and nothing else.
//
// A database is used by one thread at a time (it may move between threads); Interrupt() is safe
// from any thread while the database lives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "common/status.h"

namespace orc {

class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* statement) : statement_(statement) {}
  SqliteStatement(SqliteStatement&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement() { sqlite3_finalize(statement_); }

  sqlite3_stmt* get() const { return statement_; }

 private:
  sqlite3_stmt* statement_;
};

class SqliteDatabase {
 public:
  // Opens `path` (absolute, already checked against the task's PathPolicy) read-only. NotFound
  // when there is no such file, InvalidArgument when it is not a SQLite database.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // `sql` prepared; an error names `what` ("the query") and SQLite's message. `tail` receives
  // what follows the first statement, when asked for.
  Result<SqliteStatement> Prepare(std::string_view sql, std::string_view what,
                                  std::string_view* tail = nullptr);
  // Runs `sql` (no rows expected): BEGIN, COMMIT.
  Status Execute(const char* sql);
  // The database's last error message.
  std::string Message() const;
  // Breaks off the statement running on this database (SQLITE_INTERRUPT); any thread.
  void Interrupt() { sqlite3_interrupt(db_); }
  sqlite3* get() const { return db_; }

 private:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// `name` as a SQLite identifier: in double quotes, a quote inside doubled.
std::string QuoteSqliteIdentifier(std::string_view name);

}  // namespace orc
