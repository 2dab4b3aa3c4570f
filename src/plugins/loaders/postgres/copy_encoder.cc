#include "plugins/loaders/postgres/copy_encoder.h"

#include <algorithm>
#include <limits>

namespace orc {
namespace {

// PostgreSQL's epochs are 2000-01-01; DuckDB's 1970-01-01.
constexpr int32_t kDaysFrom1970To2000 = 10957;
constexpr int64_t kMicrosFrom1970To2000 = int64_t{kDaysFrom1970To2000} * 86400 * 1000000;
// numeric's send form: base-10000 digits and the sign word.
constexpr int kNumericBase = 10000;
constexpr int16_t kNumericPositive = 0x0000;
constexpr int16_t kNumericNegative = 0x4000;
constexpr int kMaxNumericGroups = 24;  // 39 integer digits and 38 decimals need at most 20
constexpr uint64_t kUuidSignFlip = uint64_t{1} << 63;
constexpr int8_t kJsonbVersion = 1;
constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL

struct TypeInfo {
  std::string pg_type;
  uint32_t oid = 0;
  CopyCodec codec;
};

using LogicalType = std::unique_ptr<_duckdb_logical_type, void (*)(_duckdb_logical_type*)>;

void DestroyLogicalType(_duckdb_logical_type* type) { duckdb_destroy_logical_type(&type); }

std::string AliasOf(duckdb_logical_type type) {
  char* alias = duckdb_logical_type_get_alias(type);
  if (alias == nullptr) return "";
  std::string text = alias;
  duckdb_free(alias);
  return text;
}

// The PostgreSQL type of a DuckDB scalar type, or nullopt when it has none here.
std::optional<TypeInfo> ScalarType(duckdb_logical_type type) {
  const duckdb_type id = duckdb_get_type_id(type);
  auto info = [](std::string name, uint32_t oid, CopyKind kind, int scale = 0) {
    return TypeInfo{std::move(name), oid, CopyCodec{.kind = kind, .scale = scale}};
  };
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return info("boolean", 16, CopyKind::kBool);
    case DUCKDB_TYPE_TINYINT:
      return info("smallint", 21, CopyKind::kInt8ToInt2);
    case DUCKDB_TYPE_UTINYINT:
      return info("smallint", 21, CopyKind::kUInt8ToInt2);
    case DUCKDB_TYPE_SMALLINT:
      return info("smallint", 21, CopyKind::kInt16);
    case DUCKDB_TYPE_USMALLINT:
      return info("integer", 23, CopyKind::kUInt16ToInt4);
    case DUCKDB_TYPE_INTEGER:
      return info("integer", 23, CopyKind::kInt32);
    case DUCKDB_TYPE_UINTEGER:
      return info("bigint", 20, CopyKind::kUInt32ToInt8);
    case DUCKDB_TYPE_BIGINT:
      return info("bigint", 20, CopyKind::kInt64);
    case DUCKDB_TYPE_UBIGINT:
      return info("numeric", 1700, CopyKind::kUInt64ToNumeric);
    case DUCKDB_TYPE_HUGEINT:
      return info("numeric", 1700, CopyKind::kHugeToNumeric);
    case DUCKDB_TYPE_UHUGEINT:
      return info("numeric", 1700, CopyKind::kUHugeToNumeric);
    case DUCKDB_TYPE_FLOAT:
      return info("real", 700, CopyKind::kFloat);
    case DUCKDB_TYPE_DOUBLE:
      return info("double precision", 701, CopyKind::kDouble);
    case DUCKDB_TYPE_VARCHAR:
      if (AliasOf(type) == "JSON") return info("jsonb", 3802, CopyKind::kJsonb);
      return info("text", 25, CopyKind::kText);
    case DUCKDB_TYPE_BLOB:
      return info("bytea", 17, CopyKind::kBytea);
    case DUCKDB_TYPE_DATE:
      return info("date", 1082, CopyKind::kDate);
    case DUCKDB_TYPE_TIME:
      return info("time without time zone", 1083, CopyKind::kTime);
    case DUCKDB_TYPE_TIMESTAMP:
      return info("timestamp without time zone", 1114, CopyKind::kTimestamp);
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return info("timestamp with time zone", 1184, CopyKind::kTimestamp);
    case DUCKDB_TYPE_INTERVAL:
      return info("interval", 1186, CopyKind::kInterval);
    case DUCKDB_TYPE_UUID:
      return info("uuid", 2950, CopyKind::kUuid);
    case DUCKDB_TYPE_DECIMAL: {
      const int width = duckdb_decimal_width(type);
      const int scale = duckdb_decimal_scale(type);
      const std::string name =
          "numeric(" + std::to_string(width) + "," + std::to_string(scale) + ")";
      switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT:
          return info(name, 1700, CopyKind::kDecimal16, scale);
        case DUCKDB_TYPE_INTEGER:
          return info(name, 1700, CopyKind::kDecimal32, scale);
        case DUCKDB_TYPE_BIGINT:
          return info(name, 1700, CopyKind::kDecimal64, scale);
        default:
          return info(name, 1700, CopyKind::kDecimal128, scale);
      }
    }
    default:
      return std::nullopt;
  }
}

