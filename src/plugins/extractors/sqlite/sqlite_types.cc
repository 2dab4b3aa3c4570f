#include "plugins/extractors/sqlite/sqlite_types.h"

#include <duckdb.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "common/time_format.h"

namespace orc {
namespace {

constexpr int kMaxDecimalPrecision = 38;
constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

std::string Upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// "(p,s)" or "(p)" after NUMERIC/DECIMAL, spaces allowed; nullopt when absent or out of range.
std::optional<SqliteColumnType> DecimalArguments(std::string_view rest) {
  int numbers[2] = {0, 0};
  int count = 0;
  size_t at = 0;
  auto skip_spaces = [&] {
    while (at < rest.size() && rest[at] == ' ') ++at;
  };
  skip_spaces();
  if (at >= rest.size() || rest[at] != '(') return std::nullopt;
  ++at;
  while (count < 2) {
    skip_spaces();
    const size_t start = at;
    int value = 0;
    while (at < rest.size() && std::isdigit(static_cast<unsigned char>(rest[at])) && value < 1000) {
      value = value * 10 + (rest[at++] - '0');
    }
    if (at == start) return std::nullopt;
    numbers[count++] = value;
    skip_spaces();
    if (at < rest.size() && rest[at] == ',' && count < 2) {
      ++at;
      continue;
    }
    break;
  }
  if (at >= rest.size() || rest[at] != ')') return std::nullopt;
  const int precision = numbers[0];
  const int scale = count == 2 ? numbers[1] : 0;
  if (precision < 1 || precision > kMaxDecimalPrecision || scale > precision) return std::nullopt;
  return SqliteColumnType{
      .kind = SqliteColumnKind::kDecimal, .precision = precision, .scale = scale};
}

// Reads exactly `digits` decimal digits at `at`.
bool Digits(std::string_view text, size_t& at, int digits, int64_t& value) {
  if (at + digits > text.size()) return false;
  value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  at += digits;
  return true;
}

bool Expect(std::string_view text, size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

std::optional<int64_t> DateAt(std::string_view text, size_t& at) {
  int64_t year = 0, month = 0, day = 0;
  if (!Digits(text, at, 4, year) || !Expect(text, at, '-') || !Digits(text, at, 2, month) ||
      !Expect(text, at, '-') || !Digits(text, at, 2, day)) {
    return std::nullopt;
  }
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1]) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

std::string Quoted(const unsigned char* text, int bytes) {
  constexpr int kShown = 40;
  std::string shown(reinterpret_cast<const char*>(text), std::min(bytes, kShown));
  // Only printable ASCII goes into a message: the value is the source file's, not ours.
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return "'" + shown + (bytes > kShown ? "...'" : "'");
}

std::string Described(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return "the INTEGER " + std::to_string(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT:
      return "the REAL " +
             std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, column)));
    case SQLITE_TEXT: {
      const unsigned char* text = sqlite3_column_text(statement, column);
      return "the TEXT " + Quoted(text, sqlite3_column_bytes(statement, column));
    }
    default:
      return "a BLOB of " + std::to_string(sqlite3_column_bytes(statement, column)) + " bytes";
  }
}

std::string NotA(sqlite3_stmt* statement, int column, const SqliteColumnType& type) {
  return Described(statement, column) + " is not a " + type.DuckDbType();
}

// Writes a decimal scaled integer into the vector's physical width (DuckDB stores DECIMAL(p,s) as
// int16 up to p=4, int32 up to 9, int64 up to 18, else a hugeint).
void WriteDecimal(void* data, uint64_t row, int precision, __int128 value) {
  if (precision <= 4) {
    static_cast<int16_t*>(data)[row] = static_cast<int16_t>(value);
  } else if (precision <= 9) {
    static_cast<int32_t*>(data)[row] = static_cast<int32_t>(value);
  } else if (precision <= 18) {
    static_cast<int64_t*>(data)[row] = static_cast<int64_t>(value);
  } else {
    duckdb_hugeint huge;
    huge.lower = static_cast<uint64_t>(static_cast<unsigned __int128>(value));
    huge.upper = static_cast<int64_t>(value >> 64);
    static_cast<duckdb_hugeint*>(data)[row] = huge;
  }
}

}  // namespace

