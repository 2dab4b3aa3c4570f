// SqlStateStore: jobs and their tasks.
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/uuid.h"
#include "core/params.h"
#include "state/change_feed.h"
#include "state/sql_state_store.h"
#include "state/store_rules.h"

namespace orc {
namespace {

constexpr std::string_view kJobColumns =
    "job_id, job_name, description, schedule, timezone, is_active, catchup, max_active_runs, "
    "timeout_s, retry_max_attempts, retry_initial_delay_s, retry_max_delay_s, memory_mb, params, "
    "notify, sla_s, created_at, updated_at";
constexpr std::string_view kTaskColumns =
    "task_id, job_id, task_order, task_name, extractor_config, loader_config, transform_config, "
    "depends_on, timeout_s, retry_max_attempts, retry_initial_delay_s, retry_max_delay_s, "
    "memory_mb";

// The parameters a job stored (validated when it was written; none if the text cannot be read).
std::vector<ParamSpec> StoredParams(const std::string& text) {
  const nlohmann::json params = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Result<std::vector<ParamSpec>> parsed = ParamsFromJson(params, "params");
  return parsed.ok() ? std::move(*parsed) : std::vector<ParamSpec>{};
}

Job JobFromRow(const SqlRows& rows, size_t r) {
  Job job;
  job.job_id = rows.Text(r, 0);
  job.job_name = rows.Text(r, 1);
  job.description = rows.Text(r, 2);
  if (!rows.IsNull(r, 3)) job.schedule = rows.Text(r, 3);
  job.timezone = rows.Text(r, 4);
  job.is_active = rows.Bool(r, 5);
  job.catchup = rows.Bool(r, 6);
  job.max_active_runs = static_cast<int>(rows.Int(r, 7));
  if (!rows.IsNull(r, 8)) job.timeout_s = static_cast<int>(rows.Int(r, 8));
  job.retry.max_attempts = static_cast<int>(rows.Int(r, 9));
  job.retry.initial_delay_s = rows.Double(r, 10);
  job.retry.max_delay_s = rows.Double(r, 11);
  if (!rows.IsNull(r, 12)) job.memory_mb = static_cast<int>(rows.Int(r, 12));
  job.params = StoredParams(rows.Text(r, 13));
  job.notify = rows.Text(r, 14);
  if (!rows.IsNull(r, 15)) job.sla_s = static_cast<int>(rows.Int(r, 15));
  job.created_at = rows.Time(r, 16);
  job.updated_at = rows.Time(r, 17);
  return job;
}

constexpr size_t kJobColumnCount = 18;

// The task in row r, whose kTaskColumns start at column `first`.
Task TaskFromRow(const SqlRows& rows, size_t r, size_t first = 0) {
  auto column = [first](size_t c) { return first + c; };
  Task task;
  task.task_id = rows.Text(r, column(0));
  task.task_order = static_cast<int>(rows.Int(r, column(2)));
  task.task_name = rows.Text(r, column(3));
  task.extractor_config = rows.Text(r, column(4));
  task.loader_config = rows.Text(r, column(5));
  task.transform_config = rows.Text(r, column(6));
  task.depends_on = DecodeStringArray(rows.Text(r, column(7)));
  if (!rows.IsNull(r, column(8))) task.timeout_s = static_cast<int>(rows.Int(r, column(8)));
  if (!rows.IsNull(r, column(9))) {
    task.retry = RetryPolicy{static_cast<int>(rows.Int(r, column(9))), rows.Double(r, column(10)),
                             rows.Double(r, column(11))};
  }
  if (!rows.IsNull(r, column(12))) task.memory_mb = static_cast<int>(rows.Int(r, column(12)));
  return task;
}

// `columns` (a comma-separated list) with each name prefixed by `table` and a dot.
std::string Qualified(std::string_view columns, std::string_view table) {
  std::string out;
  size_t start = 0;
  while (start < columns.size()) {
    size_t end = columns.find(',', start);
    if (end == std::string_view::npos) end = columns.size();
    std::string_view name = columns.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out.append(table).append(".").append(name);
    start = end + 1;
  }
  return out;
}

// Jobs with their tasks in one statement, so in one snapshot of the database: a job never comes
// with another version's tasks, nor a page with the tasks of a job created meanwhile. `jobs` is
// a table expression of whole job rows (aliased j), `where` an optional condition on them; one
// row per task, in `job_order` (ending with a comma when given), then task order.
std::string JobsWithTasks(std::string_view jobs, std::string_view where,
                          std::string_view job_order) {
  static const std::string columns =
      Qualified(kJobColumns, "j") + ", " + Qualified(kTaskColumns, "t");
  return JoinSql({"SELECT ", columns, " FROM ", jobs, " LEFT JOIN tasks t ON t.job_id = j.job_id ",
                  where, " ORDER BY ", job_order, "t.task_order"});
}

// The jobs of JobsWithTasks' rows, in their order.
std::vector<Job> JobsFromRows(const SqlRows& rows) {
  std::vector<Job> jobs;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (jobs.empty() || jobs.back().job_id != rows.Text(r, 0)) jobs.push_back(JobFromRow(rows, r));
    if (!rows.IsNull(r, kJobColumnCount)) {
      jobs.back().tasks.push_back(TaskFromRow(rows, r, kJobColumnCount));
    }
  }
  return jobs;
}

std::vector<SqlValue> JobValues(const Job& job) {
  return {job.job_id,
          job.job_name,
          job.description,
          job.schedule ? SqlValue(*job.schedule) : SqlValue(),
          job.timezone,
          job.is_active,
          job.catchup,
          int64_t{job.max_active_runs},
          NullableInt(job.timeout_s),
          int64_t{job.retry.max_attempts},
          job.retry.initial_delay_s,
          job.retry.max_delay_s,
          NullableInt(job.memory_mb),
          ParamsToJson(job.params).dump(),
          job.notify,
          NullableInt(job.sla_s),
          ToStoredTime(job.created_at),
          ToStoredTime(job.updated_at)};
}

}  // namespace

