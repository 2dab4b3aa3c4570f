// json: rows from a JSON array or NDJSON file, or a glob of files.
#include <nlohmann/json.hpp>

#include "plugins/builtin_specs.h"

namespace orc {

PluginSpec JsonExtractorSpec() {
  return {PluginKind::kExtractor,
          "json",
          {{"path", FieldType::kString, true, CheckNotEmpty},
           {"format", FieldType::kString, false, OneOf({"auto", "array", "ndjson"})},
           {"columns", FieldType::kObject}}};
}

}  // namespace orc
