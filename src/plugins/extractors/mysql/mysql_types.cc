#include "plugins/extractors/mysql/mysql_types.h"

#include <duckdb.h>
#include <mysql.h>

#include <charconv>
#include <limits>
#include <string_view>

#include "common/time_format.h"

namespace orc {
namespace {

constexpr unsigned int kBinaryCharset = 63;  // MariaDB's charset number of binary strings
constexpr int kMaxDecimalPrecision = 38;     // DuckDB's

MySqlColumn Column(const MYSQL_FIELD& field, std::string type, MySqlValueKind kind) {
  return {.name = std::string(field.name, field.name_length),
          .duckdb_type = std::move(type),
          .kind = kind};
}

MySqlColumn DecimalColumn(const MYSQL_FIELD& field) {
  // The server's length of a DECIMAL(p,s) is p, plus one for the point when s > 0 and one for
  // the sign unless UNSIGNED.
  const int scale = static_cast<int>(field.decimals);
  const int precision = static_cast<int>(field.length) - (scale > 0 ? 1 : 0) -
                        ((field.flags & UNSIGNED_FLAG) ? 0 : 1);
  if (precision > kMaxDecimalPrecision || precision < 1 || scale > precision) {
    // Wider than DuckDB's DECIMAL: kept exact, as text.
    return Column(field, "VARCHAR", MySqlValueKind::kVarchar);
  }
  const MySqlValueKind kind = precision <= 4    ? MySqlValueKind::kDecimal16
                              : precision <= 9  ? MySqlValueKind::kDecimal32
                              : precision <= 18 ? MySqlValueKind::kDecimal64
                                                : MySqlValueKind::kDecimal128;
  MySqlColumn column = Column(
      field, "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")", kind);
  column.scale = scale;
  return column;
}

Status BadValue(const MySqlColumn& column, std::string_view text, std::string_view why) {
  const std::string_view shown = text.substr(0, 64);
  return InvalidArgumentError("column " + column.name + ": the value '" + std::string(shown) +
                              (shown.size() < text.size() ? "..." : "") + "' " + std::string(why));
}

template <typename T>
Status WriteInteger(const MySqlColumn& column, duckdb_vector vector, uint64_t row,
                    std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return BadValue(column, text, "is not an integer of type " + column.duckdb_type);
  }
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
  return Status::Ok();
}

template <typename T>
Status WriteFloating(const MySqlColumn& column, duckdb_vector vector, uint64_t row,
                     std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return BadValue(column, text, "is not a number");
  }
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
  return Status::Ok();
}

// A decimal's text ("-12.30") as its unscaled integer at `scale` digits (-1230 at scale 2).
bool ParseDecimal(std::string_view text, int scale, __int128& value) {
  size_t at = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative || (!text.empty() && text[0] == '+')) ++at;
  value = 0;
  int fraction_digits = -1;  // -1: before the point
  bool digits = false;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '.' && fraction_digits < 0) {
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (fraction_digits >= 0 && ++fraction_digits > scale) {
      if (c != '0') return false;  // more digits than the scale: only zeros may be dropped
      continue;
    }
    if (value > (std::numeric_limits<__int128>::max() - 9) / 10) return false;
    value = value * 10 + (c - '0');
    digits = true;
  }
  if (!digits) return false;
  for (int i = std::max(fraction_digits, 0); i < scale; ++i) value *= 10;
  if (negative) value = -value;
  return true;
}

Status WriteDecimal(const MySqlColumn& column, duckdb_vector vector, uint64_t row,
                    std::string_view text) {
  __int128 value = 0;
  if (!ParseDecimal(text, column.scale, value)) {
    return BadValue(column, text, "is not a " + column.duckdb_type);
  }
  void* data = duckdb_vector_get_data(vector);
  switch (column.kind) {
    case MySqlValueKind::kDecimal16:
      static_cast<int16_t*>(data)[row] = static_cast<int16_t>(value);
      break;
    case MySqlValueKind::kDecimal32:
      static_cast<int32_t*>(data)[row] = static_cast<int32_t>(value);
      break;
    case MySqlValueKind::kDecimal64:
      static_cast<int64_t*>(data)[row] = static_cast<int64_t>(value);
      break;
    default:
      static_cast<duckdb_hugeint*>(data)[row] = {.lower = static_cast<uint64_t>(value),
                                                 .upper = static_cast<int64_t>(value >> 64)};
  }
  return Status::Ok();
}

