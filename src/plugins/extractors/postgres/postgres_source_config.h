// The configuration of the postgres source, read once by ConfigReader (see docs/plugins.md).
//
//   {type: postgres, url, table | query, columns, incremental: {cursor_field, initial_value},
//    partition: {column, parts}}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plugins/config_reader.h"
#include "plugins/plugin_registry.h"

namespace orc {

struct PostgresSourceConfig {
  std::string url;                   // postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...
  std::optional<std::string> table;  // table or schema.table, matched exactly as written
  std::optional<std::string> query;  // a SELECT; exactly one of table and query
  std::vector<std::string> columns;  // with table: the columns read; empty: all

  struct Incremental {
    std::string cursor_field;
    std::optional<std::string> initial_value;
  };
  std::optional<Incremental> incremental;

  struct Partition {
    std::string column;
    int parts = 1;
  };
  std::optional<Partition> partition;

  std::vector<ConfigFile> Files() const { return {}; }
};

// The most parts a partitioned read may have: each is a connection to the source.
constexpr int kMaxPostgresParts = 64;
// The URL parameters passed on to libpq; any other is refused.
inline const std::vector<std::string> kPostgresUrlParameters = {"sslmode", "application_name",
                                                                "connect_timeout"};

PostgresSourceConfig ReadPostgresSourceConfig(ConfigReader& in);

}  // namespace orc
