#include "api/job_json.h"

#include <nlohmann/json.hpp>

#include "api/bounded_json.h"

#include <set>

#include "common/time_format.h"
#include "core/config_template.h"
#include "core/job_schedule.h"
#include "core/params.h"
#include "core/run_templates.h"
#include "core/task_defaults.h"
#include "core/task_graph.h"
#include "cron/cron_describe.h"
#include "cron/cron_schedule.h"
#include "notify/notify_config.h"
#include "plugins/plugin_registry.h"
#include "plugins/secrets.h"

namespace orc {
namespace {

// Fields the server sets; a body may carry them (what GET returned), they are ignored.
constexpr const char* kReadOnlyJobFields[] = {"job_id", "created_at", "updated_at", "next_run_at",
                                              "schedule_description"};

using nlohmann::json;

constexpr size_t kMaxJobNameLength = 200;
constexpr size_t kMaxTasks = 1000;
constexpr int kMaxActiveRuns = 1000;
constexpr int kMaxAttempts = 100;
constexpr int kMaxTimeoutSeconds = 7 * 24 * 3600;
constexpr int kMaxMemoryMb = 1 << 20;  // 1 TiB

Status Invalid(const std::string& field, const std::string& why) {
  return InvalidArgumentError(field + " " + why).WithField(field);
}

// Reads an object's fields by name, refusing names it was not asked about.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  std::string Path(const std::string& name) const {
    return path_.empty() ? name : path_ + "." + name;
  }

  // The value of `name`, or nullptr when absent or null.
  const json* Find(const std::string& name) {
    known_.insert(name);
    const auto found = object_.find(name);
    return found == object_.end() || found->is_null() ? nullptr : &*found;
  }

  Status ReadString(const std::string& name, std::string* out, bool required = false) {
    const json* value = Find(name);
    if (value == nullptr) return required ? Invalid(Path(name), "is required") : Status::Ok();
    if (!value->is_string()) return Invalid(Path(name), "must be a string");
    *out = value->get<std::string>();
    return Status::Ok();
  }

  Status ReadBool(const std::string& name, bool* out) {
    const json* value = Find(name);
    if (value == nullptr) return Status::Ok();
    if (!value->is_boolean()) return Invalid(Path(name), "must be true or false");
    *out = value->get<bool>();
    return Status::Ok();
  }

  Status ReadInt(const std::string& name, int min, int max, std::optional<int>* out) {
    const json* value = Find(name);
    if (value == nullptr) return Status::Ok();
    if (!value->is_number_integer()) return Invalid(Path(name), "must be an integer");
    const int64_t number = value->get<int64_t>();
    if (number < min || number > max) {
      return Invalid(Path(name),
                     "must be from " + std::to_string(min) + " to " + std::to_string(max));
    }
    *out = static_cast<int>(number);
    return Status::Ok();
  }

  Status ReadNumber(const std::string& name, double min, double max, double* out) {
    const json* value = Find(name);
    if (value == nullptr) return Status::Ok();
    if (!value->is_number()) return Invalid(Path(name), "must be a number");
    const double number = value->get<double>();
    if (number < min || number > max) {
      return Invalid(Path(name), "must be from " + json(min).dump() + " to " + json(max).dump());
    }
    *out = number;
    return Status::Ok();
  }

  // Unknown fields are refused: a typo must not silently vanish.
  Status RejectUnknown() const {
    for (const auto& [name, value] : object_.items()) {
      if (known_.count(name) > 0) continue;
      std::string allowed;
      for (const std::string& field : known_) allowed += (allowed.empty() ? "" : ", ") + field;
      return Invalid(Path(name), "is not a known field; allowed: " + allowed);
    }
    return Status::Ok();
  }

 private:
  const json& object_;
  std::string path_;
  std::set<std::string> known_;
};

