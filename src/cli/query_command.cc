#include "cli/query_command.h"

#include <filesystem>
#include <iostream>

#include "engine/duckdb_engine.h"

namespace orc {
namespace {

using nlohmann::json;

// What a query gave: its rows, each value DuckDB's own text, or with `json_values` its JSON.
struct QueryResult {
  DuckDbRows rows;
  bool json_values = false;
};

// Runs `sql` and reads every value through DuckDB itself. DuckDB's C API reads TIMESTAMPTZ,
// LIST, STRUCT, MAP, ENUM and other values as empty text, so each column of the result is cast to
// VARCHAR (what DuckDB's own CLI prints) or, for --output json, turned into JSON by DuckDB's
// to_json (numbers stay numbers, lists arrays, structs and maps objects), through DuckDB's query()
// table function, which takes one SELECT (FROM-first, VALUES, SHOW, DESCRIBE and SUMMARIZE too).
// Statements it refuses (PRAGMA, CREATE, INSERT, several statements) run as they are, and their
// values are read as the C API gives them.
Result<QueryResult> RunQuery(DuckDbConnection& connection, const std::string& sql,
                             OutputFormat format) {
  const bool json_values = format == OutputFormat::kJson;
  const std::string columns = json_values ? "to_json(COLUMNS(*))" : "CAST(COLUMNS(*) AS VARCHAR)";
  // query() refuses a statement before running it; an error of the statement itself comes again
  // from running it as it is, in DuckDB's words about the SQL the user wrote.
  Result<DuckDbRows> rows =
      connection.Query("SELECT " + columns + " FROM query(" + QuoteLiteral(sql) + ")");
  if (rows.ok()) return QueryResult{std::move(*rows), json_values};
  ORC_ASSIGN_OR_RETURN(DuckDbRows plain, connection.Query(sql));
  return QueryResult{std::move(plain), false};
}

// One value of a to_json column as JSON; DuckDB writes infinities and NaN as bare words, which
// JSON lacks, so those stay text ("Infinity").
json JsonCell(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? json(*text) : value;
}

}  // namespace

int QueryDatabaseCommand(const ClientOptions& options, const QueryOptions& query) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(query.db_path, error)) {
    return ReportFailure(NotFoundError("no DuckDB database at '" + query.db_path +
                                       "' (jobs create it when they first load)"));
  }
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(query.db_path);
  if (!connection.ok()) return ReportFailure(connection.status());
  Result<QueryResult> queried = RunQuery(**connection, query.sql, options.format());
  if (!queried.ok()) return ReportFailure(queried.status());
  const DuckDbRows* result = &queried->rows;
  const size_t shown = std::min(result->rows.size(), static_cast<size_t>(query.max_rows));
  if (options.format() == OutputFormat::kJson) {
    json rows = json::array();
    for (size_t i = 0; i < shown; ++i) {
      json row = json::object();
      for (size_t c = 0; c < result->column_names.size(); ++c) {
        const std::optional<std::string>& value = result->rows[i][c];
        row[result->column_names[c]] = queried->json_values ? JsonCell(value)
                                       : value              ? json(*value)
                                                            : json();
      }
      rows.push_back(std::move(row));
    }
    std::cout << rows.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    if (shown < result->rows.size()) {
      std::cerr << "(" << result->rows.size() << " rows, " << shown << " shown; --max-rows)\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < shown; ++i) {
    std::vector<std::string> row;
    for (const auto& value : result->rows[i]) row.push_back(value.value_or("NULL"));
    rows.push_back(std::move(row));
  }
  PrintTable(std::cout, result->column_names, rows);
  std::cout << "(" << result->rows.size() << (result->rows.size() == 1 ? " row" : " rows");
  if (shown < result->rows.size()) std::cout << ", " << shown << " shown";
  std::cout << ")\n";
  return 0;
}

}  // namespace orc
