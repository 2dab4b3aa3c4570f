#include "state/sql/sql_connection.h"

#include <charconv>

namespace orc {

int64_t ToStoredTime(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

TimePoint FromStoredTime(int64_t micros) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::microseconds(micros)));
}

SqlValue NullableInt(const std::optional<int>& value) {
  return value ? SqlValue(int64_t{*value}) : SqlValue();
}

SqlValue NullableTime(const std::optional<TimePoint>& time) {
  return time ? SqlValue(ToStoredTime(*time)) : SqlValue();
}

std::string JoinSql(std::initializer_list<std::string_view> parts) {
  std::string sql;
  for (std::string_view part : parts) sql.append(part);
  return sql;
}

bool SqlRows::IsNull(size_t row, size_t column) const {
  return std::holds_alternative<std::monostate>(rows_.at(row).at(column));
}

int64_t SqlRows::Int(size_t row, size_t column) const {
  const SqlValue& value = rows_.at(row).at(column);
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  if (const auto* boolean = std::get_if<bool>(&value)) return *boolean ? 1 : 0;
  if (const auto* real = std::get_if<double>(&value)) return static_cast<int64_t>(*real);
  if (const auto* text = std::get_if<std::string>(&value)) {
    int64_t parsed = 0;
    std::from_chars(text->data(), text->data() + text->size(), parsed);
    return parsed;
  }
  return 0;
}

double SqlRows::Double(size_t row, size_t column) const {
  const SqlValue& value = rows_.at(row).at(column);
  if (const auto* real = std::get_if<double>(&value)) return *real;
  if (const auto* integer = std::get_if<int64_t>(&value)) return static_cast<double>(*integer);
  if (const auto* text = std::get_if<std::string>(&value))
    return std::strtod(text->c_str(), nullptr);
  return 0;
}

bool SqlRows::Bool(size_t row, size_t column) const {
  const SqlValue& value = rows_.at(row).at(column);
  if (const auto* boolean = std::get_if<bool>(&value)) return *boolean;
  return Int(row, column) != 0;
}

std::string SqlRows::Text(size_t row, size_t column) const {
  const SqlValue& value = rows_.at(row).at(column);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  return {};
}

std::optional<int64_t> SqlRows::OptionalInt(size_t row, size_t column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

std::optional<TimePoint> SqlRows::OptionalTime(size_t row, size_t column) const {
  if (IsNull(row, column)) return std::nullopt;
  return FromStoredTime(Int(row, column));
}

TimePoint SqlRows::Time(size_t row, size_t column) const {
  return FromStoredTime(Int(row, column));
}

}  // namespace orc
