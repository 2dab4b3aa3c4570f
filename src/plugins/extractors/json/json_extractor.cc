// json: rows from a JSON array or NDJSON file, or a glob of files, read by DuckDB's read_json:
// nested objects become STRUCTs and arrays LISTs.
#include <nlohmann/json.hpp>

#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

class JsonExtractor final : public Extractor {
 public:
  explicit JsonExtractor(nlohmann::json config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection) override {
    const std::string path = config_["path"];
    ORC_ASSIGN_OR_RETURN(std::string files, MatchFiles(context, connection, "json", path));
    const std::string format = config_.value("format", "auto");
    std::string options =
        ", format = " + QuoteLiteral(format == "ndjson" ? "newline_delimited" : format);
    if (config_.contains("columns")) {
      options += ", columns = " + ColumnsLiteral(config_["columns"]);
    }
    return Source{.select_sql = "SELECT * FROM read_json(" + files + options + ")",
                  .description = "json " + path};
  }

 private:
  nlohmann::json config_;
};

}  // namespace

PluginSpec JsonExtractorSpec() {
  return {.kind = PluginKind::kExtractor,
          .type = "json",
          .fields = {{"path", FieldType::kString, true, CheckNotEmpty},
                     {"format", FieldType::kString, false, OneOf({"auto", "array", "ndjson"})},
                     {"columns", FieldType::kObject}},
          .make_extractor = FactoryOf<Extractor, JsonExtractor>()};
}

}  // namespace orc