// Digits [at, at + count) of `text` as a number; false when any is not a digit.
bool Digits(std::string_view text, size_t at, size_t count, int64_t& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// "HH:MM:SS[.ffffff]" from `at` (hours of `hour_digits` digits) as microseconds.
bool ParseClock(std::string_view text, size_t at, size_t hour_digits, int64_t& micros) {
  int64_t hours = 0, minutes = 0, seconds = 0;
  if (!Digits(text, at, hour_digits, hours) || text.size() < at + hour_digits + 6 ||
      text[at + hour_digits] != ':' || !Digits(text, at + hour_digits + 1, 2, minutes) ||
      text[at + hour_digits + 3] != ':' || !Digits(text, at + hour_digits + 4, 2, seconds) ||
      minutes > 59 || seconds > 59) {
    return false;
  }
  size_t next = at + hour_digits + 6;
  int64_t fraction = 0;
  if (next < text.size()) {
    if (text[next] != '.') return false;
    const size_t digits = text.size() - next - 1;
    if (digits < 1 || digits > 6 || !Digits(text, next + 1, digits, fraction)) return false;
    for (size_t i = digits; i < 6; ++i) fraction *= 10;
  }
  micros = ((hours * 60 + minutes) * 60 + seconds) * 1'000'000 + fraction;
  return true;
}

void SetNull(duckdb_vector vector, uint64_t row) {
  duckdb_vector_ensure_validity_writable(vector);
  duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), row);
}

