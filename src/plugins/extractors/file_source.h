// What the file extractors (csv, parquet, json) share: finding the files a `path` names.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "plugins/plugin.h"

namespace orc {

// The files matching `path` (a file or a glob, relative to the data directory), sorted, as a
// DuckDB list literal (['a.csv', 'b.csv']) ready for read_csv/read_parquet/read_json. Adds their
// size to the task's bytes_to_read. NotFound naming `plugin` and the path when nothing matches.
Result<std::string> MatchFiles(TaskContext& context, DuckDbConnection& connection,
                               const std::string& plugin, const std::string& path);

// `items` as a DuckDB list of string literals.
std::string StringListLiteral(const std::vector<std::string>& items);

// A `columns` configuration ({"name": "TYPE", ...}) as the struct literal DuckDB's readers take
// ({'name': 'TYPE', ...}).
std::string ColumnsLiteral(const nlohmann::json& columns);

}  // namespace orc
