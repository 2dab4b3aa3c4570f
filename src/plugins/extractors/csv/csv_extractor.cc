// csv: rows from a CSV file or a glob of files (gzip/zstd by extension), read by DuckDB's
// read_csv: typed by auto-detection or by explicit `columns`.
//
// `columns` comes as an object or as a list. An object reaches orc sorted by name, so it cannot
// say where each column is: it types the header's columns by name (read_csv's `types`), and a
// file without a header needs the list, whose order is the file's (read_csv's `columns`).
#include "plugins/extractors/csv/csv_error.h"

#include "engine/duckdb_engine.h"
#include "engine/duckdb_message.h"
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
  std::optional<NamedStrings> columns;  // name -> DuckDB type; by position when ordered
  bool ignore_errors = false;
  // read_csv's null_padding and strict_mode, which its errors suggest; DuckDB's defaults if absent.
  std::optional<bool> null_padding;
  std::optional<bool> strict_mode;

  std::vector<ConfigFile> Files() const { return {{"path", path, ConfigFile::Use::kRead}}; }
};

Status SingleCharacter(const std::string& value) {
  if (value.size() != 1) return InvalidArgumentError("must be one character");
  return Status::Ok();
}

CsvConfig ReadCsvConfig(ConfigReader& in) {
  constexpr int64_t kMaxSkipRows = 1'000'000'000;
  CsvConfig config{.path = in.RequiredString("path", NotEmpty),
                   .delimiter = in.OptionalString("delimiter", SingleCharacter),
                   .quote = in.OptionalString("quote", SingleCharacter),
                   .escape = in.OptionalString("escape", SingleCharacter),
                   .header = in.OptionalBool("header"),
                   .null_string = in.OptionalString("null_string"),
                   .skip_rows = in.OptionalInteger("skip_rows", 0, kMaxSkipRows),
                   .columns = ReadColumns(in),
                   .ignore_errors = in.Bool("ignore_errors", false),
                   .null_padding = in.OptionalBool("null_padding"),
                   .strict_mode = in.OptionalBool("strict_mode")};
  if (config.columns && !config.columns->ordered && config.header == false) {
    in.Fail("columns",
            "an object types columns by their names in the header, and header is false: list "
            "the columns in the file's order instead, [{\"name\": \"TYPE\"}, ...]");
  }
  return config;
}

// read_csv's option names as the csv extractor's.
std::optional<std::string_view> CsvOptionFor(std::string_view read_csv_option) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"delim", "delimiter"},
      {"delimiter", "delimiter"},
      {"sep", "delimiter"},
      {"quote", "quote"},
      {"escape", "escape"},
      {"header", "header"},
      {"skip", "skip_rows"},
      {"skip_rows", "skip_rows"},
      {"nullstr", "null_string"},
      {"null_str", "null_string"},
      {"ignore_errors", "ignore_errors"},
      {"null_padding", "null_padding"},
      {"strict_mode", "strict_mode"}};
  for (const auto& [duckdb, orc] : kNames) {
    if (duckdb == read_csv_option) return orc;
  }
  return std::nullopt;
}

}  // namespace

std::string CsvErrorInOptions(std::string_view message) {
  const size_t at = message.rfind(kPossibleFixes);
  if (at == std::string_view::npos) return std::string(message);
  std::string fixes;
  std::string_view rest = message.substr(at + kPossibleFixes.size());
  while (!rest.empty()) {
    const size_t comma = rest.find(", ");
    const std::string_view fix = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    const size_t equals = fix.find('=');
    if (equals == std::string_view::npos) continue;
    const std::optional<std::string_view> option = CsvOptionFor(fix.substr(0, equals));
    if (!option) continue;
    fixes += (fixes.empty() ? "" : ", ") + std::string(*option) + ": " +
             std::string(fix.substr(equals + 1));
  }
  std::string text(message.substr(0, at));
  if (!fixes.empty()) text += " Possible fixes (csv options): " + fixes;
  return text;
}

namespace {

class CsvExtractor final : public Extractor {
 public:
  explicit CsvExtractor(CsvConfig config) : config_(std::move(config)) {}

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
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
    // Columns typed by name need the header that names them.
    const bool by_name = config_.columns && !config_.columns->ordered;
    if (config_.header || by_name) {
      option("header", config_.header.value_or(true) ? "true" : "false");
    }
    if (config_.skip_rows) option("skip", std::to_string(*config_.skip_rows));
    if (config_.columns) {
      option(by_name ? "types" : "columns", ColumnsLiteral(config_.columns->pairs));
    }
    auto flag = [&option](const std::optional<bool>& value, const std::string& name) {
      if (value) option(name, *value ? "true" : "false");
    };
    flag(config_.null_padding, "null_padding");
    flag(config_.strict_mode, "strict_mode");
    if (config_.ignore_errors) {
      option("ignore_errors", "true");
      option("store_rejects", "true");
    }
    return Source{.select_sql = "SELECT * FROM read_csv(" + files + options + ")",
                  .description = "csv " + config_.path};
  }

  // DuckDB's reader suggests fixes in read_csv's option names ("null_padding=true"): they are
  // named as this extractor's options, and those it does not have are left out.
  Status Explain(Status error) const override {
    return Status(error.code(), CsvErrorInOptions(error.message())).WithField(error.field());
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
