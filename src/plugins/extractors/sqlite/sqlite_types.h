// How the sqlite extractor types SQLite's dynamically typed values for DuckDB.
//
// A column's DuckDB type comes from its declared type, by SQLite's own affinity rules made finer
// (docs/plugins.md has the table): INT -> BIGINT, REAL/FLOA/DOUB -> DOUBLE, CHAR/CLOB/TEXT ->
// VARCHAR, BLOB -> BLOB, NUMERIC(p,s)/DECIMAL(p,s) -> DECIMAL(p,s), BOOL -> BOOLEAN, DATE -> DATE,
// DATETIME/TIMESTAMP -> TIMESTAMP. A column declared with no type, or with one these rules do not
// know (JSON, UUID...), and a query's computed column, take the type of their first row's value.
//
// SQLite stores any value in any column, so each value is checked against its column's type: one
// that does not fit (text in an INTEGER column, a BLOB in a TEXT column, a date that is not ISO
// text) is an error the caller reports with the column and the row, never a silent NULL or cast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

struct _duckdb_vector;  // duckdb.h's duckdb_vector

namespace orc {

enum class SqliteColumnKind {
  kBigint,
  kDouble,
  kVarchar,
  kBlob,
  kBoolean,
  kDate,
  kTimestamp,
  kDecimal
};

struct SqliteColumnType {
  SqliteColumnKind kind = SqliteColumnKind::kVarchar;
  int precision = 0;  // kDecimal only: 1..38
  int scale = 0;      // kDecimal only: 0..precision

  // As DuckDB writes it: "BIGINT", "DECIMAL(12,2)".
  std::string DuckDbType() const;
};

// The type a declared column type maps to; nullopt when there is none or the rules do not know it
// (the column is then typed by its first value).
std::optional<SqliteColumnType> TypeFromDeclared(std::string_view declared);

// The type of a value of storage class `sqlite_type` (SQLITE_INTEGER...); NULL types as VARCHAR.
SqliteColumnType TypeFromValue(int sqlite_type);

// Writes column `column` of `statement`'s current row into row `row` of `vector` (a DuckDB vector
// of `type`, whose validity the caller made writable). Returns nullopt when the value fits, else
// what is wrong with it ("the TEXT 'abc' is not a BIGINT"), for an error naming column and row.
std::optional<std::string> WriteSqliteValue(sqlite3_stmt* statement, int column,
                                            const SqliteColumnType& type, _duckdb_vector* vector,
                                            uint64_t row);

// ISO 8601 text as DuckDB's DATE (days since 1970-01-01): "YYYY-MM-DD".
std::optional<int32_t> ParseIsoDate(std::string_view text);
// ISO 8601 text as DuckDB's TIMESTAMP (microseconds since 1970-01-01 00:00:00 UTC):
// "YYYY-MM-DD", optionally followed by ' ' or 'T', "HH:MM", ":SS", ".fraction" (up to 9 digits,
// truncated to microseconds) and "Z" or an offset "+HH:MM"/"-HH:MM" (converted to UTC).
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);
// Decimal text ("-12.345", "1e3" is refused) scaled by 10^scale, rounded half away from zero;
// nullopt when it is not a number or needs more than `precision` digits.
std::optional<__int128> ParseDecimal(std::string_view text, int precision, int scale);

}  // namespace orc
