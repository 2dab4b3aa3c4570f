// json: rows from a JSON array or NDJSON file, or a glob of files, read by DuckDB's read_json:
// nested objects become STRUCTs and arrays LISTs.
#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

struct JsonConfig {
  std::string path;             // a file or a glob
  std::string format = "auto";  // auto, array or ndjson
  // name -> DuckDB type; detected when absent. read_json matches them to the records' keys by name
  // either way; a list gives the table its column order.
  std::optional<NamedStrings> columns;

  std::vector<ConfigFile> Files() const { return {{"path", path, ConfigFile::Use::kRead}}; }
};

JsonConfig ReadJsonConfig(ConfigReader& in) {
  return {.path = in.RequiredString("path", NotEmpty),
          .format = in.OneOf("format", {"auto", "array", "ndjson"}, "auto"),
          .columns = ReadColumns(in)};
}

class JsonExtractor final : public Extractor {
 public:
  explicit JsonExtractor(JsonConfig config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
    ORC_ASSIGN_OR_RETURN(std::string files, MatchFiles(context, connection, "json", config_.path));
    const std::string& format = config_.format;
    std::string options =
        ", format = " + QuoteLiteral(format == "ndjson" ? "newline_delimited" : format);
    if (config_.columns) options += ", columns = " + ColumnsLiteral(config_.columns->pairs);
    return Source{.select_sql = "SELECT * FROM read_json(" + files + options + ")",
                  .description = "json " + config_.path};
  }

 private:
  const JsonConfig config_;
};

}  // namespace

PluginSpec JsonExtractorSpec() { return SpecOf<JsonExtractor>("json", ReadJsonConfig); }

}  // namespace orc
