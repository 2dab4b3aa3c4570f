#include "plugins/extractors/file_source.h"

#include <nlohmann/json.hpp>

#include <system_error>

#include "engine/duckdb_engine.h"

namespace orc {

Result<std::string> MatchFiles(TaskContext& context, DuckDbConnection& connection,
                               const std::string& plugin, const std::string& path) {
  const std::string resolved = context.Resolve(path).string();
  // DuckDB's glob() is the matcher its readers use, so we read exactly the files it would.
  Result<DuckDbRows> files =
      connection.Query("SELECT file FROM glob(" + QuoteLiteral(resolved) + ") ORDER BY file");
  if (!files.ok()) return files.status().WithContext(plugin + " " + path);
  if (files->rows.empty()) {
    return NotFoundError(plugin + " " + path + ": no file matches " + resolved);
  }
  std::vector<std::string> names;
  int64_t bytes = 0;
  for (const auto& row : files->rows) {
    names.push_back(row[0].value_or(""));
    std::error_code error;
    const auto size = std::filesystem::file_size(names.back(), error);
    if (error) {
      return NotFoundError(plugin + " " + path + ": cannot read " + names.back() + ": " +
                           error.message());
    }
    bytes += static_cast<int64_t>(size);
  }
  context.progress->bytes_to_read.fetch_add(bytes, std::memory_order_relaxed);
  return StringListLiteral(names);
}

std::string ColumnsLiteral(const nlohmann::json& columns) {
  std::string literal;
  for (const auto& [name, type] : columns.items()) {
    literal += (literal.empty() ? "" : ", ") + QuoteLiteral(name) + ": " +
               QuoteLiteral(type.get<std::string>());
  }
  return "{" + literal + "}";
}

std::string StringListLiteral(const std::vector<std::string>& items) {
  std::string list = "[";
  for (size_t i = 0; i < items.size(); ++i) list += (i > 0 ? ", " : "") + QuoteLiteral(items[i]);
  return list + "]";
}

}  // namespace orc
