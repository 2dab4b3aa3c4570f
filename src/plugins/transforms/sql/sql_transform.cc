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
    const bool ledger = config_.db_path != ":memory:";
    if (ledger) ORC_RETURN_IF_ERROR(connection->Execute(kCreateLoadLedger).status());
    return InTransaction<int64_t>(context, *connection, [&]() -> Result<int64_t> {
      if (!ledger) return connection->Execute(config_.sql);
      ORC_ASSIGN_OR_RETURN(DuckDbRows earlier,
                           connection->Query("SELECT rows_loaded, attempt FROM _orc_loads WHERE "
                                             "run_id = " +
                                             QuoteLiteral(context.run_id) +
                                             " AND task_id = " + QuoteLiteral(context.task_id)));
      if (!earlier.rows.empty()) {
        context.Log("info", "attempt " + earlier.rows[0][1].value_or("?") +
                                " of this run committed these statements already; not running "
                                "them again");
        return std::stoll(earlier.rows[0][0].value_or("0"));
      }
      ORC_ASSIGN_OR_RETURN(int64_t rows, connection->Execute(config_.sql));
      ORC_RETURN_IF_ERROR(
          connection
              ->Execute("INSERT INTO _orc_loads VALUES (" + QuoteLiteral(context.run_id) + ", " +
                        QuoteLiteral(context.task_id) + ", " + std::to_string(context.attempt) +
                        ", '', 'sql', " + std::to_string(rows) + ", NULL, current_timestamp)")
              .status());
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
