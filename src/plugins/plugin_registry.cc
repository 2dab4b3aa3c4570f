#include "plugins/plugin_registry.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace orc {
namespace {

const char* TypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kBool:
      return "true or false";
    case FieldType::kInteger:
      return "an integer";
    case FieldType::kNumber:
      return "a number";
    case FieldType::kObject:
      return "an object";
    case FieldType::kArray:
      return "an array";
    case FieldType::kStringArray:
      return "an array of strings";
  }
  return "a value";
}

bool HasType(const nlohmann::json& value, FieldType type) {
  switch (type) {
    case FieldType::kString:
      return value.is_string();
    case FieldType::kBool:
      return value.is_boolean();
    case FieldType::kInteger:
      return value.is_number_integer();
    case FieldType::kNumber:
      return value.is_number();
    case FieldType::kObject:
      return value.is_object();
    case FieldType::kArray:
      return value.is_array();
    case FieldType::kStringArray:
      if (!value.is_array()) return false;
      for (const auto& item : value) {
        if (!item.is_string()) return false;
      }
      return true;
  }
  return false;
}

// `path` extended by a sub-field: "a.b", or "a[1]" for an index.
std::string SubField(const std::string& path, const std::string& sub) {
  if (sub.empty()) return path;
  return sub.front() == '[' ? path + sub : path + "." + sub;
}

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

}  // namespace

std::string_view ConfigFieldName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kExtractor:
      return "extractor_config";
    case PluginKind::kLoader:
      return "loader_config";
    case PluginKind::kTransform:
      return "transform_config";
  }
  return "config";
}

Status PluginRegistry::Register(PluginSpec spec) {
  auto key = std::make_pair(spec.kind, spec.type);
  if (plugins_.count(key) > 0) {
    return AlreadyExistsError("a " + std::string(ConfigFieldName(spec.kind)) + " plugin named '" +
                              spec.type + "' is already registered");
  }
  plugins_.emplace(std::move(key), std::move(spec));
  return Status::Ok();
}

std::vector<std::string> PluginRegistry::Types(PluginKind kind) const {
  std::vector<std::string> types;
  for (const auto& [key, spec] : plugins_) {
    if (key.first == kind) types.push_back(key.second);
  }
  return types;
}

Status PluginRegistry::Validate(PluginKind kind, const nlohmann::json& config,
                                const std::string& path) const {
  auto invalid = [](std::string message, std::string field) {
    return InvalidArgumentError(std::move(message)).WithField(std::move(field));
  };
  if (!config.is_object()) return invalid(path + " must be an object with a \"type\"", path);
  const auto type = config.find("type");
  if (type == config.end() || !type->is_string()) {
    return invalid(path + ".type is required: one of " + Join(Types(kind)), path + ".type");
  }
  const auto found = plugins_.find({kind, type->get<std::string>()});
  if (found == plugins_.end()) {
    return invalid("unknown " + std::string(ConfigFieldName(kind)) + " type '" +
                       type->get<std::string>() + "': known types are " + Join(Types(kind)),
                   path + ".type");
  }
  const PluginSpec& spec = found->second;
  for (const auto& [name, value] : config.items()) {
    if (name == "type") continue;
    bool known = false;
    for (const FieldRule& rule : spec.fields) known = known || rule.name == name;
    if (!known) {
      std::vector<std::string> allowed;
      for (const FieldRule& rule : spec.fields) allowed.push_back(rule.name);
      return invalid("unknown field '" + name + "' in " + path + " (type " + spec.type +
                         "); allowed: " + Join(allowed),
                     path + "." + name);
    }
  }
  for (const FieldRule& rule : spec.fields) {
    const std::string field = path + "." + rule.name;
    const auto value = config.find(rule.name);
    if (value == config.end() || value->is_null()) {
      if (rule.required) {
        return invalid(
            field + " is required for " + std::string(ConfigFieldName(kind)) + " type " + spec.type,
            field);
      }
      continue;
    }
    if (!HasType(*value, rule.type)) {
      return invalid(field + " must be " + TypeName(rule.type), field);
    }
    if (rule.check) {
      Status checked = rule.check(*value);
      if (!checked.ok()) {
        const std::string at = SubField(field, checked.field());
        return invalid(at + ": " + checked.message(), at);
      }
    }
  }
  if (spec.check_config) {
    Status checked = spec.check_config(config);
    if (!checked.ok()) {
      const std::string at = SubField(path, checked.field());
      return invalid(at + ": " + checked.message(), at);
    }
  }
  return Status::Ok();
}

