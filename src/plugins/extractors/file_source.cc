#include "plugins/extractors/file_source.h"

#include <system_error>

#include "common/path_policy.h"
#include "engine/duckdb_engine.h"

namespace orc {

Result<std::string> MatchFiles(TaskContext& context, DuckDbConnection& connection,
                               const std::string& plugin, const std::string& path) {
  const std::string what = plugin + " " + path;
  Result<std::filesystem::path> pattern = context.paths->CheckPattern(path, PathAccess::kRead);
  if (!pattern.ok()) return pattern.status().WithContext(what);
  const std::string resolved = pattern->string();
  // DuckDB's glob() is the matcher its readers use, so we read exactly the files it would.
  Result<DuckDbRows> files =
      connection.Query("SELECT file FROM glob(" + QuoteLiteral(resolved) + ") ORDER BY file");
  if (!files.ok()) return files.status().WithContext(what);
  if (files->rows.empty()) return NotFoundError(what + ": no file matches " + resolved);
  std::vector<std::string> names;
  int64_t bytes = 0;
  for (const auto& row : files->rows) {
    // The pattern's directory was allowed, but a match may be a symlink leading anywhere.
    Result<std::filesystem::path> file =
        context.paths->Check(row[0].value_or(""), PathAccess::kRead);
    if (!file.ok()) return file.status().WithContext(what);
    names.push_back(file->string());
    std::error_code error;
    const auto size = std::filesystem::file_size(*file, error);
    if (error) {
      return NotFoundError(what + ": cannot read " + names.back() + ": " + error.message());
    }
    bytes += static_cast<int64_t>(size);
  }
  context.progress->bytes_to_read.fetch_add(bytes, std::memory_order_relaxed);
  return StringListLiteral(names);
}

std::string ColumnsLiteral(const StringPairs& columns) {
  std::string literal;
  for (const auto& [name, type] : columns) {
    literal += (literal.empty() ? "" : ", ") + QuoteLiteral(name) + ": " + QuoteLiteral(type);
  }
  return "{" + literal + "}";
}

std::optional<NamedStrings> ReadColumns(ConfigReader& reader) {
  std::optional<NamedStrings> columns = reader.StringMapOrList(
      "columns", "a DuckDB type name (a string)", [](const std::string& type) {
        if (type.empty()) {
          return InvalidArgumentError("must be a DuckDB type name such as BIGINT or VARCHAR");
        }
        return Status::Ok();
      });
  if (columns && columns->pairs.empty()) reader.Fail("columns", "must name at least one column");
  return columns;
}

std::string StringListLiteral(const std::vector<std::string>& items) {
  std::string list = "[";
  for (size_t i = 0; i < items.size(); ++i) list += (i > 0 ? ", " : "") + QuoteLiteral(items[i]);
  return list + "]";
}

}  // namespace orc
