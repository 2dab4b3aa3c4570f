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
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"

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

struct PluginSpec {
  PluginKind kind;
  std::string type;  // the name users write in "type"
  std::vector<FieldRule> fields;
  // Rules across fields (e.g. merge needs primary_key); optional.
  std::function<Status(const nlohmann::json& config)> check_config;
};

class PluginRegistry {
 public:
  // AlreadyExists when a plugin of the same kind and type is registered.
  Status Register(PluginSpec spec);

  // Checks `config` (the value of extractor_config, loader_config or transform_config): an object
  // whose "type" names a registered plugin of `kind`, with the plugin's fields. Errors are
  // InvalidArgument with field paths under `path`, e.g. "tasks[0].loader_config.table_name".
  Status Validate(PluginKind kind, const nlohmann::json& config, const std::string& path) const;

  // The registered types of `kind`, sorted.
  std::vector<std::string> Types(PluginKind kind) const;

 private:
  std::map<std::pair<PluginKind, std::string>, PluginSpec> plugins_;
};

// Registers every plugin built into orc. Call once at start-up.
void RegisterBuiltinPlugins(PluginRegistry& registry);

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