std::string SqliteColumnType::DuckDbType() const {
  switch (kind) {
    case SqliteColumnKind::kBigint:
      return "BIGINT";
    case SqliteColumnKind::kDouble:
      return "DOUBLE";
    case SqliteColumnKind::kVarchar:
      return "VARCHAR";
    case SqliteColumnKind::kBlob:
      return "BLOB";
    case SqliteColumnKind::kBoolean:
      return "BOOLEAN";
    case SqliteColumnKind::kDate:
      return "DATE";
    case SqliteColumnKind::kTimestamp:
      return "TIMESTAMP";
    case SqliteColumnKind::kDecimal:
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  return "VARCHAR";
}

std::optional<SqliteColumnType> TypeFromDeclared(std::string_view declared) {
  const std::string type = Upper(declared);
  auto of = [](SqliteColumnKind kind) { return SqliteColumnType{.kind = kind}; };
  if (type.empty()) return std::nullopt;
  if (Contains(type, "BOOL")) return of(SqliteColumnKind::kBoolean);
  if (Contains(type, "DATETIME") || Contains(type, "TIMESTAMP")) {
    return of(SqliteColumnKind::kTimestamp);
  }
  if (type.starts_with("DATE")) return of(SqliteColumnKind::kDate);
  for (std::string_view name : {"NUMERIC", "DECIMAL"}) {
    if (type.starts_with(name)) {
      return DecimalArguments(std::string_view(type).substr(name.size()))
          .value_or(of(SqliteColumnKind::kDouble));
    }
  }
  // SQLite's affinity rules, in its order (https://sqlite.org/datatype3.html, 3.1).
  if (Contains(type, "INT")) return of(SqliteColumnKind::kBigint);
  if (Contains(type, "CHAR") || Contains(type, "CLOB") || Contains(type, "TEXT")) {
    return of(SqliteColumnKind::kVarchar);
  }
  if (Contains(type, "BLOB")) return of(SqliteColumnKind::kBlob);
  if (Contains(type, "REAL") || Contains(type, "FLOA") || Contains(type, "DOUB")) {
    return of(SqliteColumnKind::kDouble);
  }
  return std::nullopt;
}

SqliteColumnType TypeFromValue(int sqlite_type) {
  switch (sqlite_type) {
    case SQLITE_INTEGER:
      return {.kind = SqliteColumnKind::kBigint};
    case SQLITE_FLOAT:
      return {.kind = SqliteColumnKind::kDouble};
    case SQLITE_BLOB:
      return {.kind = SqliteColumnKind::kBlob};
    default:
      return {.kind = SqliteColumnKind::kVarchar};
  }
}

std::optional<int32_t> ParseIsoDate(std::string_view text) {
  size_t at = 0;
  const std::optional<int64_t> days = DateAt(text, at);
  if (!days || at != text.size()) return std::nullopt;
  return static_cast<int32_t>(*days);
}

std::optional<int64_t> ParseIsoTimestamp(std::string_view text) {
  size_t at = 0;
  const std::optional<int64_t> days = DateAt(text, at);
  if (!days) return std::nullopt;
  int64_t micros = *days * kSecondsPerDay * kMicrosPerSecond;
  if (at == text.size()) return micros;
  if (text[at] != ' ' && text[at] != 'T') return std::nullopt;
  ++at;
  int64_t hour = 0, minute = 0, second = 0;
  if (!Digits(text, at, 2, hour) || !Expect(text, at, ':') || !Digits(text, at, 2, minute)) {
    return std::nullopt;
  }
  if (at < text.size() && text[at] == ':') {
    ++at;
    if (!Digits(text, at, 2, second)) return std::nullopt;
    if (at < text.size() && text[at] == '.') {
      ++at;
      int64_t fraction = 0;
      int digits = 0;
      while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
        if (digits >= 9) return std::nullopt;
        if (digits < 6) fraction = fraction * 10 + (text[at] - '0');
        ++digits;
        ++at;
      }
      if (digits == 0) return std::nullopt;
      for (int i = std::min(digits, 6); i < 6; ++i) fraction *= 10;
      micros += fraction;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  micros += ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond;
  if (at < text.size() && text[at] == 'Z') {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int64_t sign = text[at] == '+' ? 1 : -1;
    ++at;
    int64_t offset_hours = 0, offset_minutes = 0;
    if (!Digits(text, at, 2, offset_hours) || !Expect(text, at, ':') ||
        !Digits(text, at, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    micros -= sign * (offset_hours * 60 + offset_minutes) * 60 * kMicrosPerSecond;
  }
  if (at != text.size()) return std::nullopt;
  return micros;
}

std::optional<__int128> ParseDecimal(std::string_view text, int precision, int scale) {
  size_t at = 0;
  bool negative = false;
  if (at < text.size() && (text[at] == '-' || text[at] == '+')) negative = text[at++] == '-';
  std::string digits;  // significant digits, leading zeros dropped
  int fraction_digits = 0;
  bool seen_digit = false;
  bool seen_point = false;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '.' && !seen_point) {
      seen_point = true;
    } else if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (!(digits.empty() && c == '0')) digits += c;
      if (seen_point) ++fraction_digits;
      if (digits.size() > 2 * kMaxDecimalPrecision) return std::nullopt;
    } else {
      break;
    }
  }
  if (!seen_digit) return std::nullopt;
  int exponent = 0;
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    bool exponent_negative = false;
    if (at < text.size() && (text[at] == '-' || text[at] == '+')) {
      exponent_negative = text[at++] == '-';
    }
    const size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) &&
           exponent < 1000) {
      exponent = exponent * 10 + (text[at++] - '0');
    }
    if (at == start) return std::nullopt;
    if (exponent_negative) exponent = -exponent;
  }
  if (at != text.size()) return std::nullopt;
  // value = digits * 10^(exponent - fraction_digits); scaled = value * 10^scale.
  int shift = scale + exponent - fraction_digits;
  bool round_up = false;
  if (shift < 0) {
    const int dropped = -shift;
    if (dropped > static_cast<int>(digits.size())) {
      digits.clear();
    } else {
      round_up = digits[digits.size() - dropped] >= '5';
      digits.resize(digits.size() - dropped);
    }
    shift = 0;
  }
  if (static_cast<int>(digits.size()) + (digits.empty() ? 0 : shift) > precision + 1) {
    return std::nullopt;
  }
  __int128 value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  for (int i = 0; i < shift && value != 0; ++i) value *= 10;
  if (round_up) ++value;
  __int128 limit = 1;
  for (int i = 0; i < precision; ++i) limit *= 10;
  if (value >= limit) return std::nullopt;
  return negative ? -value : value;
}

