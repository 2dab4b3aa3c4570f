#include "plugins/config_reader.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <limits>
#include <set>

namespace orc {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? "none" : joined;
}

// A range bound as a person writes it: 3600, 0.001, 1000000.
std::string FormatNumber(double number) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", number);
  return text;
}

// Strings, numbers and booleans as text; nullopt for anything else.
std::optional<std::string> ScalarText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

}  // namespace

struct ConfigReader::Scope {
  const nlohmann::json* object = nullptr;  // nullptr when the value is not an object
  std::string path;
  std::string what;
  std::vector<std::string> listed;           // the fields read, in order: the allowed list
  std::set<std::string, std::less<>> known;  // every field accepted, listed or skipped
  bool branch_failed = false;  // a OneOf failed, so the fields of its branch were never read
};

struct ConfigReader::State {
  Status first_error;
  std::vector<Scope> scopes;  // the configuration's object first, then each nested one read
};

ConfigReader::ConfigReader(const nlohmann::json& object, std::string path, std::string what)
    : state_(std::make_shared<State>()) {
  state_->scopes.push_back(Scope{.object = object.is_object() ? &object : nullptr,
                                 .path = std::move(path),
                                 .what = std::move(what)});
  if (!object.is_object()) {
    const std::string& at = scope().path;
    state_->first_error = InvalidArgumentError(at + " must be an object").WithField(at);
  }
}

ConfigReader::ConfigReader(std::shared_ptr<State> state, size_t scope)
    : state_(std::move(state)), scope_(scope) {}

ConfigReader::Scope& ConfigReader::scope() const { return state_->scopes[scope_]; }

std::string ConfigReader::Path(std::string_view name) const {
  const std::string& path = scope().path;
  if (name.empty()) return path;
  if (path.empty()) return std::string(name);
  return path + (name.front() == '[' ? "" : ".") + std::string(name);
}

void ConfigReader::Describe(std::string what) { scope().what = std::move(what); }

void ConfigReader::Skip(std::string_view name) { Find(name, /*listed=*/false); }

const nlohmann::json* ConfigReader::Find(std::string_view name, bool listed) {
  Scope& current = scope();
  if (current.known.emplace(name).second && listed) current.listed.emplace_back(name);
  if (current.object == nullptr) return nullptr;
  const auto found = current.object->find(name);
  if (found == current.object->end() || found->is_null()) return nullptr;
  return &*found;
}

void ConfigReader::Fail(std::string_view name, std::string message) {
  if (!state_->first_error.ok()) return;
  const std::string at = Path(name);
  state_->first_error = InvalidArgumentError(at + ": " + message).WithField(at);
}

bool ConfigReader::ok() const { return state_->first_error.ok(); }

void ConfigReader::MustBe(std::string_view name, std::string_view expected) {
  if (!state_->first_error.ok()) return;
  const std::string at = Path(name);
  state_->first_error =
      InvalidArgumentError(at + " must be " + std::string(expected)).WithField(at);
}

void ConfigReader::Required(std::string_view name, std::string_view hint) {
  if (!state_->first_error.ok()) return;
  const std::string at = Path(name);
  const std::string& what = scope().what;
  state_->first_error =
      InvalidArgumentError(at + " is required" + (what.empty() ? "" : " for " + what) +
                           std::string(hint))
          .WithField(at);
}

void ConfigReader::CheckValue(std::string_view name, const std::string& value,
                              const StringCheck& check) {
  if (!check) return;
  Status checked = check(value);
  if (!checked.ok()) Fail(name, checked.message());
}

std::string ConfigReader::RequiredString(std::string_view name, const StringCheck& check) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    Required(name);
    return "";
  }
  std::optional<std::string> text = OptionalString(name, check);
  return text.value_or("");
}

std::optional<std::string> ConfigReader::OptionalString(std::string_view name,
                                                        const StringCheck& check) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    MustBe(name, "a string");
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  CheckValue(name, text, check);
  return text;
}

std::string ConfigReader::String(std::string_view name, std::string fallback,
                                 const StringCheck& check) {
  return OptionalString(name, check).value_or(std::move(fallback));
}