Status SqlStateStore::InsertTasks(SqlConnection& connection, const Job& job) {
  const std::string insert =
      JoinSql({"INSERT INTO tasks (", kTaskColumns,
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"});
  for (const Task& task : job.tasks) {
    const Status inserted =
        connection
            .Execute(insert, {task.task_id, job.job_id, int64_t{task.task_order}, task.task_name,
                              task.extractor_config, task.loader_config, task.transform_config,
                              nlohmann::json(task.depends_on).dump(), NullableInt(task.timeout_s),
                              task.retry ? SqlValue(int64_t{task.retry->max_attempts}) : SqlValue(),
                              task.retry ? SqlValue(task.retry->initial_delay_s) : SqlValue(),
                              task.retry ? SqlValue(task.retry->max_delay_s) : SqlValue(),
                              NullableInt(task.memory_mb)})
            .status();
    if (inserted.code() == StatusCode::kAlreadyExists) {
      return InvalidArgumentError("job '" + job.job_name + "' has two tasks named '" +
                                  task.task_name + "' or two at order " +
                                  std::to_string(task.task_order));
    }
    ORC_RETURN_IF_ERROR(inserted);
  }
  return Status::Ok();
}

Result<Job> SqlStateStore::LoadJob(SqlConnection& connection, std::string_view where,
                                   const std::string& key) {
  ORC_ASSIGN_OR_RETURN(
      SqlRows rows, connection.Execute(
                        JobsWithTasks("jobs j", JoinSql({"WHERE j.", where, " = $1"}), ""), {key}));
  std::vector<Job> jobs = JobsFromRows(rows);
  if (jobs.empty()) return NoJobError(where, key);
  return std::move(jobs.front());
}

Result<Job> SqlStateStore::InsertJob(SqlConnection& connection, Job job, TimePoint now) {
  if (job.job_id.empty()) job.job_id = NewUuidV4();
  job.created_at = job.updated_at = now;
  AssignTaskIdentity(job, {});
  const Status inserted = connection
                              .Execute(JoinSql({"INSERT INTO jobs (", kJobColumns,
                                                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                                                "$10, $11, $12, $13, $14, $15, $16, $17, $18)"}),
                                       JobValues(job))
                              .status();
  if (inserted.code() == StatusCode::kAlreadyExists) return NameTakenError(job);
  ORC_RETURN_IF_ERROR(inserted);
  ORC_RETURN_IF_ERROR(connection
                          .Execute("INSERT INTO job_concurrency (job_id, max_active_runs) "
                                   "VALUES ($1, $2)",
                                   {job.job_id, int64_t{job.max_active_runs}})
                          .status());
  ORC_RETURN_IF_ERROR(CountJobChange(connection, job.job_id));
  ORC_RETURN_IF_ERROR(InsertTasks(connection, job));
  return job;
}

Result<Job> SqlStateStore::CreateJob(const Job& input) {
  const TimePoint now = clock_.Now();
  std::string job_id;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kTransaction, [&](SqlConnection& connection) {
    ORC_ASSIGN_OR_RETURN(Job job, InsertJob(connection, input, now));
    job_id = job.job_id;
    return Status::Ok();
  }));
  // Read back what was stored, so callers see exactly the persisted form (time precision).
  return GetJob(job_id);
}

