// An executor process for tests: orc's built-in plugins plus the misbehaving test plugins
// (test_plugins.h).
#include "executor/executor_main.h"
#include "executor/test_plugins.h"
#include "plugins/plugin_registry.h"

int main() {
  orc::PluginRegistry plugins;
  orc::RegisterBuiltinPlugins(plugins);
  orc::RegisterTestPlugins(plugins);
  return orc::RunExecutor(orc::kExecutorChannelFd, plugins);
}