PgColumn PlanColumn(std::string name, duckdb_logical_type type) {
  PgColumn column{.name = std::move(name)};
  const duckdb_type id = duckdb_get_type_id(type);
  if (id == DUCKDB_TYPE_TIMESTAMP_S || id == DUCKDB_TYPE_TIMESTAMP_MS ||
      id == DUCKDB_TYPE_TIMESTAMP_NS) {
    column.cast_to = "TIMESTAMP";
    column.pg_type = "timestamp without time zone";
    column.codec.kind = CopyKind::kTimestamp;
    return column;
  }
  if (id == DUCKDB_TYPE_LIST) {
    LogicalType child(duckdb_list_type_child_type(type), DestroyLogicalType);
    if (std::optional<TypeInfo> element = ScalarType(child.get())) {
      column.pg_type = element->pg_type + "[]";
      column.codec = CopyCodec{.kind = CopyKind::kList,
                               .element = element->codec.kind,
                               .element_scale = element->codec.scale,
                               .element_oid = element->oid};
      return column;
    }
  } else if (std::optional<TypeInfo> scalar = ScalarType(type)) {
    column.pg_type = scalar->pg_type;
    column.codec = scalar->codec;
    return column;
  }
  column.cast_to = "VARCHAR";
  column.pg_type = "text";
  column.codec.kind = CopyKind::kText;
  return column;
}

bool IsValid(const uint64_t* validity, idx_t row) {
  return validity == nullptr || ((validity[row / 64] >> (row % 64)) & 1) != 0;
}

void AppendString(const duckdb_string_t& value, CopyBuffer& out, bool jsonb) {
  const uint32_t length = value.value.inlined.length;
  const char* text = length <= sizeof(value.value.inlined.inlined) ? value.value.inlined.inlined
                                                                   : value.value.pointer.ptr;
  out.Int32(static_cast<int32_t>(length + (jsonb ? 1 : 0)));
  if (jsonb) out.Bytes(&kJsonbVersion, 1);
  out.Bytes(text, length);
}