Result<const PluginSpec*> PluginRegistry::Prepare(PluginKind kind, const std::string& config_text,
                                                  nlohmann::json& config) const {
  config = nlohmann::json::parse(config_text, nullptr, /*allow_exceptions=*/false);
  const std::string field(ConfigFieldName(kind));
  if (config.is_discarded()) return InvalidArgumentError(field + " is not valid JSON");
  ORC_RETURN_IF_ERROR(Validate(kind, config, field));
  ORC_ASSIGN_OR_RETURN(config, ResolveSecrets(config));
  return &plugins_.at({kind, config["type"].get<std::string>()});
}

template <typename Plugin>
Result<std::unique_ptr<Plugin>> PluginRegistry::Make(
    PluginKind kind, const std::string& text, PluginFactory<Plugin> PluginSpec::*factory) const {
  nlohmann::json config;
  ORC_ASSIGN_OR_RETURN(const PluginSpec* spec, Prepare(kind, text, config));
  if (!(spec->*factory)) {
    return InternalError(std::string(ConfigFieldName(kind)) + " type " + spec->type +
                         " has no factory");
  }
  return (spec->*factory)(config);
}

Result<std::unique_ptr<Extractor>> PluginRegistry::MakeExtractor(const std::string& text) const {
  return Make(PluginKind::kExtractor, text, &PluginSpec::make_extractor);
}

Result<std::unique_ptr<Loader>> PluginRegistry::MakeLoader(const std::string& text) const {
  return Make(PluginKind::kLoader, text, &PluginSpec::make_loader);
}

Result<std::unique_ptr<Transform>> PluginRegistry::MakeTransform(const std::string& text) const {
  return Make(PluginKind::kTransform, text, &PluginSpec::make_transform);
}

Result<nlohmann::json> ResolveSecrets(const nlohmann::json& value) {
  if (value.is_object() || value.is_array()) {
    nlohmann::json resolved = value;
    for (auto& item : resolved) {
      ORC_ASSIGN_OR_RETURN(item, ResolveSecrets(item));
    }
    return resolved;
  }
  if (!value.is_string()) return value;
  const std::string& text = value.get_ref<const std::string&>();
  constexpr std::string_view kOpen = "${env:";
  std::string out;
  size_t position = 0;
  while (true) {
    const size_t start = text.find(kOpen, position);
    if (start == std::string::npos) break;
    const size_t end = text.find('}', start);
    if (end == std::string::npos) break;
    const std::string name = text.substr(start + kOpen.size(), end - start - kOpen.size());
    const char* env = std::getenv(name.c_str());
    if (env == nullptr) {
      return InvalidArgumentError("environment variable " + name +
                                  " is not set (referenced as ${env:" + name + "})");
    }
    out += text.substr(position, start - position);
    out += env;
    position = end + 1;
  }
  if (position == 0) return value;
  out += text.substr(position);
  return nlohmann::json(out);
}

Status CheckNotEmpty(const nlohmann::json& value) {
  if (value.is_string() && value.get<std::string>().empty()) {
    return InvalidArgumentError("must not be empty");
  }
  return Status::Ok();
}

Status CheckIdentifier(const nlohmann::json& value, bool allow_schema) {
  constexpr size_t kMaxIdentifier = 63;
  const std::string text = value.get<std::string>();
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

std::function<Status(const nlohmann::json&)> OneOf(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const nlohmann::json& value) {
    const std::string text = value.get<std::string>();
    for (const std::string& choice : choices) {
      if (text == choice) return Status::Ok();
    }
    return InvalidArgumentError("'" + text + "' is not one of " + Join(choices));
  };
}

std::function<Status(const nlohmann::json&)> Between(int64_t min, int64_t max) {
  return [min, max](const nlohmann::json& value) {
    const int64_t number = value.get<int64_t>();
    if (number < min || number > max) {
      return InvalidArgumentError("must be from " + std::to_string(min) + " to " +
                                  std::to_string(max) + ", not " + std::to_string(number));
    }
    return Status::Ok();
  };
}

}  // namespace orc
