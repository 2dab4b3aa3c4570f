// parquet: rows from a Parquet file or a glob of files, optionally hive-partitioned.
#include <nlohmann/json.hpp>

#include "plugins/builtin_specs.h"

namespace orc {

PluginSpec ParquetExtractorSpec() {
  return {PluginKind::kExtractor,
          "parquet",
          {{"path", FieldType::kString, true, CheckNotEmpty},
           {"columns", FieldType::kStringArray},
           {"hive_partitioning", FieldType::kBool}}};
}

}  // namespace orc
