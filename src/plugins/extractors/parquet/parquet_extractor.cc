// parquet: rows from a Parquet file or a glob of files, optionally hive-partitioned, read by
// DuckDB's read_parquet with the file's own types.
#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

struct ParquetConfig {
  std::string path;                                 // a file or a glob
  std::optional<std::vector<std::string>> columns;  // all when absent
  bool hive_partitioning = false;

  std::vector<ConfigFile> Files() const { return {{"path", path, ConfigFile::Use::kRead}}; }
};

ParquetConfig ReadParquetConfig(ConfigReader& in) {
  ParquetConfig config{.path = in.RequiredString("path", NotEmpty),
                       .columns = in.StringList("columns")};
  if (config.columns && config.columns->empty()) {
    in.Fail("columns", "must name at least one column");
  }
  config.hive_partitioning = in.Bool("hive_partitioning", false);
  return config;
}

class ParquetExtractor final : public Extractor {
 public:
  explicit ParquetExtractor(ParquetConfig config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
    ORC_ASSIGN_OR_RETURN(std::string files,
                         MatchFiles(context, connection, "parquet", config_.path));
    std::string columns = "*";
    if (config_.columns) {
      columns.clear();
      for (const std::string& column : *config_.columns) {
        columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column);
      }
    }
    const std::string hive = config_.hive_partitioning ? "true" : "false";
    // Parquet files say how many rows they hold, so DuckDB's progress on them is in rows.
    context.progress->engine_counts_rows.store(true, std::memory_order_relaxed);
    return Source{.select_sql = "SELECT " + columns + " FROM read_parquet(" + files +
                                ", hive_partitioning = " + hive + ")",
                  .description = "parquet " + config_.path};
  }

 private:
  const ParquetConfig config_;
};

}  // namespace

PluginSpec ParquetExtractorSpec() { return SpecOf<ParquetExtractor>("parquet", ReadParquetConfig); }

}  // namespace orc
