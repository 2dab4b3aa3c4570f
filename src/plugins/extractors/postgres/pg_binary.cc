#include "plugins/extractors/postgres/pg_binary.h"

#include <duckdb.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace orc {
namespace {

// pg_type OIDs of the built-in types that have a mapping (src/include/catalog/pg_type.dat).
constexpr uint32_t kBoolOid = 16;
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kNameOid = 19;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kJsonOid = 114;
constexpr uint32_t kFloat4Oid = 700;
constexpr uint32_t kFloat8Oid = 701;
constexpr uint32_t kBpcharOid = 1042;
constexpr uint32_t kVarcharOid = 1043;
constexpr uint32_t kDateOid = 1082;
constexpr uint32_t kTimeOid = 1083;
constexpr uint32_t kTimestampOid = 1114;
constexpr uint32_t kTimestampTzOid = 1184;
constexpr uint32_t kIntervalOid = 1186;
constexpr uint32_t kNumericOid = 1700;
constexpr uint32_t kUuidOid = 2950;
constexpr uint32_t kJsonbOid = 3802;

// PostgreSQL counts dates and timestamps from 2000-01-01, DuckDB from 1970-01-01.
constexpr int32_t kEpochShiftDays = 10957;
constexpr int64_t kEpochShiftMicros = int64_t{kEpochShiftDays} * 86400 * 1000000;
// The widest DECIMAL DuckDB has.
constexpr int kMaxDecimalPrecision = 38;
// numeric's sign word: NaN and the infinities are signs of their own.
constexpr uint16_t kNumericNegative = 0x4000;
constexpr uint16_t kNumericNaN = 0xC000;
constexpr uint16_t kNumericPlusInfinity = 0xD000;
constexpr uint16_t kNumericMinusInfinity = 0xF000;
constexpr int kNumericBase = 10000;

// A big-endian reader over one field, refusing to read past it.
class FieldReader {
 public:
  FieldReader(const char* data, int32_t length) : next_(data), end_(data + length) {}
  template <typename T>
  bool Read(T& value) {
    if (end_ - next_ < static_cast<ptrdiff_t>(sizeof(T))) return false;
    std::make_unsigned_t<T> raw;
    std::memcpy(&raw, next_, sizeof(T));
    next_ += sizeof(T);
    if constexpr (sizeof(T) == 2) raw = __builtin_bswap16(raw);
    if constexpr (sizeof(T) == 4) raw = __builtin_bswap32(raw);
    if constexpr (sizeof(T) == 8) raw = __builtin_bswap64(raw);
    value = static_cast<T>(raw);
    return true;
  }
  // `length` bytes, advanced past.
  const char* Take(int32_t length) {
    if (length < 0 || end_ - next_ < length) return nullptr;
    const char* taken = next_;
    next_ += length;
    return taken;
  }
  bool AtEnd() const { return next_ == end_; }

