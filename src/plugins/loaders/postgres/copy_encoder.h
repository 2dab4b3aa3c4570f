// CopyEncoder: DuckDB result chunks into PostgreSQL's binary COPY format, and the PostgreSQL type
// each DuckDB column becomes.
//
// The format (PostgreSQL docs, "COPY ... Binary Format"): a signature and header, then per row a
// field count and each field as a 32-bit length (-1 for NULL) followed by the type's binary send
// form (network byte order), then a -1 trailer. For a merge's staging table, every row starts with
// one extra field, the row's number in the source (int8), so the stage keeps the source's order
// for last-row-wins; a COPY straight into the target has none (RowNumber::kOmit).
//
// DuckDB types without a PostgreSQL counterpart here are read through a DuckDB cast: to TIMESTAMP
// for TIMESTAMP_S/_MS/_NS, to VARCHAR (text) for everything else (STRUCT, MAP, UNION, ENUM,
// TIME WITH TIME ZONE, BIT, nested and fixed-size lists...). PlanColumns says which.
//
// Not thread-safe; one encoder per load.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace orc {

// How one value is written.
enum class CopyKind {
  kBool,
  kInt8ToInt2,
  kUInt8ToInt2,
  kInt16,
  kUInt16ToInt4,
  kInt32,
  kUInt32ToInt8,
  kInt64,
  kUInt64ToNumeric,
  kHugeToNumeric,
  kUHugeToNumeric,
  kDecimal16,
  kDecimal32,
  kDecimal64,
  kDecimal128,
  kFloat,
  kDouble,
  kText,
  kJsonb,
  kBytea,
  kDate,
  kTime,
  kTimestamp,
  kInterval,
  kUuid,
  kList,
};

struct CopyCodec {
  CopyKind kind = CopyKind::kText;
  int scale = 0;                       // DECIMAL
  CopyKind element = CopyKind::kText;  // kList: its elements'
  int element_scale = 0;
  uint32_t element_oid = 0;  // kList: the PostgreSQL type of its elements
};

struct PgColumn {
  std::string name;
  std::string pg_type;  // as PostgreSQL's format_type() writes it: "integer", "numeric(10,2)"
  // The DuckDB type to cast the column to before reading it ("" when read as it is).
  std::string cast_to;
  CopyCodec codec;
};

// The columns of `statement`'s result, each with its PostgreSQL type and how it is read.
Result<std::vector<PgColumn>> PlanColumns(duckdb_prepared_statement statement);

// A growing byte buffer written in network byte order.
class CopyBuffer {
 public:
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  void Clear() { size_ = 0; }

  char* Room(size_t bytes) {
    if (size_ + bytes > capacity_) Grow(size_ + bytes);
    char* at = data_.get() + size_;
    size_ += bytes;
    return at;
  }
  void Bytes(const void* bytes, size_t count) { std::memcpy(Room(count), bytes, count); }
  void Int16(int16_t value) { Store(static_cast<uint16_t>(value)); }
  void Int32(int32_t value) { Store(static_cast<uint32_t>(value)); }
  void Int64(int64_t value) { Store(static_cast<uint64_t>(value)); }
  // Overwrites the 32-bit value at `offset` (a length written before its field's content).
  void PatchInt32(size_t offset, int32_t value) {
    const uint32_t big = __builtin_bswap32(static_cast<uint32_t>(value));
    std::memcpy(data_.get() + offset, &big, sizeof(big));
  }

 private:
  void Store(uint16_t value) {
    const uint16_t big = __builtin_bswap16(value);
    std::memcpy(Room(sizeof(big)), &big, sizeof(big));
  }
  void Store(uint32_t value) {
    const uint32_t big = __builtin_bswap32(value);
    std::memcpy(Room(sizeof(big)), &big, sizeof(big));
  }
  void Store(uint64_t value) {
    const uint64_t big = __builtin_bswap64(value);
    std::memcpy(Room(sizeof(big)), &big, sizeof(big));
  }
  void Grow(size_t needed);

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Whether each row starts with its number in the source (an extra int8 field).
enum class RowNumber { kWrite, kOmit };

class CopyEncoder {
 public:
  CopyEncoder(std::vector<PgColumn> columns, RowNumber row_number)
      : columns_(std::move(columns)), row_number_(row_number) {}

  // The file header; once, first.
  void Header(CopyBuffer& out) const;
  // Every row of `chunk` (whose columns are the planned ones, cast as planned), numbering them on
  // from `row_number` (which advances by the chunk's rows, written or not).
  void Rows(duckdb_data_chunk chunk, int64_t& row_number, CopyBuffer& out) const;
  // The trailer; once, last.
  void Trailer(CopyBuffer& out) const;

 private:
  std::vector<PgColumn> columns_;
  RowNumber row_number_;
};

}  // namespace orc
