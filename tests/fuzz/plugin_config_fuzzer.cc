// Fuzz target plugin_config: a plugin configuration (the value of extractor_config, loader_config
// or transform_config) through PluginRegistry::Validate with the built-in plugins, for each kind.
//
// Properties: validating (with the paths confined to a data directory and the default secret
// policy, as `orc serve` does) never throws or crashes, and a configuration it refuses is an input
// error naming a field under the configuration's own; a configuration it accepts is one the
// plugin's factory makes a plugin from (Make*, after its secrets are resolved), without throwing.
// Only an unset ${env:NAME} may still stop the resolution, with an input error.
#include <nlohmann/json.hpp>

#include "common/path_policy.h"
#include "fuzz/fuzz_support.h"
#include "plugins/plugin_registry.h"
#include "plugins/secrets.h"

namespace {

const orc::PluginRegistry& BuiltinPlugins() {
  static const orc::PluginRegistry* const registry = [] {
    auto* plugins = new orc::PluginRegistry();
    orc::RegisterBuiltinPlugins(*plugins);
    return plugins;
  }();
  return *registry;
}

// Paths confined to a data directory that need not exist: the checks are lexical until a path
// reaches something on disk, and the targets never open what they name.
const orc::PathPolicy& Paths() {
  static const orc::PathPolicy* const paths =
      new orc::PathPolicy("/nonexistent/orc-fuzz/data", {}, {"/nonexistent/orc-fuzz/orc.db"});
  return *paths;
}

// The plugin of `kind` made from `config` (which validated, secrets resolved), or why not.
orc::Status Make(orc::PluginKind kind, const nlohmann::json& config) {
  switch (kind) {
    case orc::PluginKind::kExtractor:
      return BuiltinPlugins().MakeExtractor(config, Paths()).status();
    case orc::PluginKind::kLoader:
      return BuiltinPlugins().MakeLoader(config, Paths()).status();
    case orc::PluginKind::kTransform:
      return BuiltinPlugins().MakeTransform(config, Paths()).status();
  }
  return orc::InternalError("no such kind");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  const orc::SecretPolicy secrets;
  const orc::ConfigChecks checks{.paths = &Paths(), .secrets = &secrets};
  for (const orc::PluginKind kind :
       {orc::PluginKind::kExtractor, orc::PluginKind::kLoader, orc::PluginKind::kTransform}) {
    const std::string path = "tasks[0]." + std::string(orc::ConfigFieldName(kind));
    const orc::Status valid = BuiltinPlugins().Validate(kind, config, path, checks);
    if (!valid.ok()) {
      FUZZ_CHECK(orc::fuzz::IsInputError(valid), valid.ToString());
      FUZZ_CHECK(valid.field().rfind(path, 0) == 0,
                 "the field '" + valid.field() + "' is not under " + path);
      continue;
    }
    const orc::Result<orc::ResolvedSecrets> resolved = orc::ResolveSecrets(config, secrets);
    if (!resolved.ok()) {
      FUZZ_CHECK(orc::fuzz::IsInputError(resolved.status()) &&
                     resolved.status().message().find("not set") != std::string::npos,
                 "validated, but resolving its secrets: " + resolved.status().ToString());
      continue;
    }
    const orc::Status made = Make(kind, resolved->config);
    FUZZ_CHECK(made.ok(), "validated, but: " + made.ToString());
  }
  return 0;
}
