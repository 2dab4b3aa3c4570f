// How the mysql extractor maps MariaDB's column types to DuckDB's, and reads the text protocol's
// values into DuckDB vectors. The mapping, and the choices in it (zero dates, TIME, DECIMAL wider
// than 38 digits), are in docs/plugins.md.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

struct st_mysql_field;
struct _duckdb_vector;

namespace orc {

// How a column's text values are read into its DuckDB vector.
enum class MySqlValueKind {
  kTinyInt,
  kSmallInt,
  kInteger,
  kBigInt,
  kHugeInt,  // BIGINT UNSIGNED
  kFloat,
  kDouble,
  kDecimal16,  // DECIMAL(p,s) by the width DuckDB stores it in: p <= 4, 9, 18, 38
  kDecimal32,
  kDecimal64,
  kDecimal128,
  kVarchar,
  kBlob,
  kDate,
  kTimestamp,  // DATETIME and TIMESTAMP: microseconds since the epoch (TIMESTAMP's in UTC)
  kTime,
  kBit,  // BIT(n): big-endian bytes, as UBIGINT
};

struct MySqlColumn {
  std::string name;
  std::string duckdb_type;  // as RowStream declares it: "DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE"
  MySqlValueKind kind = MySqlValueKind::kVarchar;
  int scale = 0;  // DECIMAL
};

// The DuckDB column for a result's field.
MySqlColumn MapMySqlField(const st_mysql_field& field);

// Writes the text value `text` (`length` bytes, as the server sent it) at `row` of `vector`, whose
// type is `column`'s. A zero date ('0000-00-00', or a zero month or day) becomes NULL. An error
// names the column and the value when it does not parse or does not fit (a TIME past 24 hours).
Status WriteMySqlValue(const MySqlColumn& column, _duckdb_vector* vector, uint64_t row,
                       const char* text, size_t length);

}  // namespace orc