 private:
  const char* next_;
  const char* end_;
};

Status Malformed(const PgColumnPlan& column, std::string_view what) {
  return InvalidArgumentError("column " + column.name + ": malformed " + std::string(what) +
                              " value from PostgreSQL");
}

template <typename T>
void Store(duckdb_vector vector, uint64_t row, T value) {
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
}

// 10^exponent for 0 <= exponent <= kMaxDecimalPrecision.
__int128 PowerOfTen(int exponent) {
  static const auto kPowers = [] {
    std::array<__int128, kMaxDecimalPrecision + 1> powers{};
    powers[0] = 1;
    for (size_t i = 1; i < powers.size(); ++i) powers[i] = powers[i - 1] * 10;
    return powers;
  }();
  return kPowers[exponent];
}

// numeric's binary form: ndigits, weight, sign, dscale, then ndigits base-10000 digits; the
// value is sum(digit[i] * 10000^(weight - i)).
struct Numeric {
  int16_t weight = 0;
  uint16_t sign = 0;
  int16_t digit_count = 0;
  const char* digits = nullptr;  // digit_count big-endian int16
  int Digit(int i) const {
    uint16_t raw;
    std::memcpy(&raw, digits + 2 * i, 2);
    return __builtin_bswap16(raw);
  }
};

bool ReadNumeric(const char* data, int32_t length, Numeric& numeric) {
  FieldReader reader(data, length);
  int16_t scale = 0;
  if (!reader.Read(numeric.digit_count) || !reader.Read(numeric.weight) ||
      !reader.Read(numeric.sign) || !reader.Read(scale) || numeric.digit_count < 0) {
    return false;
  }
  numeric.digits = reader.Take(2 * numeric.digit_count);
  if (numeric.digits == nullptr || !reader.AtEnd()) return false;
  for (int i = 0; i < numeric.digit_count; ++i) {
    if (numeric.Digit(i) >= kNumericBase) return false;
  }
  return true;
}

Status WriteDecimal(const PgColumnPlan& column, duckdb_vector vector, uint64_t row,
                    const char* data, int32_t length) {
  Numeric numeric;
  if (!ReadNumeric(data, length, numeric)) return Malformed(column, "numeric");
  if (numeric.sign == kNumericNaN || numeric.sign == kNumericPlusInfinity ||
      numeric.sign == kNumericMinusInfinity) {
    return InvalidArgumentError("column " + column.name + " holds NaN or Infinity, which DECIMAL(" +
                                std::to_string(column.decimal_precision) + "," +
                                std::to_string(column.decimal_scale) +
                                ") cannot hold; select it as float8 in a query");
  }
  // value * 10^scale, digit by digit: digit i is worth 10^(4 * (weight - i) + scale). Digits
  // below the scale (only zero padding of the last digit, for a column of that scale) drop.
  const __int128 limit = PowerOfTen(column.decimal_precision);
  __int128 scaled = 0;
  for (int i = 0; i < numeric.digit_count; ++i) {
    const int exponent = 4 * (numeric.weight - i) + column.decimal_scale;
    const int digit = numeric.Digit(i);
    if (digit == 0 || exponent <= -4) continue;
    if (exponent < 0) {
      scaled += digit / static_cast<int>(PowerOfTen(-exponent));
      continue;
    }
    // Each term and the sum stay below 10^precision <= 10^38, far from __int128's limit.
    if (exponent >= column.decimal_precision || digit >= limit / PowerOfTen(exponent) ||
        (scaled += digit * PowerOfTen(exponent)) >= limit) {
      return InvalidArgumentError("column " + column.name + ": a value does not fit DECIMAL(" +
                                  std::to_string(column.decimal_precision) + "," +
                                  std::to_string(column.decimal_scale) + ")");
    }
  }
  if (numeric.sign == kNumericNegative) scaled = -scaled;
  if (column.decimal_precision <= 4) {
    Store<int16_t>(vector, row, static_cast<int16_t>(scaled));
  } else if (column.decimal_precision <= 9) {
    Store<int32_t>(vector, row, static_cast<int32_t>(scaled));
  } else if (column.decimal_precision <= 18) {
    Store<int64_t>(vector, row, static_cast<int64_t>(scaled));
  } else {
    duckdb_hugeint value;
    value.lower = static_cast<uint64_t>(scaled);
    value.upper = static_cast<int64_t>(scaled >> 64);
    Store<duckdb_hugeint>(vector, row, value);
  }
  return Status::Ok();
}

// The double nearest to the numeric, by way of its decimal text (strtod rounds correctly).
Status WriteNumericDouble(const PgColumnPlan& column, duckdb_vector vector, uint64_t row,
                          const char* data, int32_t length) {
  Numeric numeric;
  if (!ReadNumeric(data, length, numeric)) return Malformed(column, "numeric");
  double value = 0;
  if (numeric.sign == kNumericNaN) {
    value = std::numeric_limits<double>::quiet_NaN();
  } else if (numeric.sign == kNumericPlusInfinity) {
    value = std::numeric_limits<double>::infinity();
  } else if (numeric.sign == kNumericMinusInfinity) {
    value = -std::numeric_limits<double>::infinity();
  } else if (numeric.digit_count > 0) {
    std::string text = numeric.sign == kNumericNegative ? "-" : "";
    for (int i = 0; i < numeric.digit_count; ++i) {
      const int digit = numeric.Digit(i);  // 0..9999, checked by ReadNumeric
      for (int power = 1000; power >= 1; power /= 10)
        text += static_cast<char>('0' + digit / power % 10);
    }
    text += "e" + std::to_string(4 * (numeric.weight - numeric.digit_count + 1));
    value = std::strtod(text.c_str(), nullptr);
  }
  Store<double>(vector, row, value);
  return Status::Ok();
}

// A scalar value of `column.kind` (the element kind for arrays).
Status WriteScalar(const PgColumnPlan& column, duckdb_vector vector, uint64_t row, const char* data,
                   int32_t length) {
  FieldReader reader(data, length);
  switch (column.kind) {
    case PgValueKind::kBool: {
      if (length != 1) return Malformed(column, "bool");
      Store<bool>(vector, row, data[0] != 0);
      return Status::Ok();
    }
    case PgValueKind::kInt16: {
      int16_t value;
      if (length != 2 || !reader.Read(value)) return Malformed(column, "int2");
      Store(vector, row, value);
      return Status::Ok();
    }
    case PgValueKind::kInt32: {
      int32_t value;
      if (length != 4 || !reader.Read(value)) return Malformed(column, "int4");
      Store(vector, row, value);
      return Status::Ok();
    }
    case PgValueKind::kInt64: {
      int64_t value;
      if (length != 8 || !reader.Read(value)) return Malformed(column, "int8");
      Store(vector, row, value);
      return Status::Ok();
    }
    case PgValueKind::kFloat32: {
      uint32_t bits;
      if (length != 4 || !reader.Read(bits)) return Malformed(column, "float4");
      float value;
      std::memcpy(&value, &bits, sizeof value);
      Store(vector, row, value);
      return Status::Ok();
    }
    case PgValueKind::kFloat64: {
      uint64_t bits;
      if (length != 8 || !reader.Read(bits)) return Malformed(column, "float8");
      double value;
      std::memcpy(&value, &bits, sizeof value);
      Store(vector, row, value);
      return Status::Ok();
    }
    case PgValueKind::kDecimal:
      return WriteDecimal(column, vector, row, data, length);
    case PgValueKind::kNumericDouble:
      return WriteNumericDouble(column, vector, row, data, length);
    case PgValueKind::kText:
    case PgValueKind::kBytes:
      duckdb_vector_assign_string_element_len(vector, row, data, static_cast<idx_t>(length));
      return Status::Ok();
    case PgValueKind::kJsonb: {
      // A version byte (1), then the document's text.
      if (length < 1 || data[0] != 1) return Malformed(column, "jsonb");
      duckdb_vector_assign_string_element_len(vector, row, data + 1,
                                              static_cast<idx_t>(length - 1));
      return Status::Ok();
    }
    case PgValueKind::kDate: {
      int32_t days;
      if (length != 4 || !reader.Read(days)) return Malformed(column, "date");
      // PostgreSQL's infinities are the int32 extremes; DuckDB's are +-INT32_MAX.
      if (days == std::numeric_limits<int32_t>::max()) {
      } else if (days == std::numeric_limits<int32_t>::min()) {
        days = -std::numeric_limits<int32_t>::max();
      } else if (__builtin_add_overflow(days, kEpochShiftDays, &days)) {
        return Malformed(column, "date");
      }
      Store(vector, row, days);
      return Status::Ok();
    }
    case PgValueKind::kTime: {
      int64_t micros;
      if (length != 8 || !reader.Read(micros)) return Malformed(column, "time");
      Store(vector, row, micros);
      return Status::Ok();
    }
    case PgValueKind::kTimestamp: {
      int64_t micros;
      if (length != 8 || !reader.Read(micros)) return Malformed(column, "timestamp");
      if (micros == std::numeric_limits<int64_t>::max()) {
      } else if (micros == std::numeric_limits<int64_t>::min()) {
        micros = -std::numeric_limits<int64_t>::max();
      } else if (__builtin_add_overflow(micros, kEpochShiftMicros, &micros) ||
                 micros >= std::numeric_limits<int64_t>::max() - 1) {
        return InvalidArgumentError("column " + column.name +
                                    ": a timestamp beyond the range DuckDB holds");
      }
      Store(vector, row, micros);
      return Status::Ok();
    }
    case PgValueKind::kInterval: {
      duckdb_interval value;
      if (length != 16 || !reader.Read(value.micros) || !reader.Read(value.days) ||
          !reader.Read(value.months)) {
        return Malformed(column, "interval");
      }
      Store(vector, row, value);
      return Status::Ok();
    }
    case PgValueKind::kUuid: {
      uint64_t upper;
      uint64_t lower;
      if (length != 16 || !reader.Read(upper) || !reader.Read(lower)) {
        return Malformed(column, "uuid");
      }
      // DuckDB keeps a UUID as a hugeint with the top bit flipped, so that they sort as text.
      duckdb_hugeint value;
      value.lower = lower;
      value.upper = static_cast<int64_t>(upper ^ (uint64_t{1} << 63));
      Store(vector, row, value);
      return Status::Ok();
    }
  }
  return InternalError("column " + column.name + ": no decoder");
}

// A one-dimensional array: ndim, has-null flag, element OID, then per dimension its size and
// lower bound, then each element as a length (-1: NULL) and its bytes.
Status WriteArray(const PgColumnPlan& column, duckdb_vector vector, uint64_t row, const char* data,
                  int32_t length) {
  FieldReader reader(data, length);
  int32_t dimensions;
  int32_t has_null;
  uint32_t element_oid;
  if (!reader.Read(dimensions) || !reader.Read(has_null) || !reader.Read(element_oid)) {
    return Malformed(column, "array");
  }
  const uint64_t offset = duckdb_list_vector_get_size(vector);
  int32_t count = 0;
  if (dimensions > 1) {
    return InvalidArgumentError("column " + column.name +
                                " holds an array of more than one dimension, which a LIST "
                                "cannot hold; select it as text in a query");
  }
  if (dimensions == 1) {
    int32_t lower_bound;
    if (!reader.Read(count) || !reader.Read(lower_bound) || count < 0 ||
        count > length / 4) {  // every element takes at least its 4-byte length
      return Malformed(column, "array");
    }
  } else if (dimensions != 0) {
    return Malformed(column, "array");
  }
  if (duckdb_list_vector_reserve(vector, offset + count) != DuckDBSuccess) {
    return ResourceExhaustedError("column " + column.name + ": cannot grow a list");
  }
  duckdb_vector child = duckdb_list_vector_get_child(vector);
  for (int32_t i = 0; i < count; ++i) {
    int32_t element_length;
    if (!reader.Read(element_length)) return Malformed(column, "array");
    if (element_length < 0) {
      duckdb_vector_ensure_validity_writable(child);
      duckdb_validity_set_row_invalid(duckdb_vector_get_validity(child), offset + i);
      continue;
    }
    const char* element = reader.Take(element_length);
    if (element == nullptr) return Malformed(column, "array");
    ORC_RETURN_IF_ERROR(WriteScalar(column, child, offset + i, element, element_length));
  }
  if (!reader.AtEnd()) return Malformed(column, "array");
  duckdb_list_vector_set_size(vector, offset + count);
  Store(vector, row, duckdb_list_entry{offset, static_cast<uint64_t>(count)});
  return Status::Ok();
}

// The kind and DuckDB type of a scalar type; false when it has no mapping.
bool PlanScalar(uint32_t oid, int32_t typmod, char typtype, PgColumnPlan& plan) {
  if (typtype == 'e') {
    plan.kind = PgValueKind::kText;
    plan.duckdb_type = "VARCHAR";
    return true;
  }
  struct Mapping {
    uint32_t oid;
    PgValueKind kind;
    const char* duckdb_type;
  };
  static constexpr Mapping kMappings[] = {
      {kBoolOid, PgValueKind::kBool, "BOOLEAN"},
      {kInt2Oid, PgValueKind::kInt16, "SMALLINT"},
      {kInt4Oid, PgValueKind::kInt32, "INTEGER"},
      {kInt8Oid, PgValueKind::kInt64, "BIGINT"},
      {kFloat4Oid, PgValueKind::kFloat32, "FLOAT"},
      {kFloat8Oid, PgValueKind::kFloat64, "DOUBLE"},
      {kTextOid, PgValueKind::kText, "VARCHAR"},
      {kVarcharOid, PgValueKind::kText, "VARCHAR"},
      {kBpcharOid, PgValueKind::kText, "VARCHAR"},
      {kNameOid, PgValueKind::kText, "VARCHAR"},
      {kJsonOid, PgValueKind::kText, "JSON"},
      {kJsonbOid, PgValueKind::kJsonb, "JSON"},
      {kByteaOid, PgValueKind::kBytes, "BLOB"},
      {kDateOid, PgValueKind::kDate, "DATE"},
      {kTimeOid, PgValueKind::kTime, "TIME"},
      {kTimestampOid, PgValueKind::kTimestamp, "TIMESTAMP"},
      {kTimestampTzOid, PgValueKind::kTimestamp, "TIMESTAMP WITH TIME ZONE"},
      {kIntervalOid, PgValueKind::kInterval, "INTERVAL"},
      {kUuidOid, PgValueKind::kUuid, "UUID"},
  };
  if (oid == kNumericOid) {
    // typmod = ((precision << 16) | scale) + 4; a negative scale (PostgreSQL 15+) is stored in
    // 11 bits, two's complement.
    const int precision = typmod < 4 ? 0 : ((typmod - 4) >> 16) & 0xffff;
    const int scale = typmod < 4 ? 0 : ((((typmod - 4) & 0x7ff) ^ 1024) - 1024);
    if (precision >= 1 && precision <= kMaxDecimalPrecision && scale >= 0 && scale <= precision) {
      plan.kind = PgValueKind::kDecimal;
      plan.decimal_precision = precision;
      plan.decimal_scale = scale;
      plan.duckdb_type = "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    } else {
      plan.kind = PgValueKind::kNumericDouble;
      plan.duckdb_type = "DOUBLE";
    }
    return true;
  }
  for (const Mapping& mapping : kMappings) {
    if (mapping.oid != oid) continue;
    plan.kind = mapping.kind;
    plan.duckdb_type = mapping.duckdb_type;
    return true;
  }
  return false;
}

}  // namespace

PgColumnPlan PlanColumn(const std::string& name, const PgTypeInfo& type) {
  PgColumnPlan plan{.name = name};
  if (type.is_array) {
    if (PlanScalar(type.element_oid, type.typmod, type.element_typtype, plan)) {
      plan.is_array = true;
      plan.duckdb_type += "[]";
      return plan;
    }
  } else if (PlanScalar(type.oid, type.typmod, type.typtype, plan)) {
    return plan;
  }
  plan.kind = PgValueKind::kText;
  plan.duckdb_type = "VARCHAR";
  plan.as_text = true;
  return plan;
}

Status WriteField(const PgColumnPlan& column, duckdb_vector vector, uint64_t row, const char* data,
                  int32_t length) {
  if (column.is_array) return WriteArray(column, vector, row, data, length);
  return WriteScalar(column, vector, row, data, length);
}

}  // namespace orc