// numeric's send form of (negative ? -1 : 1) * magnitude / 10^scale.
void AppendNumeric(bool negative, unsigned __int128 magnitude, int scale, CopyBuffer& out) {
  char digits[48];  // least significant first
  int count = 0;
  while (magnitude > std::numeric_limits<uint64_t>::max()) {
    digits[count++] = static_cast<char>(magnitude % 10);
    magnitude /= 10;
  }
  // The rest in 64 bits: a 128-bit division is a library call, several times slower.
  uint64_t rest = static_cast<uint64_t>(magnitude);
  do {
    digits[count++] = static_cast<char>(rest % 10);
    rest /= 10;
  } while (rest != 0);
  const bool zero = count == 1 && digits[0] == 0;
  // The digit at 10^exponent.
  auto digit_at = [&](int exponent) {
    const int index = exponent + scale;
    return index >= 0 && index < count ? digits[index] : 0;
  };
  const int integer_digits = std::max(count - scale, 1);
  const int integer_groups = (integer_digits + 3) / 4;
  const int fraction_groups = (scale + 3) / 4;
  int16_t groups[kMaxNumericGroups];
  int group_count = 0;
  for (int group = integer_groups - 1; group >= -fraction_groups; --group) {
    int value = 0;
    for (int k = 3; k >= 0; --k) value = value * 10 + digit_at(group * 4 + k);
    groups[group_count++] = static_cast<int16_t>(value);
  }
  int first = 0;
  int weight = integer_groups - 1;
  while (first < group_count && groups[first] == 0) {
    ++first;
    --weight;
  }
  int last = group_count;
  while (last > first && groups[last - 1] == 0) --last;
  const int ndigits = last - first;
  if (ndigits == 0) weight = 0;
  out.Int32(8 + 2 * ndigits);
  out.Int16(static_cast<int16_t>(ndigits));
  out.Int16(static_cast<int16_t>(weight));
  out.Int16(negative && !zero ? kNumericNegative : kNumericPositive);
  out.Int16(static_cast<int16_t>(scale));
  for (int i = first; i < last; ++i) out.Int16(groups[i]);
  static_assert(kNumericBase == 10000);
}

void AppendSigned(__int128 value, int scale, CopyBuffer& out) {
  const bool negative = value < 0;
  const unsigned __int128 magnitude =
      negative ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(value)
               : static_cast<unsigned __int128>(value);
  AppendNumeric(negative, magnitude, scale, out);
}

__int128 HugeOf(const duckdb_hugeint& value) {
  return static_cast<__int128>(
      (static_cast<unsigned __int128>(static_cast<uint64_t>(value.upper)) << 64) | value.lower);
}

