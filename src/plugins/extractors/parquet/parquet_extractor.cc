// parquet: rows from a Parquet file or a glob of files, optionally hive-partitioned, read by
// DuckDB's read_parquet with the file's own types.
#include <nlohmann/json.hpp>

#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

class ParquetExtractor final : public Extractor {
 public:
  explicit ParquetExtractor(nlohmann::json config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection) override {
    const std::string path = config_["path"];
    ORC_ASSIGN_OR_RETURN(std::string files, MatchFiles(context, connection, "parquet", path));
    std::string columns = "*";
    if (config_.contains("columns")) {
      columns.clear();
      for (const auto& column : config_["columns"]) {
        columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column.get<std::string>());
      }
    }
    const std::string hive = config_.value("hive_partitioning", false) ? "true" : "false";
    return Source{.select_sql = "SELECT " + columns + " FROM read_parquet(" + files +
                                ", hive_partitioning = " + hive + ")",
                  .description = "parquet " + path};
  }

 private:
  nlohmann::json config_;
};

Status NotEmptyList(const nlohmann::json& value) {
  if (value.empty()) return InvalidArgumentError("must name at least one column");
  return Status::Ok();
}

}  // namespace

PluginSpec ParquetExtractorSpec() {
  return {.kind = PluginKind::kExtractor,
          .type = "parquet",
          .fields = {{"path", FieldType::kString, true, CheckNotEmpty},
                     {"columns", FieldType::kStringArray, false, NotEmptyList},
                     {"hive_partitioning", FieldType::kBool}},
          .make_extractor = FactoryOf<Extractor, ParquetExtractor>()};
}

}  // namespace orc
