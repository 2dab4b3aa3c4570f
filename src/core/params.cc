#include "core/params.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include <date/date.h>
#include <nlohmann/json.hpp>

namespace orc {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<ParamType, std::string_view>, 5> kTypeNames = {{
    {ParamType::kString, "string"},
    {ParamType::kInteger, "integer"},
    {ParamType::kNumber, "number"},
    {ParamType::kBoolean, "boolean"},
    {ParamType::kDate, "date"},
}};

Status Invalid(const std::string& field, const std::string& why) {
  return InvalidArgumentError(field + " " + why).WithField(field);
}

bool IsIdentifier(std::string_view name) {
  if (name.empty() || name.size() > kMaxParamNameLength) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// "YYYY-MM-DD" naming a day of the calendar.
bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    const auto [at, length] = spans[i];
    const char* begin = text.data() + at;
    const auto [end, error] = std::from_chars(begin, begin + length, parts[i]);
    if (error != std::errc() || end != begin + length) return false;
  }
  return date::year_month_day(date::year(parts[0]), date::month(parts[1]), date::day(parts[2]))
      .ok();
}

std::string ExpectedValue(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "a string";
    case ParamType::kInteger:
      return "an integer";
    case ParamType::kNumber:
      return "a number";
    case ParamType::kBoolean:
      return "true or false";
    case ParamType::kDate:
      return "a date (YYYY-MM-DD)";
  }
  return "a value";
}

std::string DeclaredNames(const std::vector<ParamSpec>& params) {
  if (params.empty()) return "the job declares no parameters";
  std::string names = "declared: ";
  for (size_t i = 0; i < params.size(); ++i) names += (i ? ", " : "") + params[i].name;
  return names;
}

}  // namespace

std::string_view ToString(ParamType type) {
  for (const auto& [value, name] : kTypeNames) {
    if (value == type) return name;
  }
  return "string";
}

std::optional<ParamType> ParseParamType(std::string_view text) {
  for (const auto& [value, name] : kTypeNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

json ParamsToJson(const std::vector<ParamSpec>& params) {
  json out = json::object();
  for (const ParamSpec& param : params) {
    json spec = {{"type", ToString(param.type)}};
    if (!param.default_value.empty()) spec["default"] = json::parse(param.default_value);
    if (!param.description.empty()) spec["description"] = param.description;
    out[param.name] = std::move(spec);
  }
  return out;
}

Result<std::vector<ParamSpec>> ParamsFromJson(const json& params, const std::string& path) {
  if (!params.is_object()) {
    return Invalid(path, "must be an object of parameters by name, e.g. {region: {type: string}}");
  }
  if (params.size() > kMaxParams) {
    return Invalid(path, "declares more than " + std::to_string(kMaxParams) + " parameters");
  }
  std::vector<ParamSpec> out;
  for (const auto& [name, spec] : params.items()) {
    const std::string field = path + "." + name;
    if (!IsIdentifier(name)) {
      return Invalid(field,
                     "is not a parameter name: letters, digits and _, not starting with a "
                     "digit, at most " +
                         std::to_string(kMaxParamNameLength) + " characters");
    }
    if (!spec.is_object()) return Invalid(field, "must be an object such as {type: string}");
    ParamSpec param{.name = name};
    for (const auto& [key, value] : spec.items()) {
      if (key == "type") {
        const std::optional<ParamType> type =
            value.is_string() ? ParseParamType(value.get<std::string>()) : std::nullopt;
        if (!type) {
          return Invalid(field + ".type", "must be string, integer, number, boolean or date");
        }
        param.type = *type;
      } else if (key == "description") {
        if (!value.is_string()) return Invalid(field + ".description", "must be a string");
        param.description = value.get<std::string>();
      } else if (key != "default") {
        return Invalid(field + "." + key,
                       "is not a parameter field (known: type, default, description)");
      }
    }
    if (!spec.contains("type")) return Invalid(field + ".type", "is required");
    if (const auto found = spec.find("default"); found != spec.end() && !found->is_null()) {
      ORC_ASSIGN_OR_RETURN(json value, ParamValue(param, *found, field + ".default"));
      param.default_value = value.dump();
    }
    out.push_back(std::move(param));
  }
  return out;  // nlohmann's objects iterate in name order
}

Result<json> ParamValue(const ParamSpec& spec, const json& value, const std::string& field) {
  const std::string expected = "must be " + ExpectedValue(spec.type);
  const std::string text = value.is_string() ? value.get<std::string>() : std::string();
  if (text.size() > kMaxParamValueBytes) {
    return Invalid(field, "is longer than " + std::to_string(kMaxParamValueBytes) + " bytes");
  }
  switch (spec.type) {
    case ParamType::kString:
      if (!value.is_string()) return Invalid(field, expected);
      if (text.find('\0') != std::string::npos) return Invalid(field, "holds a NUL character");
      return value;
    case ParamType::kInteger: {
      if (value.is_number_integer()) return value;
      int64_t number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (!value.is_string() || text.empty() || error != std::errc() ||
          end != text.data() + text.size()) {
        return Invalid(field, expected);
      }
      return json(number);
    }
    case ParamType::kNumber: {
      if (value.is_number()) return value;
      double number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (!value.is_string() || text.empty() || error != std::errc() ||
          end != text.data() + text.size() || !std::isfinite(number)) {
        return Invalid(field, expected);
      }
      return json(number);
    }
    case ParamType::kBoolean:
      if (value.is_boolean()) return value;
      if (text == "true") return json(true);
      if (text == "false") return json(false);
      return Invalid(field, expected);
    case ParamType::kDate:
      if (!value.is_string() || !IsDate(text)) return Invalid(field, expected);
      return value;
  }
  return Invalid(field, expected);
}

Result<json> RunParams(const std::vector<ParamSpec>& params, const json& given) {
  if (!given.is_null() && !given.is_object()) {
    return Invalid("params", "must be an object of parameter values by name");
  }
  json values = json::object();
  if (given.is_object()) {
    for (const auto& item : given.items()) {
      const std::string& name = item.key();
      const nlohmann::json& value = item.value();
      const auto spec = std::find_if(params.begin(), params.end(),
                                     [&](const ParamSpec& param) { return param.name == name; });
      if (spec == params.end()) {
        return Invalid("params." + name,
                       "is not a parameter of the job (" + DeclaredNames(params) + ")");
      }
      ORC_ASSIGN_OR_RETURN(values[name], ParamValue(*spec, value, "params." + name));
    }
  }
  for (const ParamSpec& param : params) {
    if (values.contains(param.name)) continue;
    if (param.default_value.empty()) {
      return Invalid("params." + param.name, "is required: the parameter has no default");
    }
    values[param.name] = json::parse(param.default_value);
  }
  return values;
}

}  // namespace orc
