// The built-in plugins, listed once. Each plugin lives in a folder of its own
// (plugins/<extractors|loaders|transforms>/<name>/) and defines there the function that returns
// its spec (its Config's reader and its factory, made by SpecOf); the list below declares those
// functions and RegisterBuiltinPlugins registers each. Adding a plugin is its folder and one line
// here: src/CMakeLists.txt finds the folder's sources by itself.
#pragma once

#include "plugins/plugin_registry.h"

// ORC_BUILTIN_PLUGINS(X) calls X(SpecFunction) for every built-in plugin, in registration order.
#define ORC_BUILTIN_PLUGINS(X) \
  X(CsvExtractorSpec)          \
  X(ParquetExtractorSpec)      \
  X(JsonExtractorSpec)         \
  X(ApiExtractorSpec)          \
  X(SqliteExtractorSpec)       \
  X(PostgresExtractorSpec)     \
  X(MySqlExtractorSpec)        \
  X(DuckDbLoaderSpec)          \
  X(PostgresLoaderSpec)        \
  X(FilesLoaderSpec)           \
  X(SqlTransformSpec)

namespace orc {

#define ORC_DECLARE_PLUGIN_SPEC(spec_function) PluginSpec spec_function();
ORC_BUILTIN_PLUGINS(ORC_DECLARE_PLUGIN_SPEC)
#undef ORC_DECLARE_PLUGIN_SPEC

}  // namespace orc
