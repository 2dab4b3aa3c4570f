// csv: rows from a CSV file or a glob of files (gzip/zstd by extension), read by DuckDB's
// read_csv: typed by auto-detection or by explicit `columns`.
#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

struct CsvConfig {
  std::string path;  // a file or a glob
  // Detected by DuckDB when absent.
  std::optional<std::string> delimiter;
  std::optional<std::string> quote;
  std::optional<std::string> escape;
  std::optional<bool> header;
  std::optional<std::string> null_string;
  std::optional<int64_t> skip_rows;
  std::optional<StringPairs> columns;  // name -> DuckDB type
  bool ignore_errors = false;

  std::vector<ConfigFile> Files() const { return {{"path", path, ConfigFile::Use::kRead}}; }
};

Status SingleCharacter(const std::string& value) {
  if (value.size() != 1) return InvalidArgumentError("must be one character");
  return Status::Ok();
}

CsvConfig ReadCsvConfig(ConfigReader& in) {
  constexpr int64_t kMaxSkipRows = 1'000'000'000;
  return {.path = in.RequiredString("path", NotEmpty),
          .delimiter = in.OptionalString("delimiter", SingleCharacter),
          .quote = in.OptionalString("quote", SingleCharacter),
          .escape = in.OptionalString("escape", SingleCharacter),
          .header = in.OptionalBool("header"),
          .null_string = in.OptionalString("null_string"),
          .skip_rows = in.OptionalInteger("skip_rows", 0, kMaxSkipRows),
          .columns = ReadColumns(in),
          .ignore_errors = in.Bool("ignore_errors", false)};
}

class CsvExtractor final : public Extractor {
 public:
  explicit CsvExtractor(CsvConfig config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection) override {
    ORC_ASSIGN_OR_RETURN(std::string files, MatchFiles(context, connection, "csv", config_.path));
    std::string options;
    auto option = [&options](const std::string& name, const std::string& value) {
      options += ", " + name + " = " + value;
    };
    auto text = [&](const std::optional<std::string>& value, const std::string& name) {
      if (value) option(name, QuoteLiteral(*value));
    };
    text(config_.delimiter, "delim");
    text(config_.quote, "quote");
    text(config_.escape, "escape");
    text(config_.null_string, "nullstr");
    if (config_.header) option("header", *config_.header ? "true" : "false");
    if (config_.skip_rows) option("skip", std::to_string(*config_.skip_rows));
    if (config_.columns) option("columns", ColumnsLiteral(*config_.columns));
    if (config_.ignore_errors) {
      option("ignore_errors", "true");
      option("store_rejects", "true");
    }
    return Source{.select_sql = "SELECT * FROM read_csv(" + files + options + ")",
                  .description = "csv " + config_.path};
  }

  Status Finish(TaskContext& context, DuckDbConnection& connection, int64_t rows_read) override {
    if (!config_.ignore_errors) return Status::Ok();
    // read_csv's store_rejects keeps the rejected lines in this connection's reject_errors table.
    Result<DuckDbRows> rejected =
        connection.Query("SELECT count(*), min(line), any_value(error_message) FROM reject_errors");
    if (!rejected.ok() || rejected->rows.empty()) return Status::Ok();
    const auto& row = rejected->rows.front();
    const std::string count = row[0].value_or("0");
    if (count != "0") {
      context.Log("warn", "csv " + config_.path + ": " + count +
                              " malformed rows skipped (ignore_errors); first at line " +
                              row[1].value_or("?") + ": " + row[2].value_or(""));
    }
    return Status::Ok();
  }

 private:
  const CsvConfig config_;
};

}  // namespace

PluginSpec CsvExtractorSpec() { return SpecOf<CsvExtractor>("csv", ReadCsvConfig); }

}  // namespace orc
