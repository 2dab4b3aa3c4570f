#include "plugins/extractors/postgres/postgres_source_config.h"

#include <algorithm>

#include "plugins/databases/connection_url.h"

namespace orc {
namespace {

// A URL is checked when the job is written unless it holds a ${env:} reference, resolved only
// when the task runs (and checked again then).
Status CheckUrl(const std::string& url) {
  if (url.find("${") != std::string::npos) return Status::Ok();
  ORC_ASSIGN_OR_RETURN(ConnectionUrl parsed,
                       ParseConnectionUrl(url, {"postgres", "postgresql"}, 5432));
  for (const auto& [key, value] : parsed.params) {
    if (std::find(kPostgresUrlParameters.begin(), kPostgresUrlParameters.end(), key) ==
        kPostgresUrlParameters.end()) {
      return InvalidArgumentError("has parameter " + key + ", which is not one of sslmode, " +
                                  "application_name, connect_timeout");
    }
  }
  return Status::Ok();
}

}  // namespace

PostgresSourceConfig ReadPostgresSourceConfig(ConfigReader& in) {
  PostgresSourceConfig config{.url = in.RequiredString("url", CheckUrl),
                              .table = in.OptionalString("table", SqlTableName),
                              .query = in.OptionalString("query", NotEmpty)};
  std::optional<std::vector<std::string>> columns = in.StringList("columns", SqlIdentifier);
  if (config.table.has_value() == config.query.has_value()) {
    in.Fail("table", "exactly one of table and query is required");
  }
  if (columns) {
    if (!config.table) in.Fail("columns", "goes only with table (a query names its own columns)");
    if (columns->empty()) in.Fail("columns", "must name at least one column");
    config.columns = *columns;
  }
  if (std::optional<ConfigReader> incremental = in.Object("incremental")) {
    config.incremental = PostgresSourceConfig::Incremental{
        .cursor_field = incremental->RequiredString("cursor_field", SqlIdentifier),
        .initial_value = incremental->OptionalScalar("initial_value")};
  }
  if (std::optional<ConfigReader> partition = in.Object("partition")) {
    config.partition = PostgresSourceConfig::Partition{
        .column = partition->RequiredString("column", SqlIdentifier)};
    const std::optional<int64_t> parts = partition->OptionalInteger("parts", 1, kMaxPostgresParts);
    if (!parts) partition->Fail("parts", "is required (the number of parallel reads, 1 to 64)");
    config.partition->parts = static_cast<int>(parts.value_or(1));
  }
  return config;
}

}  // namespace orc
