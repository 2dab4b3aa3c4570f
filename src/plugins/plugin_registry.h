// PluginRegistry: the extractors, loaders and transforms orc knows, by their `type` name, and how
// their configurations are read and checked.
//
// Each plugin declares a typed Config and one function that reads it (ConfigReader). The registry
// runs that function when a job is written (Validate: a job that cannot run is refused then, with
// the field at fault, instead of failing hours later when it fires) and again when a task runs
// (Make*: the plugin is constructed from the typed Config), so the check and the use cannot
// drift. Around the parse it confines what a configuration reaches: the files it names (through a
// PathPolicy) and the environment variables it references (through a SecretPolicy).
//
// Each plugin lives in its own folder under src/plugins/ and is added by one line in
// RegisterBuiltinPlugins(). Register() is for start-up; after it, the registry is read-only and
// safe to share by threads.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/path_policy.h"
#include "common/status.h"
#include "plugins/config_reader.h"
#include "plugins/plugin.h"
#include "plugins/secrets.h"

namespace orc {

enum class PluginKind { kExtractor, kLoader, kTransform };

// "extractor_config", "loader_config" or "transform_config".
std::string_view ConfigFieldName(PluginKind kind);

// A file a configuration names, for the checks around the plugin. A plugin's Config lists them in
// `std::vector<ConfigFile> Files() const`.
struct ConfigFile {
  enum class Use {
    kRead,           // a file or a glob pattern (each file it matches is checked when it runs)
    kWriteDatabase,  // a DuckDB database written (":memory:" for none on disk)
    // A directory whose files are written (the files loader). Its parent must be writable too:
    // a load is staged beside the directory and renamed into it. Tasks writing one directory are
    // serialised by the plugin itself (a lock file beside the directory), not through
    // DatabasesWritten, whose files the executor opens as DuckDB databases.
    kWriteDirectory,
  };
  std::string field;  // the field naming it, relative to the configuration: "path", "db_path"
  std::string path;   // as the job wrote it
  Use use = Use::kRead;
};

// What checking a configuration covers beyond its fields.
struct ConfigChecks {
  const PathPolicy* paths = nullptr;      // nullptr: paths not confined (orc apply's local check)
  const SecretPolicy* secrets = nullptr;  // nullptr: ${env:} names not checked
};

// A configuration read into its plugin's Config: the files it names, and the factory of the one
// plugin matching its kind, holding the Config.
struct ParsedConfig {
  std::vector<ConfigFile> files;
  std::function<std::unique_ptr<Extractor>()> make_extractor;
  std::function<std::unique_ptr<Loader>()> make_loader;
  std::function<std::unique_ptr<Transform>()> make_transform;
};

struct PluginSpec {
  PluginKind kind;
  std::string type;  // the name users write in "type"
  // Reads the configuration's fields (all but "type") into the plugin's Config. Made by SpecOf().
  std::function<ParsedConfig(ConfigReader& reader)> read;
  // The top-level fields holding SQL: their templates render as SQL literals, never as SQL text
  // (core/config_template.h).
  std::set<std::string> sql_fields;
};

// The spec of plugin class `Impl` (an Extractor, Loader or Transform constructible from `const
// Config&`) named `type`, whose configuration `read` reads. The Config lists its files with
// `std::vector<ConfigFile> Files() const`.
template <typename Impl, typename Config>
PluginSpec SpecOf(std::string type, Config (*read)(ConfigReader&)) {
  static_assert(std::is_base_of_v<Extractor, Impl> || std::is_base_of_v<Loader, Impl> ||
                std::is_base_of_v<Transform, Impl>);
  const PluginKind kind = std::is_base_of_v<Extractor, Impl> ? PluginKind::kExtractor
                          : std::is_base_of_v<Loader, Impl>  ? PluginKind::kLoader
                                                             : PluginKind::kTransform;
  return {.kind = kind, .type = std::move(type), .read = [read](ConfigReader& reader) {
            Config config = read(reader);
            ParsedConfig parsed{.files = config.Files()};
            auto make = [config = std::move(config)] { return std::make_unique<Impl>(config); };
            if constexpr (std::is_base_of_v<Extractor, Impl>) parsed.make_extractor = make;
            if constexpr (std::is_base_of_v<Loader, Impl>) parsed.make_loader = make;
            if constexpr (std::is_base_of_v<Transform, Impl>) parsed.make_transform = make;
            return parsed;
          }};
}

class PluginRegistry {
 public:
  // AlreadyExists when a plugin of the same kind and type is registered.
  Status Register(PluginSpec spec);

  // When a job is written: `config` (the value of extractor_config, loader_config or
  // transform_config) must be an object whose "type" names a registered plugin of `kind`, with that
  // plugin's fields; then, per `checks`, every ${env:NAME} in it must be a name jobs may use and
  // every file it names must be one jobs may reach (a path holding a ${env:} reference is checked
  // when the task runs instead). Errors are InvalidArgument naming the field under `path`, e.g.
  // "tasks[0].loader_config.table_name".
  //
  // `as_written`, when given, is the configuration as the job wrote it, of which `config` is a copy
  // with its templates rendered from sample values: a file whose field holds a template there is
  // known only when the task runs, which checks it then.
  Status Validate(PluginKind kind, const nlohmann::json& config, const std::string& path,
                  const ConfigChecks& checks = {},
                  const nlohmann::json* as_written = nullptr) const;

  // The SQL fields of the plugin `config`'s "type" names (PluginSpec::sql_fields); none for an
  // unknown type.
  const std::set<std::string>& SqlFields(PluginKind kind, const nlohmann::json& config) const;

  // When a task runs, on a configuration whose secrets the caller resolved (ResolveSecrets): the
  // parse, every file it names checked against `paths`, then the plugin. InvalidArgument for a bad
  // configuration, PermissionDenied for a file the policy refuses; both name the field under
  // "extractor_config" (or loader_config, transform_config).
  Result<std::unique_ptr<Extractor>> MakeExtractor(const nlohmann::json& config,
                                                   const PathPolicy& paths) const;
  Result<std::unique_ptr<Loader>> MakeLoader(const nlohmann::json& config,
                                             const PathPolicy& paths) const;
  Result<std::unique_ptr<Transform>> MakeTransform(const nlohmann::json& config,
                                                   const PathPolicy& paths) const;

  // The DuckDB database files a configuration of `kind` writes, absolute and resolved as `paths`
  // resolves them (":memory:" left out), so that tasks writing one file can be serialised. Only
  // kWriteDatabase files: a directory written (kWriteDirectory) is no database. Errors as for
  // Make*.
  Result<std::vector<std::filesystem::path>> DatabasesWritten(PluginKind kind,
                                                              const nlohmann::json& config,
                                                              const PathPolicy& paths) const;

  // The registered types of `kind`, sorted.
  std::vector<std::string> Types(PluginKind kind) const;

 private:
  // The configuration read by its plugin; errors name fields under `path`.
  Result<ParsedConfig> Parse(PluginKind kind, const nlohmann::json& config,
                             const std::string& path) const;
  template <typename Plugin>
  Result<std::unique_ptr<Plugin>> Make(
      PluginKind kind, const nlohmann::json& config, const PathPolicy& paths,
      std::function<std::unique_ptr<Plugin>()> ParsedConfig::*factory) const;

  std::map<std::pair<PluginKind, std::string>, PluginSpec> plugins_;
};

// Registers every plugin built into orc. Call once at start-up.
void RegisterBuiltinPlugins(PluginRegistry& registry);

}  // namespace orc
