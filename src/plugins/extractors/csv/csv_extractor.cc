// csv: rows from a CSV file or a glob of files (gzip/zstd by extension), read by DuckDB's
// read_csv: typed by auto-detection or by explicit `columns`.
#include <nlohmann/json.hpp>

#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

Status SingleCharacter(const nlohmann::json& value) {
  if (value.get<std::string>().size() != 1) return InvalidArgumentError("must be one character");
  return Status::Ok();
}

Status ColumnTypes(const nlohmann::json& columns) {
  if (columns.empty()) return InvalidArgumentError("must name at least one column");
  for (const auto& [name, type] : columns.items()) {
    if (!type.is_string() || type.get<std::string>().empty()) {
      return InvalidArgumentError("must be a DuckDB type name such as BIGINT or VARCHAR")
          .WithField(name);
    }
  }
  return Status::Ok();
}

class CsvExtractor final : public Extractor {
 public:
  explicit CsvExtractor(nlohmann::json config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection) override {
    const std::string path = config_["path"];
    ORC_ASSIGN_OR_RETURN(std::string files, MatchFiles(context, connection, "csv", path));
    std::string options;
    auto option = [&options](const std::string& name, const std::string& value) {
      options += ", " + name + " = " + value;
    };
    auto text = [&](const char* field, const std::string& name) {
      if (config_.contains(field)) option(name, QuoteLiteral(config_[field]));
    };
    text("delimiter", "delim");
    text("quote", "quote");
    text("escape", "escape");
    text("null_string", "nullstr");
    if (config_.contains("header")) option("header", config_["header"] ? "true" : "false");
    if (config_.contains("skip_rows"))
      option("skip", std::to_string(config_["skip_rows"].get<int64_t>()));
    if (config_.contains("columns")) option("columns", ColumnsLiteral(config_["columns"]));
    if (ignore_errors()) {
      option("ignore_errors", "true");
      option("store_rejects", "true");
    }
    return Source{.select_sql = "SELECT * FROM read_csv(" + files + options + ")",
                  .description = "csv " + path};
  }

  Status Finish(TaskContext& context, DuckDbConnection& connection, int64_t rows_read) override {
    if (!ignore_errors()) return Status::Ok();
    // read_csv's store_rejects keeps the rejected lines in this connection's reject_errors table.
    Result<DuckDbRows> rejected =
        connection.Query("SELECT count(*), min(line), any_value(error_message) FROM reject_errors");
    if (!rejected.ok() || rejected->rows.empty()) return Status::Ok();
    const auto& row = rejected->rows.front();
    const std::string count = row[0].value_or("0");
    if (count != "0") {
      context.Log("warn", "csv " + config_["path"].get<std::string>() + ": " + count +
                              " malformed rows skipped (ignore_errors); first at line " +
                              row[1].value_or("?") + ": " + row[2].value_or(""));
    }
    return Status::Ok();
  }

 private:
  bool ignore_errors() const { return config_.value("ignore_errors", false); }

  nlohmann::json config_;
};

}  // namespace

PluginSpec CsvExtractorSpec() {
  return {.kind = PluginKind::kExtractor,
          .type = "csv",
          .fields = {{"path", FieldType::kString, true, CheckNotEmpty},
                     {"delimiter", FieldType::kString, false, SingleCharacter},
                     {"quote", FieldType::kString, false, SingleCharacter},
                     {"escape", FieldType::kString, false, SingleCharacter},
                     {"header", FieldType::kBool},
                     {"null_string", FieldType::kString},
                     {"skip_rows", FieldType::kInteger, false, Between(0, 1'000'000'000)},
                     {"columns", FieldType::kObject, false, ColumnTypes},
                     {"ignore_errors", FieldType::kBool}},
          .make_extractor = FactoryOf<Extractor, CsvExtractor>()};
}

}  // namespace orc