// A date's or datetime's "YYYY-MM-DD" part as days; nullopt for a zero date (zero month or day).
Result<std::optional<int64_t>> ParseDate(const MySqlColumn& column, std::string_view text) {
  int64_t year = 0, month = 0, day = 0;
  if (text.size() < 10 || !Digits(text, 0, 4, year) || text[4] != '-' ||
      !Digits(text, 5, 2, month) || text[7] != '-' || !Digits(text, 8, 2, day) || month > 12 ||
      day > 31) {
    return BadValue(column, text, "is not a date");
  }
  if (month == 0 || day == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(DaysFromCivil(year, month, day));
}

Status WriteTemporal(const MySqlColumn& column, duckdb_vector vector, uint64_t row,
                     std::string_view text) {
  ORC_ASSIGN_OR_RETURN(std::optional<int64_t> days, ParseDate(column, text));
  if (!days) {
    SetNull(vector, row);
    return Status::Ok();
  }
  if (column.kind == MySqlValueKind::kDate) {
    if (text.size() != 10) return BadValue(column, text, "is not a date");
    static_cast<duckdb_date*>(duckdb_vector_get_data(vector))[row] = {
        .days = static_cast<int32_t>(*days)};
    return Status::Ok();
  }
  int64_t micros = 0;
  if (text.size() < 19 || text[10] != ' ' || !ParseClock(text, 11, 2, micros) ||
      micros >= int64_t{86'400} * 1'000'000) {
    return BadValue(column, text, "is not a date and time");
  }
  static_cast<duckdb_timestamp*>(duckdb_vector_get_data(vector))[row] = {
      .micros = *days * 86'400 * 1'000'000 + micros};
  return Status::Ok();
}

Status WriteTime(const MySqlColumn& column, duckdb_vector vector, uint64_t row,
                 std::string_view text) {
  // MariaDB's TIME is a duration from -838:59:59 to 838:59:59; DuckDB's a time of day.
  const size_t colon = text.find(':');
  int64_t micros = 0;
  if (text.starts_with('-') || colon == std::string_view::npos || colon < 2 || colon > 3 ||
      !ParseClock(text, 0, colon, micros)) {
    return BadValue(column, text, "is not a TIME");
  }
  if (micros >= int64_t{86'400} * 1'000'000) {
    return BadValue(column, text,
                    "is past 24 hours: orc reads TIME as a time of day; select durations "
                    "as numbers instead (TIME_TO_SEC(...)) in a query");
  }
  static_cast<duckdb_time*>(duckdb_vector_get_data(vector))[row] = {.micros = micros};
  return Status::Ok();
}

}  // namespace

MySqlColumn MapMySqlField(const MYSQL_FIELD& field) {
  const bool is_unsigned = (field.flags & UNSIGNED_FLAG) != 0;
  using Kind = MySqlValueKind;
  switch (field.type) {
    case MYSQL_TYPE_TINY:
      return is_unsigned ? Column(field, "SMALLINT", Kind::kSmallInt)
                         : Column(field, "TINYINT", Kind::kTinyInt);
    case MYSQL_TYPE_SHORT:
      return is_unsigned ? Column(field, "INTEGER", Kind::kInteger)
                         : Column(field, "SMALLINT", Kind::kSmallInt);
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
      return Column(field, "INTEGER", Kind::kInteger);
    case MYSQL_TYPE_LONG:
      return is_unsigned ? Column(field, "BIGINT", Kind::kBigInt)
                         : Column(field, "INTEGER", Kind::kInteger);
    case MYSQL_TYPE_LONGLONG:
      return is_unsigned ? Column(field, "HUGEINT", Kind::kHugeInt)
                         : Column(field, "BIGINT", Kind::kBigInt);
    case MYSQL_TYPE_FLOAT:
      return Column(field, "FLOAT", Kind::kFloat);
    case MYSQL_TYPE_DOUBLE:
      return Column(field, "DOUBLE", Kind::kDouble);
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return DecimalColumn(field);
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return Column(field, "DATE", Kind::kDate);
    case MYSQL_TYPE_DATETIME:
      return Column(field, "TIMESTAMP", Kind::kTimestamp);
    case MYSQL_TYPE_TIMESTAMP:
      return Column(field, "TIMESTAMP WITH TIME ZONE", Kind::kTimestamp);
    case MYSQL_TYPE_TIME:
      return Column(field, "TIME", Kind::kTime);
    case MYSQL_TYPE_BIT:
      return Column(field, "UBIGINT", Kind::kBit);
    case MYSQL_TYPE_GEOMETRY:
      return Column(field, "BLOB", Kind::kBlob);
    default:
      // Strings, ENUM, SET, JSON (LONGTEXT in MariaDB), and binary strings by their charset.
      if (field.charsetnr == kBinaryCharset && !(field.flags & (ENUM_FLAG | SET_FLAG))) {
        return Column(field, "BLOB", Kind::kBlob);
      }
      return Column(field, "VARCHAR", Kind::kVarchar);
  }
}

Status WriteMySqlValue(const MySqlColumn& column, duckdb_vector vector, uint64_t row,
                       const char* data, size_t length) {
  const std::string_view text(data, length);
  switch (column.kind) {
    case MySqlValueKind::kTinyInt:
      return WriteInteger<int8_t>(column, vector, row, text);
    case MySqlValueKind::kSmallInt:
      return WriteInteger<int16_t>(column, vector, row, text);
    case MySqlValueKind::kInteger:
      return WriteInteger<int32_t>(column, vector, row, text);
    case MySqlValueKind::kBigInt:
      return WriteInteger<int64_t>(column, vector, row, text);
    case MySqlValueKind::kHugeInt: {
      uint64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size()) {
        return BadValue(column, text, "is not an unsigned integer");
      }
      static_cast<duckdb_hugeint*>(duckdb_vector_get_data(vector))[row] = {.lower = value,
                                                                           .upper = 0};
      return Status::Ok();
    }
    case MySqlValueKind::kFloat:
      return WriteFloating<float>(column, vector, row, text);
    case MySqlValueKind::kDouble:
      return WriteFloating<double>(column, vector, row, text);
    case MySqlValueKind::kDecimal16:
    case MySqlValueKind::kDecimal32:
    case MySqlValueKind::kDecimal64:
    case MySqlValueKind::kDecimal128:
      return WriteDecimal(column, vector, row, text);
    case MySqlValueKind::kVarchar:
    case MySqlValueKind::kBlob:
      duckdb_vector_assign_string_element_len(vector, row, data, length);
      return Status::Ok();
    case MySqlValueKind::kDate:
    case MySqlValueKind::kTimestamp:
      return WriteTemporal(column, vector, row, text);
    case MySqlValueKind::kTime:
      return WriteTime(column, vector, row, text);
    case MySqlValueKind::kBit: {
      if (length > 8) return BadValue(column, "", "is wider than 64 bits");
      uint64_t value = 0;
      for (size_t i = 0; i < length; ++i)
        value = (value << 8) | static_cast<unsigned char>(data[i]);
      static_cast<uint64_t*>(duckdb_vector_get_data(vector))[row] = value;
      return Status::Ok();
    }
  }
  return InternalError("column " + column.name + ": no reader for its type");
}

}  // namespace orc
