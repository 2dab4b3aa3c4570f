// PluginRegistry: the extractors, loaders and transforms orc knows, by their `type` name, and the
// rules their configurations must follow.
//
// A job is checked against the registry when it is written, so a job that cannot run is refused
// then, with the field at fault, instead of failing hours later when it fires. Each plugin lives
// in its own folder under src/plugins/ and is added by one line in RegisterBuiltinPlugins().
//
// Register() is for start-up; after it, the registry is read-only and safe to share by threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "plugins/plugin.h"

namespace orc {

enum class PluginKind { kExtractor, kLoader, kTransform };

// "extractor_config", "loader_config" or "transform_config".
std::string_view ConfigFieldName(PluginKind kind);

enum class FieldType { kString, kBool, kInteger, kNumber, kObject, kArray, kStringArray };

// One field of a plugin's configuration. `check` (optional) adds rules beyond the type; it
// returns InvalidArgument and may name a sub-field with WithField() (relative to this field).
struct FieldRule {
  std::string name;
  FieldType type;
  bool required = false;
  std::function<Status(const nlohmann::json& value)> check;
};

// Makes a plugin object from a configuration that passed validation. Secrets (${env:NAME}) are
// already resolved.
template <typename Plugin>
using PluginFactory = std::function<Result<std::unique_ptr<Plugin>>(const nlohmann::json& config)>;

// The factory of a plugin class `Impl` constructible from its configuration.
template <typename Plugin, typename Impl>
PluginFactory<Plugin> FactoryOf() {
  return [](const nlohmann::json& config) -> Result<std::unique_ptr<Plugin>> {
    return std::unique_ptr<Plugin>(std::make_unique<Impl>(config));
  };
}

struct PluginSpec {
  PluginKind kind;
  std::string type;  // the name users write in "type"
  std::vector<FieldRule> fields;
  // Rules across fields (e.g. merge needs primary_key); optional.
  std::function<Status(const nlohmann::json& config)> check_config;
  // The one factory matching `kind`.
  PluginFactory<Extractor> make_extractor;
  PluginFactory<Loader> make_loader;
  PluginFactory<Transform> make_transform;
};

class PluginRegistry {
 public:
  // AlreadyExists when a plugin of the same kind and type is registered.
  Status Register(PluginSpec spec);

  // Checks `config` (the value of extractor_config, loader_config or transform_config): an object
  // whose "type" names a registered plugin of `kind`, with the plugin's fields. Errors are
  // InvalidArgument with field paths under `path`, e.g. "tasks[0].loader_config.table_name".
  Status Validate(PluginKind kind, const nlohmann::json& config, const std::string& path) const;

  // A plugin for `config` (JSON text of extractor_config, loader_config or transform_config):
  // validated, ${env:NAME} references replaced by the environment's values, then made by the
  // plugin's factory. InvalidArgument for a bad configuration or a missing environment variable.
  Result<std::unique_ptr<Extractor>> MakeExtractor(const std::string& config) const;
  Result<std::unique_ptr<Loader>> MakeLoader(const std::string& config) const;
  Result<std::unique_ptr<Transform>> MakeTransform(const std::string& config) const;

  // The registered types of `kind`, sorted.
  std::vector<std::string> Types(PluginKind kind) const;

 private:
  Result<const PluginSpec*> Prepare(PluginKind kind, const std::string& config_text,
                                    nlohmann::json& config) const;
  // Prepare(), then the plugin's `factory`.
  template <typename Plugin>
  Result<std::unique_ptr<Plugin>> Make(PluginKind kind, const std::string& config_text,
                                       PluginFactory<Plugin> PluginSpec::*factory) const;

  std::map<std::pair<PluginKind, std::string>, PluginSpec> plugins_;
};

// Registers every plugin built into orc. Call once at start-up.
void RegisterBuiltinPlugins(PluginRegistry& registry);

// `value` with every "${env:NAME}" in its strings replaced by the environment variable NAME.
// InvalidArgument naming the variable when it is not set. Secrets live only in the environment and
// in the plugin objects made from the result, never in the state store.
Result<nlohmann::json> ResolveSecrets(const nlohmann::json& value);

// Checks shared by plugins.
Status CheckNotEmpty(const nlohmann::json& value);
// A SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters), or schema.identifier when
// `allow_schema`.
Status CheckIdentifier(const nlohmann::json& value, bool allow_schema);
// One of `choices`.
std::function<Status(const nlohmann::json&)> OneOf(std::vector<std::string> choices);
// An integer from `min` to `max`.
std::function<Status(const nlohmann::json&)> Between(int64_t min, int64_t max);

}  // namespace orc