std::optional<std::string> WriteSqliteValue(sqlite3_stmt* statement, int column,
                                            const SqliteColumnType& type, duckdb_vector vector,
                                            uint64_t row) {
  const int stored = sqlite3_column_type(statement, column);
  if (stored == SQLITE_NULL) {
    duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), row);
    return std::nullopt;
  }
  void* data = duckdb_vector_get_data(vector);
  switch (type.kind) {
    case SqliteColumnKind::kBigint:
      if (stored != SQLITE_INTEGER) return NotA(statement, column, type);
      static_cast<int64_t*>(data)[row] = sqlite3_column_int64(statement, column);
      return std::nullopt;
    case SqliteColumnKind::kDouble:
      if (stored != SQLITE_FLOAT && stored != SQLITE_INTEGER) return NotA(statement, column, type);
      static_cast<double*>(data)[row] = sqlite3_column_double(statement, column);
      return std::nullopt;
    case SqliteColumnKind::kVarchar: {
      if (stored == SQLITE_BLOB) return NotA(statement, column, type);
      // Numbers read as their text, as SQLite shows them.
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      const int bytes = sqlite3_column_bytes(statement, column);
      if (text == nullptr) return "out of memory reading the value";
      if (!simdjson::validate_utf8(text, static_cast<size_t>(bytes))) {
        return "the TEXT is not valid UTF-8";
      }
      duckdb_vector_assign_string_element_len(vector, row, text, static_cast<idx_t>(bytes));
      return std::nullopt;
    }
    case SqliteColumnKind::kBlob: {
      if (stored != SQLITE_BLOB && stored != SQLITE_TEXT) return NotA(statement, column, type);
      const void* blob = sqlite3_column_blob(statement, column);
      const int bytes = sqlite3_column_bytes(statement, column);
      duckdb_vector_assign_string_element_len(vector, row, static_cast<const char*>(blob),
                                              static_cast<idx_t>(bytes));
      return std::nullopt;
    }
    case SqliteColumnKind::kBoolean: {
      bool value = false;
      if (stored == SQLITE_INTEGER) {
        const int64_t number = sqlite3_column_int64(statement, column);
        if (number != 0 && number != 1) return NotA(statement, column, type) + " (0 or 1)";
        value = number == 1;
      } else if (stored == SQLITE_TEXT) {
        const std::string text =
            Upper(reinterpret_cast<const char*>(sqlite3_column_text(statement, column)));
        if (text != "TRUE" && text != "FALSE") return NotA(statement, column, type);
        value = text == "TRUE";
      } else {
        return NotA(statement, column, type);
      }
      static_cast<bool*>(data)[row] = value;
      return std::nullopt;
    }
    case SqliteColumnKind::kDate:
    case SqliteColumnKind::kTimestamp: {
      if (stored != SQLITE_TEXT) return NotA(statement, column, type) + " (ISO 8601 text)";
      const std::string_view text(
          reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
          static_cast<size_t>(sqlite3_column_bytes(statement, column)));
      if (type.kind == SqliteColumnKind::kDate) {
        const std::optional<int32_t> days = ParseIsoDate(text);
        if (!days) return NotA(statement, column, type) + " (YYYY-MM-DD)";
        static_cast<int32_t*>(data)[row] = *days;
      } else {
        const std::optional<int64_t> micros = ParseIsoTimestamp(text);
        if (!micros) return NotA(statement, column, type) + " (YYYY-MM-DD HH:MM:SS)";
        static_cast<int64_t*>(data)[row] = *micros;
      }
      return std::nullopt;
    }
    case SqliteColumnKind::kDecimal: {
      if (stored == SQLITE_BLOB) return NotA(statement, column, type);
      // A REAL is read as SQLite renders it (15 significant digits, "12.5"), so 12.345 rounds as
      // written rather than as its binary fraction 12.3449999...
      const std::string_view text(
          reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
          static_cast<size_t>(sqlite3_column_bytes(statement, column)));
      const std::optional<__int128> value = ParseDecimal(text, type.precision, type.scale);
      if (!value) return NotA(statement, column, type);
      WriteDecimal(data, row, type.precision, *value);
      return std::nullopt;
    }
  }
  return NotA(statement, column, type);
}

}  // namespace orc