std::string ConfigReader::OneOf(std::string_view name, const std::vector<std::string>& choices,
                                std::optional<std::string> fallback) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    if (fallback) return *fallback;
    Required(name, ": one of " + Join(choices));
    scope().branch_failed = true;
    return "";
  }
  if (!value->is_string()) {
    MustBe(name, "one of " + Join(choices) + " (a string)");
    scope().branch_failed = true;
    return "";
  }
  const std::string& text = value->get_ref<const std::string&>();
  for (const std::string& choice : choices) {
    if (text == choice) return text;
  }
  Fail(name, "'" + text + "' is not one of " + Join(choices));
  scope().branch_failed = true;
  return "";
}

std::optional<bool> ConfigReader::OptionalBool(std::string_view name) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    MustBe(name, "true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

bool ConfigReader::Bool(std::string_view name, bool fallback) {
  return OptionalBool(name).value_or(fallback);
}

std::optional<int64_t> ConfigReader::OptionalInteger(std::string_view name, int64_t min,
                                                     int64_t max) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) {
    MustBe(name, "an integer");
    return std::nullopt;
  }
  // An unsigned value above int64's range is out of any range a field allows.
  const bool huge = value->is_number_unsigned() &&
                    value->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()};
  const int64_t number = huge ? std::numeric_limits<int64_t>::max() : value->get<int64_t>();
  if (huge || number < min || number > max) {
    MustBe(name,
           "from " + std::to_string(min) + " to " + std::to_string(max) + ", not " + value->dump());
    return std::nullopt;
  }
  return number;
}

int64_t ConfigReader::Integer(std::string_view name, int64_t min, int64_t max, int64_t fallback) {
  return OptionalInteger(name, min, max).value_or(fallback);
}

double ConfigReader::Number(std::string_view name, double min, double max, double fallback) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return fallback;
  if (!value->is_number()) {
    MustBe(name, "a number");
    return fallback;
  }
  const double number = value->get<double>();
  if (number < min || number > max) {
    MustBe(name,
           "from " + FormatNumber(min) + " to " + FormatNumber(max) + ", not " + value->dump());
    return fallback;
  }
  return number;
}

std::optional<std::vector<std::string>> ConfigReader::StringList(std::string_view name,
                                                                 const StringCheck& check) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) {
    MustBe(name, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < value->size(); ++i) {
    const std::string item_name = std::string(name) + "[" + std::to_string(i) + "]";
    const nlohmann::json& item = (*value)[i];
    if (!item.is_string()) {
      MustBe(item_name, "a string");
      continue;
    }
    items.push_back(item.get<std::string>());
    CheckValue(item_name, items.back(), check);
  }
  return items;
}

std::optional<StringPairs> ConfigReader::StringMap(std::string_view name,
                                                   std::string_view value_kind,
                                                   const StringCheck& check) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    MustBe(name, "an object of " + std::string(value_kind) + "s");
    return std::nullopt;
  }
  StringPairs pairs;
  for (const auto& [key, item] : value->items()) {
    const std::string item_name = std::string(name) + "." + key;
    if (!item.is_string()) {
      MustBe(item_name, value_kind);
      continue;
    }
    pairs.emplace_back(key, item.get<std::string>());
    CheckValue(item_name, pairs.back().second, check);
  }
  return pairs;
}

