// What the file extractors (csv, parquet, json) share: finding the files a `path` names, within
// what the task may read.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "plugins/config_reader.h"
#include "plugins/plugin.h"

namespace orc {

// The files matching `path` (a file or a glob, relative to the data directory), sorted, as a
// DuckDB list literal (['a.csv', 'b.csv']) ready for read_csv/read_parquet/read_json. The pattern
// and then every file it matches are checked against the task's PathPolicy, and DuckDB is given
// each file's resolved path, so a match that is a symlink out of the allowed directories, or to
// the state database, fails the task (PermissionDenied naming it) instead of being read. Adds the
// files' size to the task's bytes_to_read. NotFound naming `plugin` and the path when nothing
// matches.
Result<std::string> MatchFiles(TaskContext& context, DuckDbConnection& connection,
                               const std::string& plugin, const std::string& path);

// `items` as a DuckDB list of string literals.
std::string StringListLiteral(const std::vector<std::string>& items);

// A `columns` configuration (name, DuckDB type) as the struct literal DuckDB's readers take
// ({'name': 'TYPE', ...}).
std::string ColumnsLiteral(const StringPairs& columns);

// Reads the `columns` field the csv and json extractors share, at least one column: an object
// {"name": "TYPE", ...}, whose columns are meant by name (it reaches orc sorted by name, so its
// order is not the user's), or a list [{"name": "TYPE"}, ...] in the order the user gave.
std::optional<NamedStrings> ReadColumns(ConfigReader& reader);

}  // namespace orc