Status ReadRetry(ObjectReader& reader, std::optional<RetryPolicy>* out) {
  const json* value = reader.Find("retry");
  if (value == nullptr) return Status::Ok();
  const std::string path = reader.Path("retry");
  if (!value->is_object()) return Invalid(path, "must be an object");
  ObjectReader retry(*value, path);
  RetryPolicy policy;
  std::optional<int> attempts;
  ORC_RETURN_IF_ERROR(retry.ReadInt("max_attempts", 1, kMaxAttempts, &attempts));
  if (attempts) policy.max_attempts = *attempts;
  ORC_RETURN_IF_ERROR(retry.ReadNumber("initial_delay_s", 0, 86400, &policy.initial_delay_s));
  ORC_RETURN_IF_ERROR(retry.ReadNumber("max_delay_s", 0, 86400, &policy.max_delay_s));
  ORC_RETURN_IF_ERROR(retry.RejectUnknown());
  if (policy.max_delay_s < policy.initial_delay_s) {
    return Invalid(path + ".max_delay_s", "must not be less than initial_delay_s");
  }
  *out = policy;
  return Status::Ok();
}

Status ReadConfig(ObjectReader& reader, const std::string& name, std::string* out) {
  const json* value = reader.Find(name);
  if (value == nullptr) return Status::Ok();
  if (!value->is_object()) return Invalid(reader.Path(name), "must be an object");
  ORC_RETURN_IF_ERROR(CheckConfigDepth(*value, reader.Path(name)));  // before dump() recurses
  *out = value->dump();
  return Status::Ok();
}

Result<Task> TaskFromJson(const json& body, const std::string& path) {
  if (!body.is_object()) return Invalid(path, "must be an object");
  ObjectReader reader(body, path);
  Task task;
  reader.Find("task_id");  // read-only
  ORC_RETURN_IF_ERROR(reader.ReadString("task_name", &task.task_name));
  std::optional<int> order;
  ORC_RETURN_IF_ERROR(reader.ReadInt("task_order", 1, static_cast<int>(kMaxTasks), &order));
  task.task_order = order.value_or(0);
  ORC_RETURN_IF_ERROR(ReadConfig(reader, "extractor_config", &task.extractor_config));
  ORC_RETURN_IF_ERROR(ReadConfig(reader, "loader_config", &task.loader_config));
  ORC_RETURN_IF_ERROR(ReadConfig(reader, "transform_config", &task.transform_config));
  if (const json* depends_on = reader.Find("depends_on")) {
    if (!depends_on->is_array()) return Invalid(reader.Path("depends_on"), "must be an array");
    for (size_t i = 0; i < depends_on->size(); ++i) {
      if (!(*depends_on)[i].is_string()) {
        return Invalid(reader.Path("depends_on") + "[" + std::to_string(i) + "]",
                       "must be a task name (a string)");
      }
      task.depends_on.push_back((*depends_on)[i].get<std::string>());
    }
  }
  ORC_RETURN_IF_ERROR(reader.ReadInt("timeout_s", 1, kMaxTimeoutSeconds, &task.timeout_s));
  ORC_RETURN_IF_ERROR(reader.ReadInt("memory_mb", 0, kMaxMemoryMb, &task.memory_mb));
  ORC_RETURN_IF_ERROR(ReadRetry(reader, &task.retry));
  ORC_RETURN_IF_ERROR(reader.RejectUnknown());
  return task;
}

std::string TaskPath(size_t index) { return "tasks[" + std::to_string(index) + "]"; }

