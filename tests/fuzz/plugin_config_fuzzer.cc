// Fuzz target plugin_config: a plugin configuration (the value of extractor_config, loader_config
// or transform_config) through PluginRegistry::Validate with the built-in plugins, for each kind.
//
// Properties: validating never throws or crashes, and a configuration it refuses is an input
// error naming a field under the configuration's own; a configuration it accepts is one the
// plugin's factory makes a plugin from (Make*), without throwing. Only an unset ${env:NAME} may
// still stop the factory, with an input error.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "plugins/plugin_registry.h"

namespace {

const orc::PluginRegistry& BuiltinPlugins() {
  static const orc::PluginRegistry* const registry = [] {
    auto* plugins = new orc::PluginRegistry();
    orc::RegisterBuiltinPlugins(*plugins);
    return plugins;
  }();
  return *registry;
}

// The plugin of `kind` made from `text` (which validated), or why not.
orc::Status Make(orc::PluginKind kind, const std::string& text) {
  switch (kind) {
    case orc::PluginKind::kExtractor:
      return BuiltinPlugins().MakeExtractor(text).status();
    case orc::PluginKind::kLoader:
      return BuiltinPlugins().MakeLoader(text).status();
    case orc::PluginKind::kTransform:
      return BuiltinPlugins().MakeTransform(text).status();
  }
  return orc::InternalError("no such kind");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  for (const orc::PluginKind kind :
       {orc::PluginKind::kExtractor, orc::PluginKind::kLoader, orc::PluginKind::kTransform}) {
    const std::string path = "tasks[0]." + std::string(orc::ConfigFieldName(kind));
    const orc::Status valid = BuiltinPlugins().Validate(kind, config, path);
    if (!valid.ok()) {
      FUZZ_CHECK(orc::fuzz::IsInputError(valid), valid.ToString());
      FUZZ_CHECK(valid.field().rfind(path, 0) == 0,
                 "the field '" + valid.field() + "' is not under " + path);
      continue;
    }
    const orc::Status made = Make(kind, text);
    FUZZ_CHECK(made.ok() || (orc::fuzz::IsInputError(made) &&
                             made.message().find("environment variable") != std::string::npos),
               "validated, but: " + made.ToString());
  }
  return 0;
}
