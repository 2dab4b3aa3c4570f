#include "plugins/extractors/mysql/mysql_config.h"

namespace orc {

Status MySqlIdentifier(const std::string& value) {
  // MariaDB's own limit; every name orc sends is quoted with backticks (a backtick doubled), so no
  // character but NUL can end the quoting.
  if (value.empty() || value.size() > 64) return InvalidArgumentError("must be 1 to 64 characters");
  if (value.find('\0') != std::string::npos) return InvalidArgumentError("must not hold a NUL");
  return Status::Ok();
}

MySqlConfig ReadMySqlConfig(ConfigReader& in) {
  MySqlConfig config;
  config.url = in.RequiredString("url", NotEmpty);
  std::optional<std::string> table = in.OptionalString("table", NotEmpty);
  config.query = in.OptionalString("query", NotEmpty);
  std::optional<std::vector<std::string>> columns = in.StringList("columns", MySqlIdentifier);
  if (table && config.query) {
    in.Fail("query", "cannot go with table: name exactly one of table and query");
  } else if (!table && !config.query) {
    in.Fail("table", "required (or query): name exactly one of table and query");
  }
  if (table) {
    // db.table: the first dot splits, so a table whose name holds a dot cannot be named.
    const size_t dot = table->find('.');
    if (dot != std::string::npos) {
      config.schema = table->substr(0, dot);
      table = table->substr(dot + 1);
    }
    const Status schema_ok = config.schema ? MySqlIdentifier(*config.schema) : Status::Ok();
    const Status table_ok = MySqlIdentifier(*table);
    if (!schema_ok.ok() || !table_ok.ok()) {
      in.Fail("table", "must be TABLE or DB.TABLE, each name 1 to 64 characters without NUL");
    }
    config.table = table;
  }
  if (columns) {
    if (!table) in.Fail("columns", "applies to a table only (a query selects its own columns)");
    if (columns->empty()) in.Fail("columns", "must name at least one column");
    config.columns = *columns;
  }
  if (std::optional<ConfigReader> incremental = in.Object("incremental")) {
    config.incremental = MySqlIncremental{
        .cursor_field = incremental->RequiredString("cursor_field", MySqlIdentifier),
        .initial_value = incremental->OptionalScalar("initial_value")};
  }
  if (std::optional<ConfigReader> partition = in.Object("partition")) {
    config.partition =
        MySqlPartition{.column = partition->RequiredString("column", MySqlIdentifier),
                       .parts = partition->Integer("parts", 1, 64, 4)};
  }
  config.connect_timeout_s = in.Integer("connect_timeout_s", 1, 3600, 10);
  return config;
}

}  // namespace orc
