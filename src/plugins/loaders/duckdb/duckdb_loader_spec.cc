// duckdb: rows into a DuckDB table, in one transaction, replace | append | merge.
#include <nlohmann/json.hpp>

#include "plugins/builtin_specs.h"

namespace orc {
namespace {

Status Identifiers(const nlohmann::json& columns) {
  if (columns.empty()) return InvalidArgumentError("must name at least one column");
  for (size_t i = 0; i < columns.size(); ++i) {
    ORC_RETURN_IF_ERROR(CheckIdentifier(columns[i], /*allow_schema=*/false)
                            .WithField("[" + std::to_string(i) + "]"));
  }
  return Status::Ok();
}

Status MergeNeedsKey(const nlohmann::json& config) {
  if (config.value("write_mode", "replace") == "merge" && !config.contains("primary_key")) {
    return InvalidArgumentError("write_mode merge needs a primary_key (the columns to match on)")
        .WithField("primary_key");
  }
  return Status::Ok();
}

}  // namespace

PluginSpec DuckDbLoaderSpec() {
  return {PluginKind::kLoader,
          "duckdb",
          {{"db_path", FieldType::kString, true, CheckNotEmpty},
           {"table_name", FieldType::kString, true,
            [](const nlohmann::json& value) { return CheckIdentifier(value, true); }},
           {"write_mode", FieldType::kString, false, OneOf({"replace", "append", "merge"})},
           {"primary_key", FieldType::kStringArray, false, Identifiers}},
          MergeNeedsKey};
}

}  // namespace orc
