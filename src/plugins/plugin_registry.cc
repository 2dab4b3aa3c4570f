#include "plugins/plugin_registry.h"

#include <nlohmann/json.hpp>

#include <exception>

#include "core/config_template.h"

namespace orc {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

Status Invalid(std::string message, std::string field) {
  return InvalidArgumentError(std::move(message)).WithField(std::move(field));
}

// `file` checked against `paths` as its use requires; the error names the field under `path`.
Result<std::filesystem::path> CheckFile(const ConfigFile& file, const PathPolicy& paths,
                                        const std::string& path) {
  Result<std::filesystem::path> checked = file.use == ConfigFile::Use::kRead
                                              ? paths.CheckPattern(file.path, PathAccess::kRead)
                                              : paths.Check(file.path, PathAccess::kWrite);
  const std::string field = path + "." + file.field;
  if (checked.ok() && file.use == ConfigFile::Use::kWriteDirectory) {
    // Loads are staged beside the directory, so its parent must be writable too (the data
    // directory itself, or an allowed directory itself, cannot be a destination).
    const std::filesystem::path directory =
        checked->has_filename() ? *checked : checked->parent_path();  // "out/" is "out"
    const Result<std::filesystem::path> parent =
        paths.Check(directory.parent_path().string(), PathAccess::kWrite);
    if (!parent.ok()) {
      return Status(parent.status().code(),
                    field + ": '" + file.path +
                        "' must be a directory below a directory jobs may write, because a load "
                        "is staged beside it: " +
                        parent.status().message())
          .WithField(field);
    }
  }
  if (checked.ok()) return checked;
  return Status(checked.status().code(), field + ": " + checked.status().message())
      .WithField(field);
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

Result<ParsedConfig> PluginRegistry::Parse(PluginKind kind, const nlohmann::json& config,
                                           const std::string& path) const {
  if (!config.is_object()) return Invalid(path + " must be an object with a \"type\"", path);
  // The plugins' readers copy and dump parts of the configuration, recursively.
  ORC_RETURN_IF_ERROR(CheckConfigDepth(config, path));
  const std::string known = Join(Types(kind));
  const auto type = config.find("type");
  if (type == config.end() || type->is_null()) {
    return Invalid(path + ".type is required: one of " + known, path + ".type");
  }
  if (!type->is_string()) {
    return Invalid(path + ".type must be a string: one of " + known, path + ".type");
  }
  const std::string& name = type->get_ref<const std::string&>();
  const auto found = plugins_.find({kind, name});
  if (found == plugins_.end()) {
    return Invalid("unknown " + std::string(ConfigFieldName(kind)) + " type '" + name +
                       "': known types are " + known,
                   path + ".type");
  }
  const PluginSpec& spec = found->second;
  if (!spec.read) {
    return InternalError(std::string(ConfigFieldName(kind)) + " type " + name +
                         " has no configuration reader");
  }
  ConfigReader reader(config, path, std::string(ConfigFieldName(kind)) + " type " + name);
  reader.Skip("type");
  // The reader never throws on any JSON; this boundary only keeps a bug in a plugin's reading
  // function from escaping as an exception into a request or worker thread.
  try {
    ParsedConfig parsed = spec.read(reader);
    ORC_RETURN_IF_ERROR(reader.Finish());
    return parsed;
  } catch (const std::exception& error) {
    return InternalError("reading " + path + " (type " + name + ") failed: " + error.what());
  }
}

Status PluginRegistry::Validate(PluginKind kind, const nlohmann::json& config,
                                const std::string& path, const ConfigChecks& checks,
                                const nlohmann::json* as_written) const {
  ORC_ASSIGN_OR_RETURN(ParsedConfig parsed, Parse(kind, config, path));
  if (checks.secrets != nullptr) {
    ORC_RETURN_IF_ERROR(CheckSecretReferences(config, *checks.secrets, path));
  }
  if (checks.paths == nullptr) return Status::Ok();
  for (const ConfigFile& file : parsed.files) {
    // Its value is known only when the task runs, which checks it then.
    if (file.path.find("${env:") != std::string::npos) continue;
    if (as_written != nullptr && as_written->is_object()) {
      const auto written = as_written->find(file.field);
      if (written != as_written->end() && written->is_string() &&
          HasTemplate(written->get_ref<const std::string&>())) {
        continue;
      }
    }
    Result<std::filesystem::path> checked = CheckFile(file, *checks.paths, path);
    // A refusal at write time is the request's fault: a 400 naming the field.
    if (!checked.ok()) {
      return Invalid(checked.status().message(), checked.status().field());
    }
  }
  return Status::Ok();
}

const std::set<std::string>& PluginRegistry::SqlFields(PluginKind kind,
                                                       const nlohmann::json& config) const {
  static const std::set<std::string> kNone;
  if (!config.is_object()) return kNone;
  const auto type = config.find("type");
  if (type == config.end() || !type->is_string()) return kNone;
  const auto found = plugins_.find({kind, type->get<std::string>()});
  return found == plugins_.end() ? kNone : found->second.sql_fields;
}

template <typename Plugin>
Result<std::unique_ptr<Plugin>> PluginRegistry::Make(
    PluginKind kind, const nlohmann::json& config, const PathPolicy& paths,
    std::function<std::unique_ptr<Plugin>()> ParsedConfig::*factory) const {
  const std::string path(ConfigFieldName(kind));
  ORC_ASSIGN_OR_RETURN(ParsedConfig parsed, Parse(kind, config, path));
  for (const ConfigFile& file : parsed.files) {
    ORC_RETURN_IF_ERROR(CheckFile(file, paths, path).status());
  }
  if (!(parsed.*factory)) {
    return InternalError(path + " type " + config.value("type", "") + " has no factory");
  }
  return (parsed.*factory)();
}

Result<std::unique_ptr<Extractor>> PluginRegistry::MakeExtractor(const nlohmann::json& config,
                                                                 const PathPolicy& paths) const {
  return Make(PluginKind::kExtractor, config, paths, &ParsedConfig::make_extractor);
}

Result<std::unique_ptr<Loader>> PluginRegistry::MakeLoader(const nlohmann::json& config,
                                                           const PathPolicy& paths) const {
  return Make(PluginKind::kLoader, config, paths, &ParsedConfig::make_loader);
}

Result<std::unique_ptr<Transform>> PluginRegistry::MakeTransform(const nlohmann::json& config,
                                                                 const PathPolicy& paths) const {
  return Make(PluginKind::kTransform, config, paths, &ParsedConfig::make_transform);
}

Result<std::vector<std::filesystem::path>> PluginRegistry::DatabasesWritten(
    PluginKind kind, const nlohmann::json& config, const PathPolicy& paths) const {
  const std::string path(ConfigFieldName(kind));
  ORC_ASSIGN_OR_RETURN(ParsedConfig parsed, Parse(kind, config, path));
  std::vector<std::filesystem::path> databases;
  for (const ConfigFile& file : parsed.files) {
    if (file.use != ConfigFile::Use::kWriteDatabase || file.path == ":memory:") continue;
    ORC_ASSIGN_OR_RETURN(std::filesystem::path database, CheckFile(file, paths, path));
    databases.push_back(std::move(database));
  }
  return databases;
}

}  // namespace orc