// One value (row `row` of `data`), as length and content.
void AppendValue(CopyKind kind, int scale, const void* data, idx_t row, CopyBuffer& out) {
  switch (kind) {
    case CopyKind::kBool:
      out.Int32(1);
      *out.Room(1) = static_cast<const bool*>(data)[row] ? 1 : 0;
      return;
    case CopyKind::kInt8ToInt2:
      out.Int32(2);
      out.Int16(static_cast<const int8_t*>(data)[row]);
      return;
    case CopyKind::kUInt8ToInt2:
      out.Int32(2);
      out.Int16(static_cast<const uint8_t*>(data)[row]);
      return;
    case CopyKind::kInt16:
      out.Int32(2);
      out.Int16(static_cast<const int16_t*>(data)[row]);
      return;
    case CopyKind::kUInt16ToInt4:
      out.Int32(4);
      out.Int32(static_cast<const uint16_t*>(data)[row]);
      return;
    case CopyKind::kInt32:
      out.Int32(4);
      out.Int32(static_cast<const int32_t*>(data)[row]);
      return;
    case CopyKind::kUInt32ToInt8:
      out.Int32(8);
      out.Int64(static_cast<const uint32_t*>(data)[row]);
      return;
    case CopyKind::kInt64:
      out.Int32(8);
      out.Int64(static_cast<const int64_t*>(data)[row]);
      return;
    case CopyKind::kUInt64ToNumeric:
      AppendNumeric(false, static_cast<const uint64_t*>(data)[row], 0, out);
      return;
    case CopyKind::kHugeToNumeric:
      AppendSigned(HugeOf(static_cast<const duckdb_hugeint*>(data)[row]), 0, out);
      return;
    case CopyKind::kUHugeToNumeric: {
      const duckdb_uhugeint value = static_cast<const duckdb_uhugeint*>(data)[row];
      AppendNumeric(false, (static_cast<unsigned __int128>(value.upper) << 64) | value.lower, 0,
                    out);
      return;
    }
    case CopyKind::kDecimal16:
      AppendSigned(static_cast<const int16_t*>(data)[row], scale, out);
      return;
    case CopyKind::kDecimal32:
      AppendSigned(static_cast<const int32_t*>(data)[row], scale, out);
      return;
    case CopyKind::kDecimal64:
      AppendSigned(static_cast<const int64_t*>(data)[row], scale, out);
      return;
    case CopyKind::kDecimal128:
      AppendSigned(HugeOf(static_cast<const duckdb_hugeint*>(data)[row]), scale, out);
      return;
    case CopyKind::kFloat: {
      uint32_t bits;
      std::memcpy(&bits, &static_cast<const float*>(data)[row], sizeof(bits));
      out.Int32(4);
      out.Int32(static_cast<int32_t>(bits));
      return;
    }
    case CopyKind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &static_cast<const double*>(data)[row], sizeof(bits));
      out.Int32(8);
      out.Int64(static_cast<int64_t>(bits));
      return;
    }
    case CopyKind::kText:
    case CopyKind::kBytea:
      AppendString(static_cast<const duckdb_string_t*>(data)[row], out, false);
      return;
    case CopyKind::kJsonb:
      AppendString(static_cast<const duckdb_string_t*>(data)[row], out, true);
      return;
    case CopyKind::kDate: {
      // DuckDB's infinities are ±INT32_MAX; PostgreSQL's are INT32_MAX and INT32_MIN.
      const int32_t days = static_cast<const int32_t*>(data)[row];
      out.Int32(4);
      if (days == std::numeric_limits<int32_t>::max()) {
        out.Int32(days);
      } else if (days == -std::numeric_limits<int32_t>::max()) {
        out.Int32(std::numeric_limits<int32_t>::min());
      } else {
        out.Int32(days - kDaysFrom1970To2000);
      }
      return;
    }
    case CopyKind::kTime:
      out.Int32(8);
      out.Int64(static_cast<const int64_t*>(data)[row]);
      return;
    case CopyKind::kTimestamp: {
      const int64_t micros = static_cast<const int64_t*>(data)[row];
      out.Int32(8);
      if (micros == std::numeric_limits<int64_t>::max()) {
        out.Int64(micros);
      } else if (micros == -std::numeric_limits<int64_t>::max()) {
        out.Int64(std::numeric_limits<int64_t>::min());
      } else {
        out.Int64(micros - kMicrosFrom1970To2000);
      }
      return;
    }
    case CopyKind::kInterval: {
      const duckdb_interval value = static_cast<const duckdb_interval*>(data)[row];
      out.Int32(16);
      out.Int64(value.micros);
      out.Int32(value.days);
      out.Int32(value.months);
      return;
    }
    case CopyKind::kUuid: {
      // DuckDB stores a UUID as a hugeint with the top bit flipped, so that it sorts as text.
      const duckdb_hugeint value = static_cast<const duckdb_hugeint*>(data)[row];
      out.Int32(16);
      out.Int64(static_cast<int64_t>(static_cast<uint64_t>(value.upper) ^ kUuidSignFlip));
      out.Int64(static_cast<int64_t>(value.lower));
      return;
    }
    case CopyKind::kList:
      return;  // by AppendList
  }
}