// `templates`: the job's sample values (SampleTemplateContext), whose names its templates may use.
Status ValidateTask(const Task& task, size_t index, const PluginRegistry& plugins,
                    const ConfigChecks& checks, const TemplateContext& templates) {
  const std::string path = TaskPath(index);
  const bool moves_data = !task.extractor_config.empty() || !task.loader_config.empty();
  const bool transforms = !task.transform_config.empty();
  if (moves_data && transforms) {
    return Invalid(path,
                   "must have either extractor_config and loader_config, or "
                   "transform_config, not both");
  }
  if (!moves_data && !transforms) {
    return Invalid(path,
                   "needs extractor_config and loader_config (to move data) or "
                   "transform_config (to run SQL)");
  }
  auto check = [&](PluginKind kind, const std::string& text) -> Status {
    const std::string field = path + "." + std::string(ConfigFieldName(kind));
    if (text.empty()) return Invalid(field, "is required with the other half of the pair");
    const json config = json::parse(text);
    // Templates are checked as written; the plugin reads the configuration they render to.
    const std::set<std::string>& sql_fields = plugins.SqlFields(kind, config);
    ORC_RETURN_IF_ERROR(CheckConfigTemplates(
        config, sql_fields, TemplateNames{.params = templates.param_types}, field));
    ORC_ASSIGN_OR_RETURN(json rendered,
                         RenderConfigTemplates(config, sql_fields, templates, field));
    return plugins.Validate(kind, rendered, field, checks, &config);
  };
  if (transforms) return check(PluginKind::kTransform, task.transform_config);
  ORC_RETURN_IF_ERROR(check(PluginKind::kExtractor, task.extractor_config));
  return check(PluginKind::kLoader, task.loader_config);
}

// A stored configuration as JSON. Stored text that is not bounded JSON (StoredJobToJson refuses
// such jobs first) reads as null rather than as a value too deep to handle.
json ConfigOrNull(const std::string& text) {
  if (text.empty()) return json();
  Result<json> config = ParseBoundedJson(text);
  return config.ok() ? std::move(config).value() : json();
}

json Time(const std::optional<TimePoint>& time) {
  return time ? json(FormatRfc3339(*time)) : json();
}

json RetryToJson(const RetryPolicy& retry) {
  return {{"max_attempts", retry.max_attempts},
          {"initial_delay_s", retry.initial_delay_s},
          {"max_delay_s", retry.max_delay_s}};
}

}  // namespace

Status ValidateJob(const Job& job, const PluginRegistry& plugins, const ConfigChecks& checks) {
  if (job.job_name.empty()) return Invalid("job_name", "must not be empty");
  if (job.job_name.size() > kMaxJobNameLength) {
    return Invalid("job_name",
                   "must be at most " + std::to_string(kMaxJobNameLength) + " characters");
  }
  if (job.tasks.empty()) return Invalid("tasks", "must list at least one task");
  if (job.tasks.size() > kMaxTasks) {
    return Invalid("tasks", "must list at most " + std::to_string(kMaxTasks) + " tasks");
  }
  // The error's field() says schedule or timezone; a manual job's time zone is checked too.
  Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
  if (!schedule.ok()) return schedule.status();
  if (!*schedule) ORC_RETURN_IF_ERROR(FindTimeZone(job.timezone).status());
  if (*schedule) {
    for (const ParamSpec& param : job.params) {
      if (!param.default_value.empty()) continue;
      return Invalid("params." + param.name + ".default",
                     "is required: the job has a schedule, and a scheduled run takes every "
                     "parameter's default");
    }
  }
  ORC_RETURN_IF_ERROR(ParseNotifyText(job.notify, checks.secrets, "notify").status());
  if (job.sla_s && !*schedule) {
    return Invalid("sla_s", "needs a schedule: it is how long after a slot its run must succeed");
  }
  const TemplateContext templates = SampleTemplateContext(job);
  for (size_t i = 0; i < job.tasks.size(); ++i) {
    ORC_RETURN_IF_ERROR(ValidateTask(job.tasks[i], i, plugins, checks, templates));
  }
  return ValidateTaskGraph(job.tasks);
}

json JobDefinition(json job) {
  for (const char* read_only : kReadOnlyJobFields) job.erase(read_only);
  if (job.contains("tasks") && job["tasks"].is_array()) {
    for (json& task : job["tasks"]) task.erase("task_id");
  }
  return job;
}