Result<Job> SqlStateStore::ReplaceJob(const Job& input) {
  ORC_RETURN_IF_ERROR(WithConnection(Access::kTransaction, [&](SqlConnection& connection) {
    // A copy per try: the ids a failed try gave new tasks must not outlive it.
    Job job = input;
    ORC_ASSIGN_OR_RETURN(Job current, LoadJob(connection, "job_id", job.job_id));
    std::unordered_map<std::string, std::string> old_ids;
    for (const Task& task : current.tasks) old_ids.emplace(task.task_name, task.task_id);
    job.created_at = current.created_at;
    job.updated_at = clock_.Now();
    AssignTaskIdentity(job, old_ids);
    std::vector<SqlValue> values = JobValues(job);
    values.erase(values.end() - 2);  // created_at stays as it was
    const Status updated =
        connection
            .Execute(
                "UPDATE jobs SET job_name = $2, description = $3, schedule = $4, timezone = $5, "
                "is_active = $6, catchup = $7, max_active_runs = $8, timeout_s = $9, "
                "retry_max_attempts = $10, retry_initial_delay_s = $11, retry_max_delay_s = $12, "
                "memory_mb = $13, params = $14, notify = $15, sla_s = $16, updated_at = $17 "
                "WHERE job_id = $1",
                values)
            .status();
    if (updated.code() == StatusCode::kAlreadyExists) return NameTakenError(job);
    ORC_RETURN_IF_ERROR(updated);
    ORC_RETURN_IF_ERROR(connection
                            .Execute("UPDATE job_concurrency SET max_active_runs = $2 "
                                     "WHERE job_id = $1",
                                     {job.job_id, int64_t{job.max_active_runs}})
                            .status());
    ORC_RETURN_IF_ERROR(
        connection.Execute("DELETE FROM tasks WHERE job_id = $1", {job.job_id}).status());
    ORC_RETURN_IF_ERROR(CountJobChange(connection, job.job_id));
    return InsertTasks(connection, job);
  }));
  return GetJob(input.job_id);
}

Result<Job> SqlStateStore::GetJob(const std::string& job_id) {
  Result<Job> job = NotFoundError("");
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) {
    job = LoadJob(connection, "job_id", job_id);
    return job.status();
  }));
  return job;
}

Result<Job> SqlStateStore::GetJobByName(const std::string& job_name) {
  Result<Job> job = NotFoundError("");
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) {
    job = LoadJob(connection, "job_name", job_name);
    return job.status();
  }));
  return job;
}

