// How the postgres source maps PostgreSQL types to DuckDB types, and decodes PostgreSQL's binary
// send format (COPY ... (FORMAT binary) fields) straight into DuckDB vectors.
//
// The mapping (docs/plugins.md has the table): bool, int2/4/8, float4/8, numeric(p,s) with
// p <= 38 as DECIMAL(p,s), other numeric as DOUBLE, text-like types and enums as VARCHAR, json
// and jsonb as JSON, bytea as BLOB, date, time, timestamp, timestamptz, interval, uuid, and
// one-dimensional arrays of these as LISTs. Every other type is selected as `::text` and read as
// VARCHAR, so no column is ever refused.
//
// Every field comes from a server and is hostile: lengths are checked against the message, and a
// field whose bytes do not fit its type is an error naming the column, never a read past the
// buffer. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

struct _duckdb_vector;  // duckdb.h's duckdb_vector

namespace orc {

// How one value is decoded.
enum class PgValueKind {
  kBool,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kDecimal,        // numeric(p,s), p <= 38: a scaled integer of the DECIMAL's width
  kNumericDouble,  // numeric without a precision, or wider than DECIMAL holds
  kText,           // text, varchar, bpchar, name, json, enums, anything selected as ::text
  kJsonb,          // jsonb's version byte, then its text
  kBytes,          // bytea
  kDate,
  kTime,
  kTimestamp,  // timestamp and timestamptz (both microseconds since 2000-01-01 UTC)
  kInterval,
  kUuid,
};

// What the catalog says of a column's type.
struct PgTypeInfo {
  uint32_t oid = 0;
  int32_t typmod = -1;
  char typtype = 'b';          // pg_type.typtype: 'e' for an enum
  bool is_array = false;       // pg_type.typcategory = 'A'
  uint32_t element_oid = 0;    // of an array
  char element_typtype = 'b';  // of an array's element
};

struct PgColumnPlan {
  std::string name;
  std::string duckdb_type;  // as RowStream wants it: "DECIMAL(12,2)", "VARCHAR[]"
  PgValueKind kind = PgValueKind::kText;
  bool is_array = false;  // a LIST of `kind`
  bool as_text = false;   // selected as ::text (a type without a mapping)
  int decimal_precision = 0;
  int decimal_scale = 0;
};

// The plan of column `name` of type `type`.
PgColumnPlan PlanColumn(const std::string& name, const PgTypeInfo& type);

// Writes one non-NULL field (`length` bytes at `data`) of `column` at `row` of `vector`.
// InvalidArgument naming the column when the bytes do not fit the type.
Status WriteField(const PgColumnPlan& column, _duckdb_vector* vector, uint64_t row,
                  const char* data, int32_t length);

}  // namespace orc