Result<Job> JobFromJson(const json& body, const PluginRegistry& plugins,
                        const ConfigChecks& checks) {
  if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object (a job)");
  ObjectReader reader(body, "");
  Job job;
  for (const char* read_only : kReadOnlyJobFields) reader.Find(read_only);
  ORC_RETURN_IF_ERROR(reader.ReadString("job_name", &job.job_name, /*required=*/true));
  ORC_RETURN_IF_ERROR(reader.ReadString("description", &job.description));
  if (const json* schedule = reader.Find("schedule")) {
    if (!schedule->is_string()) return Invalid("schedule", "must be a cron expression or null");
    job.schedule = schedule->get<std::string>();
  }
  ORC_RETURN_IF_ERROR(reader.ReadString("timezone", &job.timezone));
  ORC_RETURN_IF_ERROR(reader.ReadBool("is_active", &job.is_active));
  ORC_RETURN_IF_ERROR(reader.ReadBool("catchup", &job.catchup));
  std::optional<int> max_active_runs;
  ORC_RETURN_IF_ERROR(reader.ReadInt("max_active_runs", 1, kMaxActiveRuns, &max_active_runs));
  job.max_active_runs = max_active_runs.value_or(1);
  ORC_RETURN_IF_ERROR(reader.ReadInt("timeout_s", 1, kMaxTimeoutSeconds, &job.timeout_s));
  ORC_RETURN_IF_ERROR(reader.ReadInt("memory_mb", 0, kMaxMemoryMb, &job.memory_mb));
  std::optional<RetryPolicy> retry;
  ORC_RETURN_IF_ERROR(ReadRetry(reader, &retry));
  if (retry) job.retry = *retry;
  if (const json* params = reader.Find("params")) {
    ORC_ASSIGN_OR_RETURN(job.params, ParamsFromJson(*params, "params"));
  }
  if (const json* notify = reader.Find("notify")) {
    if (!notify->is_array()) return Invalid("notify", "must be a list of notification targets");
    ORC_RETURN_IF_ERROR(CheckConfigDepth(*notify, "notify"));  // before dump() recurses
    if (!notify->empty()) job.notify = notify->dump();
  }
  ORC_RETURN_IF_ERROR(reader.ReadInt("sla_s", 1, kMaxTimeoutSeconds, &job.sla_s));
  const json* tasks = reader.Find("tasks");
  if (tasks == nullptr) return Invalid("tasks", "is required");
  if (!tasks->is_array()) return Invalid("tasks", "must be an array");
  for (size_t i = 0; i < tasks->size(); ++i) {
    ORC_ASSIGN_OR_RETURN(Task task, TaskFromJson((*tasks)[i], TaskPath(i)));
    job.tasks.push_back(std::move(task));
  }
  ApplyTaskDefaults(job.tasks);
  ORC_RETURN_IF_ERROR(reader.RejectUnknown());
  ORC_RETURN_IF_ERROR(ValidateJob(job, plugins, checks));
  return job;
}

json JobToJson(const Job& job, std::optional<TimePoint> next_run_at) {
  json tasks = json::array();
  for (const Task& task : job.tasks) {
    tasks.push_back({{"task_id", task.task_id},
                     {"task_name", task.task_name},
                     {"task_order", task.task_order},
                     {"extractor_config", ConfigOrNull(task.extractor_config)},
                     {"loader_config", ConfigOrNull(task.loader_config)},
                     {"transform_config", ConfigOrNull(task.transform_config)},
                     {"depends_on", task.depends_on},
                     {"timeout_s", task.timeout_s ? json(*task.timeout_s) : json()},
                     {"memory_mb", task.memory_mb ? json(*task.memory_mb) : json()},
                     {"retry", task.retry ? RetryToJson(*task.retry) : json()}});
  }
  return {{"job_id", job.job_id},
          {"job_name", job.job_name},
          {"description", job.description},
          {"schedule", job.schedule ? json(*job.schedule) : json()},
          {"schedule_description", DescribeSchedule(job.schedule.value_or(""))},
          {"timezone", job.timezone},
          {"is_active", job.is_active},
          {"catchup", job.catchup},
          {"max_active_runs", job.max_active_runs},
          {"timeout_s", job.timeout_s ? json(*job.timeout_s) : json()},
          {"memory_mb", job.memory_mb ? json(*job.memory_mb) : json()},
          {"retry", RetryToJson(job.retry)},
          {"params", ParamsToJson(job.params)},
          {"notify", job.notify.empty() ? json::array() : ConfigOrNull(job.notify)},
          {"sla_s", job.sla_s ? json(*job.sla_s) : json()},
          {"created_at", FormatRfc3339(job.created_at)},
          {"updated_at", FormatRfc3339(job.updated_at)},
          {"next_run_at", Time(next_run_at)},
          {"tasks", std::move(tasks)}};
}

