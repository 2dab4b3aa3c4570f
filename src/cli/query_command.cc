#include "cli/query_command.h"

#include <filesystem>
#include <iostream>

#include "engine/duckdb_engine.h"

namespace orc {

int QueryDatabaseCommand(const ClientOptions& options, const QueryOptions& query) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(query.db_path, error)) {
    return ReportFailure(NotFoundError("no DuckDB database at '" + query.db_path +
                                       "' (jobs create it when they first load)"));
  }
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(query.db_path);
  if (!connection.ok()) return ReportFailure(connection.status());
  Result<DuckDbRows> result = (*connection)->Query(query.sql);
  if (!result.ok()) return ReportFailure(result.status());
  const size_t shown = std::min(result->rows.size(), static_cast<size_t>(query.max_rows));
  if (options.format() == OutputFormat::kJson) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
      nlohmann::json row = nlohmann::json::object();
      for (size_t c = 0; c < result->column_names.size(); ++c) {
        const auto& value = result->rows[i][c];
        row[result->column_names[c]] = value ? nlohmann::json(*value) : nlohmann::json();
      }
      rows.push_back(std::move(row));
    }
    std::cout << rows.dump(2) << "\n";
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
