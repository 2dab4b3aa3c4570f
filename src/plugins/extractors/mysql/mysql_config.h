// The mysql extractor's configuration: MySqlConfig, read by ReadMySqlConfig (the same code checks a
// job when it is written and reads it when its task runs). Fields and limits are in
// docs/plugins.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugins/config_reader.h"
#include "plugins/plugin_registry.h"

namespace orc {

struct MySqlIncremental {
  std::string cursor_field;  // the column whose highest value is committed with the load
  std::optional<std::string> initial_value;  // rows above it are read while nothing is committed
};

struct MySqlPartition {
  std::string column;  // an integer column, split into `parts` ranges read in parallel
  int64_t parts = 4;
};

struct MySqlConfig {
  std::string url;                    // mysql:// or mariadb://, checked when the task runs
  std::optional<std::string> schema;  // `db` of table: db.table; nullopt: the URL's database
  std::optional<std::string> table;   // exactly one of table and query
  std::optional<std::string> query;
  std::vector<std::string> columns;  // only with table; empty: all of them
  std::optional<MySqlIncremental> incremental;
  std::optional<MySqlPartition> partition;
  int64_t connect_timeout_s = 10;

  std::vector<ConfigFile> Files() const { return {}; }
};

MySqlConfig ReadMySqlConfig(ConfigReader& reader);

// A MariaDB identifier as orc accepts it: 1 to 64 characters, no NUL; anything else is quoted.
Status MySqlIdentifier(const std::string& value);

}  // namespace orc