Result<json> StoredJobToJson(const Job& job, std::optional<TimePoint> next_run_at) {
  // A configuration is an object in a task in the tasks array of the job: three levels down.
  constexpr size_t kMaxConfigDepth = kMaxJsonDepth - 3;
  for (size_t i = 0; i < job.tasks.size(); ++i) {
    const Task& task = job.tasks[i];
    for (const auto& [name, text] : {std::pair{"extractor_config", &task.extractor_config},
                                     std::pair{"loader_config", &task.loader_config},
                                     std::pair{"transform_config", &task.transform_config}}) {
      if (JsonTextDepth(*text) <= kMaxConfigDepth) continue;
      return InternalError("job '" + job.job_name + "' (" + job.job_id + "): " + TaskPath(i) + "." +
                           name + " nests deeper than the limit of " +
                           std::to_string(kMaxJsonDepth) +
                           " levels; it was stored before that limit existed. Replace the job "
                           "(PUT) or delete it.");
    }
  }
  return JobToJson(job, next_run_at);
}

json RunToJson(const Run& run) {
  return {{"run_id", run.run_id},
          {"job_id", run.job_id},
          {"status", ToString(run.status)},
          {"triggered_by", ToString(run.triggered_by)},
          {"scheduled_for", Time(run.scheduled_for)},
          {"interval_start", Time(run.interval_start)},
          {"interval_end", Time(run.interval_end)},
          {"params", ConfigOrNull(run.params)},
          {"retry_of", run.retry_of.empty() ? json() : json(run.retry_of)},
          {"only_tasks", run.only_tasks},
          {"queued_at", FormatRfc3339(run.queued_at)},
          {"started_at", Time(run.started_at)},
          {"finished_at", Time(run.finished_at)},
          {"error_message", run.error_message.empty() ? json() : json(run.error_message)},
          {"attempt", run.attempt},
          {"cancel_requested", run.cancel_requested},
          {"rows_extracted", run.rows_extracted},
          {"rows_loaded", run.rows_loaded},
          {"created_at", FormatRfc3339(run.created_at)},
          {"updated_at", FormatRfc3339(run.updated_at)}};
}

json RunToJson(const Run& run, const std::vector<TaskRun>& task_runs) {
  json body = RunToJson(run);
  json items = json::array();
  for (const TaskRun& task_run : task_runs) {
    items.push_back(
        {{"task_id", task_run.task_id},
         {"task_name", task_run.task_name},
         {"task_order", task_run.task_order},
         {"status", ToString(task_run.status)},
         {"attempts", task_run.attempts},
         {"errors", task_run.errors},
         {"error_message", task_run.error_message.empty() ? json() : json(task_run.error_message)},
         {"rows_extracted", task_run.rows_extracted},
         {"rows_loaded", task_run.rows_loaded},
         {"bytes_read", task_run.bytes_read},
         {"bytes_total", task_run.bytes_total},
         {"rows_processed", task_run.rows_processed},
         {"started_at", Time(task_run.started_at)},
         {"finished_at", Time(task_run.finished_at)}});
  }
  body["task_runs"] = std::move(items);
  return body;
}

}  // namespace orc
