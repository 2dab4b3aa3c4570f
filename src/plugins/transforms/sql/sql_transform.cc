// sql: statements run in one transaction in a DuckDB database (the T of ELT).
//
// In a database file, the statements and their row in the `_orc_loads` ledger (write_mode "sql")
// commit together, so a task whose run is resumed after orc stopped between that commit and
// recording the task's success does not run them twice. ":memory:" has no ledger: it does not
// outlive the executor process, and a failed attempt's work rolled back.
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
    const bool has_ledger = config_.db_path != ":memory:";
    DuckDbLedger ledger(*connection);
    if (has_ledger) ORC_RETURN_IF_ERROR(ledger.Create());
    return InTransaction<int64_t>(context, *connection, [&]() -> Result<int64_t> {
      if (!has_ledger) return connection->Execute(config_.sql);
      ORC_ASSIGN_OR_RETURN(std::optional<LoadRecord> earlier, ledger.CommittedLoad(context));
      if (earlier) {
        context.Log("info", "attempt " + std::to_string(earlier->attempt) +
                                " of this run committed these statements already; not running "
                                "them again");
        return earlier->rows_loaded;
      }
      ORC_ASSIGN_OR_RETURN(int64_t rows, connection->Execute(config_.sql));
      ORC_RETURN_IF_ERROR(ledger.RecordLoad({.run_id = context.run_id,
                                             .task_id = context.task_id,
                                             .attempt = context.attempt,
                                             .target = "",
                                             .write_mode = "sql",
                                             .rows_loaded = rows}));
      return rows;
    });
  }

  const SqlConfig config_;
};

}  // namespace

PluginSpec SqlTransformSpec() {
  PluginSpec spec = SpecOf<SqlTransform>("sql", ReadSqlConfig);
  spec.sql_fields = {"sql"};
  return spec;
}

}  // namespace orc