std::optional<NamedStrings> ConfigReader::StringMapOrList(std::string_view name,
                                                          std::string_view value_kind,
                                                          const StringCheck& check) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_object()) {
    std::optional<StringPairs> pairs = StringMap(name, value_kind, check);
    return NamedStrings{.pairs = pairs.value_or(StringPairs{}), .ordered = false};
  }
  const std::string one_field =
      "an object with one field ({\"name\": " + std::string(value_kind) + "})";
  if (!value->is_array()) {
    MustBe(name, "an object of " + std::string(value_kind) +
                     "s, or a list of objects with one field each, in order");
    return std::nullopt;
  }
  NamedStrings named{.ordered = true};
  std::set<std::string, std::less<>> seen;
  for (size_t i = 0; i < value->size(); ++i) {
    const std::string item_name = std::string(name) + "[" + std::to_string(i) + "]";
    const nlohmann::json& item = (*value)[i];
    if (!item.is_object() || item.size() != 1) {
      MustBe(item_name, one_field);
      continue;
    }
    const auto field = item.begin();
    if (!field.value().is_string()) {
      MustBe(item_name + "." + field.key(), value_kind);
      continue;
    }
    if (!seen.insert(field.key()).second) {
      Fail(item_name, "'" + field.key() + "' is listed twice");
      continue;
    }
    named.pairs.emplace_back(field.key(), field.value().get<std::string>());
    CheckValue(item_name + "." + field.key(), named.pairs.back().second, check);
  }
  return named;
}

std::optional<StringPairs> ConfigReader::ScalarMap(std::string_view name,
                                                   const StringCheck& check) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    MustBe(name, "an object of strings, numbers or booleans");
    return std::nullopt;
  }
  StringPairs pairs;
  for (const auto& [key, item] : value->items()) {
    const std::string item_name = std::string(name) + "." + key;
    std::optional<std::string> text = ScalarText(item);
    if (!text) {
      MustBe(item_name, "a string, number or boolean");
      continue;
    }
    pairs.emplace_back(key, std::move(*text));
    CheckValue(item_name, pairs.back().second, check);
  }
  return pairs;
}

std::optional<std::string> ConfigReader::OptionalScalar(std::string_view name) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  std::optional<std::string> text = ScalarText(*value);
  if (!text) MustBe(name, "a string, number or boolean");
  return text;
}

std::optional<std::string> ConfigReader::ObjectJson(std::string_view name) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    MustBe(name, "an object");
    return std::nullopt;
  }
  // Text that came through YAML may hold invalid UTF-8, on which dump() would throw.
  return value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<ConfigReader> ConfigReader::Object(std::string_view name, std::string what) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    MustBe(name, "an object");
    return std::nullopt;
  }
  state_->scopes.push_back(Scope{.object = value, .path = Path(name), .what = std::move(what)});
  return ConfigReader(state_, state_->scopes.size() - 1);
}

Status ConfigReader::Finish() const {
  for (const Scope& object : state_->scopes) {
    if (object.object == nullptr || object.branch_failed) continue;
    for (const auto& [name, value] : object.object->items()) {
      if (object.known.count(name) > 0) continue;
      const std::string at = object.path.empty() ? name : object.path + "." + name;
      return InvalidArgumentError("unknown field '" + name + "' in " + object.path +
                                  (object.what.empty() ? "" : " (" + object.what + ")") +
                                  "; allowed: " + Join(object.listed))
          .WithField(at);
    }
  }
  return state_->first_error;
}

Status NotEmpty(const std::string& value) {
  if (value.empty()) return InvalidArgumentError("must not be empty");
  return Status::Ok();
}

namespace {

Status CheckIdentifiers(const std::string& text, bool allow_schema) {
  constexpr size_t kMaxIdentifier = 63;
  size_t parts = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    const std::string part = text.substr(start, dot - start);
    ++parts;
    bool ok = !part.empty() && part.size() <= kMaxIdentifier &&
              (std::isalpha(static_cast<unsigned char>(part[0])) || part[0] == '_');
    for (const char c : part) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) {
      return InvalidArgumentError(
          "'" + text + "' is not a valid identifier: use letters, digits and _, not starting " +
          "with a digit, at most 63 characters" + (allow_schema ? " (or schema.table)" : ""));
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts > (allow_schema ? 2u : 1u)) {
    return InvalidArgumentError("'" + text + "' has too many dots" +
                                (allow_schema ? ": write table or schema.table" : ""));
  }
  return Status::Ok();
}

}  // namespace

Status SqlIdentifier(const std::string& value) { return CheckIdentifiers(value, false); }

Status SqlTableName(const std::string& value) { return CheckIdentifiers(value, true); }

}  // namespace orc