Result<Page<Job>> SqlStateStore::ListJobs(const JobFilter& filter) {
  Page<Job> page;
  const SqlValue is_active = filter.is_active ? SqlValue(*filter.is_active) : SqlValue();
  constexpr std::string_view kMatching =
      " FROM jobs WHERE (CAST($1 AS BOOLEAN) IS NULL OR is_active = $1)";
  const std::string page_of_jobs =
      JoinSql({"(SELECT *", kMatching, " ORDER BY created_at, job_id LIMIT $2 OFFSET $3) j"});
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) {
    page = {};
    // The total is counted apart: under concurrent writes it may differ from the page by the
    // jobs created or deleted between the two statements, never the page from itself.
    ORC_ASSIGN_OR_RETURN(SqlRows count,
                         connection.Execute(JoinSql({"SELECT COUNT(*)", kMatching}), {is_active}));
    page.total = count.Int(0, 0);
    ORC_ASSIGN_OR_RETURN(
        SqlRows rows,
        connection.Execute(JobsWithTasks(page_of_jobs, "", "j.created_at, j.job_id, "),
                           {is_active, int64_t{filter.limit}, int64_t{filter.offset}}));
    page.items = JobsFromRows(rows);
    return Status::Ok();
  }));
  return page;
}

Result<std::string> SqlStateStore::JobsVersion() {
  std::string version;
  ORC_RETURN_IF_ERROR(WithConnection(Access::kRead, [&](SqlConnection& connection) -> Status {
    ORC_ASSIGN_OR_RETURN(SqlRows rows,
                         connection.Execute("SELECT version FROM job_changes WHERE id = 1", {}));
    version = std::to_string(rows.Int(0, 0));
    return Status::Ok();
  }));
  return version;
}

Status SqlStateStore::CountJobChange(SqlConnection& connection, const std::string& job_id) const {
  ORC_RETURN_IF_ERROR(
      connection.Execute("UPDATE job_changes SET version = version + 1 WHERE id = 1", {}).status());
  dialect_->Notify(connection, kJobsChannel, job_id);
  return Status::Ok();
}

Status SqlStateStore::DeleteJob(const std::string& job_id) {
  return WithConnection(Access::kTransaction, [&](SqlConnection& connection) -> Status {
    // The job's row first: enqueues of this job (which lock it to share) wait from here until it
    // is gone, so the count below stays true (with no run queued, no claim can take one).
    ORC_ASSIGN_OR_RETURN(SqlRows job,
                         connection.Execute(JoinSql({"SELECT 1 FROM jobs WHERE job_id = $1",
                                                     dialect_->LockRowToDelete()}),
                                            {job_id}));
    if (job.empty()) return NoJobError("job_id", job_id);
    ORC_ASSIGN_OR_RETURN(
        SqlRows active,
        connection.Execute("SELECT COUNT(*) FROM runs WHERE job_id = $1 AND status IN "
                           "('queued', 'running')",
                           {job_id}));
    if (active.Int(0, 0) > 0) {
      return ConflictError("job '" + job_id + "' has " + std::to_string(active.Int(0, 0)) +
                           " queued or running run(s); cancel them first");
    }
    // On PostgreSQL no foreign key cascades from jobs to runs, nor from runs to task runs (see
    // migration 8); run logs go with their runs.
    ORC_RETURN_IF_ERROR(connection
                            .Execute("DELETE FROM task_runs WHERE run_id IN "
                                     "(SELECT run_id FROM runs WHERE job_id = $1)",
                                     {job_id})
                            .status());
    ORC_RETURN_IF_ERROR(
        connection.Execute("DELETE FROM runs WHERE job_id = $1", {job_id}).status());
    // Its alerts go with it: pending ones would have nowhere to go (deleting a job is rare, so
    // the deliveries are scanned rather than indexed by job).
    ORC_RETURN_IF_ERROR(
        connection.Execute("DELETE FROM notify_deliveries WHERE job_id = $1", {job_id}).status());
    ORC_RETURN_IF_ERROR(
        connection.Execute("DELETE FROM late_slots WHERE job_id = $1", {job_id}).status());
    ORC_RETURN_IF_ERROR(
        connection.Execute("DELETE FROM job_concurrency WHERE job_id = $1", {job_id}).status());
    ORC_RETURN_IF_ERROR(
        connection.Execute("DELETE FROM jobs WHERE job_id = $1", {job_id}).status());
    return CountJobChange(connection, job_id);
  });
}

}  // namespace orc
