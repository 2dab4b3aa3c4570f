// sql: statements run in one transaction in a DuckDB database (the T of ELT).
#include <nlohmann/json.hpp>

#include "plugins/builtin_specs.h"

namespace orc {

PluginSpec SqlTransformSpec() {
  return {PluginKind::kTransform,
          "sql",
          {{"db_path", FieldType::kString, true, CheckNotEmpty},
           {"sql", FieldType::kString, true, CheckNotEmpty}}};
}

}  // namespace orc