// A one-dimensional array: dimensions, NULL flag, element type, length and lower bound, then the
// elements.
void AppendList(const CopyCodec& codec, duckdb_vector vector, const void* data, idx_t row,
                CopyBuffer& out) {
  const duckdb_list_entry entry = static_cast<const duckdb_list_entry*>(data)[row];
  duckdb_vector child = duckdb_list_vector_get_child(vector);
  const void* child_data = duckdb_vector_get_data(child);
  const uint64_t* child_validity = duckdb_vector_get_validity(child);
  const size_t length_at = out.size();
  out.Int32(0);
  if (entry.length == 0) {
    out.Int32(0);
    out.Int32(0);
    out.Int32(static_cast<int32_t>(codec.element_oid));
    out.PatchInt32(length_at, 12);
    return;
  }
  bool has_null = false;
  for (idx_t i = entry.offset; i < entry.offset + entry.length; ++i) {
    has_null = has_null || !IsValid(child_validity, i);
  }
  out.Int32(1);
  out.Int32(has_null ? 1 : 0);
  out.Int32(static_cast<int32_t>(codec.element_oid));
  out.Int32(static_cast<int32_t>(entry.length));
  out.Int32(1);
  for (idx_t i = entry.offset; i < entry.offset + entry.length; ++i) {
    if (!IsValid(child_validity, i)) {
      out.Int32(-1);
    } else {
      AppendValue(codec.element, codec.element_scale, child_data, i, out);
    }
  }
  out.PatchInt32(length_at, static_cast<int32_t>(out.size() - length_at - 4));
}

}  // namespace

void CopyBuffer::Grow(size_t needed) {
  size_t capacity = std::max<size_t>(capacity_ * 2, 1 << 16);
  while (capacity < needed) capacity *= 2;
  std::unique_ptr<char[]> data(new char[capacity]);
  if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

Result<std::vector<PgColumn>> PlanColumns(duckdb_prepared_statement statement) {
  const idx_t count = duckdb_prepared_statement_column_count(statement);
  if (count == 0) return InvalidArgumentError("the source has no columns");
  if (count + 1 > static_cast<idx_t>(std::numeric_limits<int16_t>::max())) {
    return InvalidArgumentError("the source has " + std::to_string(count) +
                                " columns; a PostgreSQL row holds at most 1600");
  }
  std::vector<PgColumn> columns;
  for (idx_t i = 0; i < count; ++i) {
    LogicalType type(duckdb_prepared_statement_column_logical_type(statement, i),
                     DestroyLogicalType);
    const char* name = duckdb_prepared_statement_column_name(statement, i);
    columns.push_back(PlanColumn(name != nullptr ? name : "", type.get()));
  }
  return columns;
}

void CopyEncoder::Header(CopyBuffer& out) const {
  out.Bytes(kSignature, sizeof(kSignature));
  out.Int32(0);  // flags: no OIDs
  out.Int32(0);  // no header extension
}

void CopyEncoder::Rows(duckdb_data_chunk chunk, int64_t& row_number, CopyBuffer& out) const {
  const idx_t rows = duckdb_data_chunk_get_size(chunk);
  struct ColumnData {
    duckdb_vector vector;
    const void* data;
    const uint64_t* validity;
  };
  std::vector<ColumnData> vectors(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, c);
    vectors[c] = {vector, duckdb_vector_get_data(vector), duckdb_vector_get_validity(vector)};
  }
  const bool numbered = row_number_ == RowNumber::kWrite;
  const auto fields = static_cast<int16_t>(columns_.size() + (numbered ? 1 : 0));
  for (idx_t row = 0; row < rows; ++row) {
    out.Int16(fields);
    if (numbered) {
      out.Int32(8);
      out.Int64(row_number);
    }
    ++row_number;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const ColumnData& column = vectors[c];
      if (!IsValid(column.validity, row)) {
        out.Int32(-1);
      } else if (columns_[c].codec.kind == CopyKind::kList) {
        AppendList(columns_[c].codec, column.vector, column.data, row, out);
      } else {
        AppendValue(columns_[c].codec.kind, columns_[c].codec.scale, column.data, row, out);
      }
    }
  }
}

void CopyEncoder::Trailer(CopyBuffer& out) const { out.Int16(-1); }

}  // namespace orc
