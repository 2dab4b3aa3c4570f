#include "plugins/builtin_specs.h"

namespace orc {

void RegisterBuiltinPlugins(PluginRegistry& registry) {
  // Built-in names never clash; a clash is a bug caught by the registry's tests.
  for (PluginSpec spec : {CsvExtractorSpec(), ParquetExtractorSpec(), JsonExtractorSpec(),
                          ApiExtractorSpec(), DuckDbLoaderSpec(), SqlTransformSpec()}) {
    (void)registry.Register(std::move(spec));
  }
}

}  // namespace orc
