// sql: statements run in one transaction in a DuckDB database (the T of ELT).
#include <nlohmann/json.hpp>

#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/duckdb_destination.h"

namespace orc {
namespace {

class SqlTransform final : public Transform {
 public:
  explicit SqlTransform(const nlohmann::json& config)
      : db_path_(config["db_path"]), sql_(config["sql"]) {}

  Result<int64_t> Run(TaskContext& context) override {
    Result<int64_t> rows = RunSql(context);
    if (!rows.ok()) return rows.status().WithContext("sql transform in " + db_path_);
    return rows;
  }

 private:
  Result<int64_t> RunSql(TaskContext& context) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> connection,
                         ConnectDestination(context, db_path_));
    return InTransaction<int64_t>(context, *connection,
                                  [&]() -> Result<int64_t> { return connection->Execute(sql_); });
  }

  std::string db_path_;
  std::string sql_;
};

}  // namespace

PluginSpec SqlTransformSpec() {
  return {.kind = PluginKind::kTransform,
          .type = "sql",
          .fields = {{"db_path", FieldType::kString, true, CheckNotEmpty},
                     {"sql", FieldType::kString, true, CheckNotEmpty}},
          .make_transform = FactoryOf<Transform, SqlTransform>()};
}

}  // namespace orc
