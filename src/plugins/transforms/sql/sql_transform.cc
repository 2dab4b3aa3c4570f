// sql: statements run in one transaction in a DuckDB database (the T of ELT).
#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/duckdb_destination.h"

namespace orc {
namespace {

struct SqlConfig {
  std::string db_path;  // a DuckDB file or ":memory:"
  std::string sql;      // one or more statements

  std::vector<ConfigFile> Files() const {
    return {{"db_path", db_path, ConfigFile::Use::kWriteDatabase}};
  }
};

SqlConfig ReadSqlConfig(ConfigReader& in) {
  return {.db_path = in.RequiredString("db_path", NotEmpty),
          .sql = in.RequiredString("sql", NotEmpty)};
}

class SqlTransform final : public Transform {
 public:
  explicit SqlTransform(SqlConfig config) : config_(std::move(config)) {}

  Result<int64_t> Run(TaskContext& context) override {
    Result<int64_t> rows = RunSql(context);
    if (!rows.ok()) return rows.status().WithContext("sql transform in " + config_.db_path);
    return rows;
  }

 private:
  Result<int64_t> RunSql(TaskContext& context) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> connection,
                         ConnectDestination(context, config_.db_path));
    return InTransaction<int64_t>(context, *connection, [&]() -> Result<int64_t> {
      return connection->Execute(config_.sql);
    });
  }

  const SqlConfig config_;
};

}  // namespace

PluginSpec SqlTransformSpec() { return SpecOf<SqlTransform>("sql", ReadSqlConfig); }

}  // namespace orc
