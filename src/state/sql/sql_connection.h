// SqlConnection: the small surface orc's state store needs from a SQL database, implemented once
// for SQLite and once for PostgreSQL (libpq), so that the store's logic is written once.
//
// Statements use PostgreSQL-style placeholders ($1, $2, ...) on both backends. Results are read
// into memory whole (state queries are small and bounded by LIMIT). Errors come back as Status:
//   kAlreadyExists  a unique key is taken          kNotFound     a foreign key points nowhere
//   kConflict       a trigger refused the change    kUnavailable  busy, a serialization failure or
//   a kInternal       anything else (the message          lost connection: trying again may work
//                   names the database's own error)
//
// A connection is used by one thread at a time (the pool hands it out); it is not thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace orc {

// A parameter or a cell: NULL, an integer, a float, text or a boolean.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string, bool>;

// Converts a time to the stored form: microseconds since the Unix epoch, UTC.
int64_t ToStoredTime(TimePoint time);
TimePoint FromStoredTime(int64_t micros);

// Parameters for nullable columns: NULL when absent.
SqlValue NullableInt(const std::optional<int>& value);
SqlValue NullableTime(const std::optional<TimePoint>& time);

// Concatenates pieces of a statement (column lists kept as constants, clauses).
std::string JoinSql(std::initializer_list<std::string_view> parts);

// The rows of a result, materialized. Getters convert between compatible types (a boolean read as
// an integer and back, an integer read as a float); reading NULL returns the type's empty value.
class SqlRows {
 public:
  SqlRows() = default;
  SqlRows(std::vector<std::string> columns, std::vector<std::vector<SqlValue>> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }

  bool IsNull(size_t row, size_t column) const;
  int64_t Int(size_t row, size_t column) const;
  double Double(size_t row, size_t column) const;
  bool Bool(size_t row, size_t column) const;
  std::string Text(size_t row, size_t column) const;
  std::optional<int64_t> OptionalInt(size_t row, size_t column) const;
  std::optional<TimePoint> OptionalTime(size_t row, size_t column) const;
  TimePoint Time(size_t row, size_t column) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<SqlValue>> rows_;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  // Runs one statement with parameters and returns its rows (none for statements without
  // RETURNING). Statements are prepared once per connection and reused.
  virtual Result<SqlRows> Execute(std::string_view sql, const std::vector<SqlValue>& params) = 0;

  // Runs several ';'-separated statements without parameters (schema migrations).
  virtual Status ExecuteScript(std::string_view sql) = 0;

  // Starts a transaction that writes: on SQLite it takes the write lock at once (BEGIN IMMEDIATE),
  // so two writers never deadlock upgrading a read lock.
  virtual Status BeginWrite() = 0;
  virtual Status Commit() = 0;
  // Best effort; a failure leaves the connection broken.
  virtual void Rollback() = 0;

  // True when the connection can no longer be used (the server went away); the pool discards it.
  virtual bool IsBroken() const = 0;
};

}  // namespace orc
