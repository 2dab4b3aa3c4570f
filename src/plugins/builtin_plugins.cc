#include "plugins/builtin_specs.h"

namespace orc {

void RegisterBuiltinPlugins(PluginRegistry& registry) {
  // Built-in names never clash; a clash is a bug caught by the registry's tests.
#define ORC_REGISTER_PLUGIN(spec_function) (void)registry.Register(spec_function());
  ORC_BUILTIN_PLUGINS(ORC_REGISTER_PLUGIN)
#undef ORC_REGISTER_PLUGIN
}

}  // namespace orc
