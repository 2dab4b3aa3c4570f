#include "plugins/loaders/postgres/schema_evolution.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace orc {
namespace {

// Integer types by width, and the decimal digits the widest value of each needs.
struct IntegerType {
  int rank;
  int digits;
};
std::optional<IntegerType> IntegerOf(const std::string& type) {
  static const std::map<std::string, IntegerType> kIntegers = {
      {"smallint", {1, 5}}, {"integer", {2, 10}}, {"bigint", {3, 19}}};
  const auto found = kIntegers.find(type);
  if (found == kIntegers.end()) return std::nullopt;
  return found->second;
}

// numeric's precision and scale; nullopt for another type, {0, 0} for an unconstrained numeric.
std::optional<std::pair<int, int>> NumericOf(const std::string& type) {
  if (type == "numeric") return std::pair{0, 0};
  int precision = 0;
  int scale = 0;
  if (std::sscanf(type.c_str(), "numeric(%d,%d)", &precision, &scale) == 2) {
    return std::pair{precision, scale};
  }
  return std::nullopt;
}

TypeChange Fits() { return {}; }
TypeChange Widen(std::string type) { return {TypeChange::Verdict::kWiden, std::move(type)}; }
TypeChange Refuse() { return {TypeChange::Verdict::kRefuse, ""}; }

}  // namespace

TypeChange ReconcileTypes(const std::string& source_type, const std::string& table_type) {
  if (source_type == table_type || table_type == "text") return Fits();
  if (table_type.starts_with("character varying")) {
    const bool text = source_type == "text" || source_type.starts_with("character varying");
    return text ? Widen("text") : Refuse();
  }
  const std::optional<IntegerType> source_integer = IntegerOf(source_type);
  const std::optional<IntegerType> table_integer = IntegerOf(table_type);
  const std::optional<std::pair<int, int>> source_numeric = NumericOf(source_type);
  const std::optional<std::pair<int, int>> table_numeric = NumericOf(table_type);
  if (source_integer && table_integer) {
    return source_integer->rank <= table_integer->rank ? Fits() : Widen(source_type);
  }
  if (source_integer && table_numeric) {
    const auto [precision, scale] = *table_numeric;
    if (precision == 0 || precision - scale >= source_integer->digits) return Fits();
    return Widen("numeric(" + std::to_string(source_integer->digits + scale) + "," +
                 std::to_string(scale) + ")");
  }
  if (source_numeric && table_integer) return Widen("numeric");
  if (source_numeric && table_numeric) {
    const auto [source_precision, source_scale] = *source_numeric;
    const auto [table_precision, table_scale] = *table_numeric;
    if (table_precision == 0) return Fits();
    if (source_precision == 0) return Widen("numeric");
    const int integer_digits =
        std::max(source_precision - source_scale, table_precision - table_scale);
    const int scale = std::max(source_scale, table_scale);
    if (integer_digits == table_precision - table_scale && scale == table_scale) return Fits();
    return Widen("numeric(" + std::to_string(integer_digits + scale) + "," + std::to_string(scale) +
                 ")");
  }
  if (source_type == "real" && table_type == "double precision") return Fits();
  if (source_type == "double precision" && table_type == "real") return Widen("double precision");
  if (source_type == "date" && table_type.starts_with("timestamp")) return Fits();
  return Refuse();
}

}  // namespace orc
