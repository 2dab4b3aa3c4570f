// The spec of each built-in plugin (its Config's reader and its factory, made by SpecOf); each is
// defined in the plugin's own folder.
#pragma once

#include "plugins/plugin_registry.h"

namespace orc {

PluginSpec CsvExtractorSpec();      // extractors/csv
PluginSpec ParquetExtractorSpec();  // extractors/parquet
PluginSpec JsonExtractorSpec();     // extractors/json
PluginSpec ApiExtractorSpec();      // extractors/api
PluginSpec DuckDbLoaderSpec();      // loaders/duckdb
PluginSpec SqlTransformSpec();      // transforms/sql

}  // namespace orc
