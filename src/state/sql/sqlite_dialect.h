// SqliteDialect: the SqlDialect of SQLite, which writes one transaction at a time. This process's
// writes share one connection, several to a transaction (GroupCommitter); its triggers count the
// running runs of each job (migrations 1 and 9); its foreign keys keep references whole without
// row locks. Statements cost no round trip, so rows are inserted one statement each.
#pragma once

#include "state/sql/run_columns.h"
#include "state/sql/sql_dialect.h"

namespace orc {

class SqliteDialect final : public SqlDialect {
 public:
  bool GroupsWrites() const override { return true; }

  std::string_view LockReferencedRow() const override { return {}; }
  std::string_view LockRowToDelete() const override { return {}; }
  std::string_view LockRowToTake() const override { return {}; }

  std::string LeavingRunning(Runs /*runs*/, std::string_view update) const override {
    return std::string(update);
  }

  // The statement runs under the single write lock, and a trigger counts the job's running runs.
  std::string ClaimRun(std::string_view claim, std::string_view queue_head) const override {
    return JoinSql({claim, "(SELECT r.run_id", queue_head, ") RETURNING ", kRunColumns});
  }

  SqlAccess RunWithRowsAccess() const override { return SqlAccess::kTransaction; }

  void Notify(SqlConnection&, std::string_view, const std::string&) const override {}

  // One statement per slot: a statement costs no round trip here.
  Result<std::vector<SqlRows>> InsertSlots(
      SqlConnection&, const std::vector<NewRun>& slots, const std::vector<std::string>&, int64_t,
      const std::function<Result<SqlRows>(size_t)>& insert_one) const override {
    std::vector<SqlRows> inserted;
    for (size_t i = 0; i < slots.size(); ++i) {
      ORC_ASSIGN_OR_RETURN(SqlRows rows, insert_one(i));
      if (!rows.empty()) inserted.push_back(std::move(rows));
    }
    return inserted;
  }

  Result<SqlRows> FinishRun(SqlConnection& connection, std::string_view finish,
                            std::vector<SqlValue> params, const std::vector<TaskRun>& task_runs,
                            const std::function<Status(const TaskRun&)>& save_one) const override {
    ORC_ASSIGN_OR_RETURN(SqlRows rows, connection.Execute(finish, params));
    if (rows.empty()) return rows;
    for (const TaskRun& task_run : task_runs) ORC_RETURN_IF_ERROR(save_one(task_run));
    return rows;
  }

  // Numbers the lines through the run row, then inserts them one statement each.
  Result<bool> AppendRunLogs(SqlConnection& connection, const std::string& run_id,
                             const std::vector<RunLogLine>& lines, int64_t cap,
                             const std::string& truncated) const override {
    const int64_t count = static_cast<int64_t>(lines.size());
    ORC_ASSIGN_OR_RETURN(
        SqlRows total,
        connection.Execute(
            "UPDATE runs SET log_lines = log_lines + $2 WHERE run_id = $1 RETURNING log_lines",
            {run_id, count}));
    if (total.empty()) return false;
    const int64_t first = total.Int(0, 0) - count + 1;
    for (size_t i = 0; i < lines.size() && first + static_cast<int64_t>(i) <= cap; ++i) {
      const int64_t number = first + static_cast<int64_t>(i);
      const RunLogLine& line = lines[i];
      const bool at_cap = number == cap;
      ORC_RETURN_IF_ERROR(
          connection
              .Execute("INSERT INTO run_logs (run_id, line, logged_at, level, "
                       "task_name, message) VALUES ($1, $2, $3, $4, $5, $6)",
                       {run_id, number, ToStoredTime(line.time),
                        at_cap ? std::string("warn") : line.level,
                        at_cap ? std::string() : line.task_name, at_cap ? truncated : line.message})
              .status());
    }
    return true;
  }
};

}  // namespace orc
