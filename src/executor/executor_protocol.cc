#include "executor/executor_protocol.h"

#include <functional>

namespace orc {
namespace {

using nlohmann::json;

// Reads with nlohmann's exceptions caught at this boundary: a message of the wrong shape is an
// error, never an exception escaping a thread.
template <typename T>
Result<T> Decode(const char* what, const std::function<T()>& decode) {
  try {
    return decode();
  } catch (const json::exception& error) {
    return InvalidArgumentError(std::string("a malformed ") + what + " message: " + error.what());
  }
}

Status StatusFromJson(const json& message) {
  const std::string code_name = message.value("code", "internal");
  const StatusCode code = ParseStatusCode(code_name).value_or(StatusCode::kInternal);
  if (code == StatusCode::kOk) return Status::Ok();
  return Status(code, message.value("message", "")).WithField(message.value("field", ""));
}

}  // namespace

json ToJson(const ExecutorSettings& settings) {
  json allowed = json::array();
  for (const AllowedDirectory& directory : settings.allowed_directories) {
    allowed.push_back({{"path", directory.path.string()}, {"writable", directory.writable}});
  }
  json protected_files = json::array();
  for (const auto& file : settings.protected_files) protected_files.push_back(file.string());
  return {{"type", "init"},
          {"data_dir", settings.data_dir.string()},
          {"allowed_directories", std::move(allowed)},
          {"protected_files", std::move(protected_files)},
          {"temp_dir", settings.temp_dir.string()},
          {"allowed_hosts", settings.allowed_hosts},
          {"allow_private", settings.allow_private},
          {"confine", settings.confine}};
}

Result<ExecutorSettings> ExecutorSettingsFromJson(const json& message) {
  return Decode<ExecutorSettings>("init", [&] {
    ExecutorSettings settings;
    settings.data_dir = message.at("data_dir").get<std::string>();
    for (const json& directory : message.at("allowed_directories")) {
      settings.allowed_directories.push_back(
          {directory.at("path").get<std::string>(), directory.at("writable").get<bool>()});
    }
    for (const json& file : message.at("protected_files")) {
      settings.protected_files.emplace_back(file.get<std::string>());
    }
    settings.temp_dir = message.at("temp_dir").get<std::string>();
    settings.allowed_hosts = message.at("allowed_hosts").get<std::vector<std::string>>();
    settings.allow_private = message.at("allow_private").get<bool>();
    settings.confine = message.at("confine").get<bool>();
    return settings;
  });
}

json ToJson(const TaskAssignment& task) {
  return {{"type", "task"},
          {"job_id", task.job_id},
          {"run_id", task.run_id},
          {"task_id", task.task_id},
          {"task_name", task.task_name},
          {"attempt", task.attempt},
          {"memory_limit_mb", task.memory_limit_mb},
          {"extractor_config", task.extractor_config},
          {"loader_config", task.loader_config},
          {"transform_config", task.transform_config},
          {"databases_written", task.databases_written}};
}

Result<TaskAssignment> TaskAssignmentFromJson(const json& message) {
  return Decode<TaskAssignment>("task", [&] {
    return TaskAssignment{
        .job_id = message.at("job_id").get<std::string>(),
        .run_id = message.at("run_id").get<std::string>(),
        .task_id = message.at("task_id").get<std::string>(),
        .task_name = message.at("task_name").get<std::string>(),
        .attempt = message.at("attempt").get<int>(),
        .memory_limit_mb = message.at("memory_limit_mb").get<int64_t>(),
        .extractor_config = message.at("extractor_config"),
        .loader_config = message.at("loader_config"),
        .transform_config = message.at("transform_config"),
        .databases_written =
            message.at("databases_written").get<std::vector<std::filesystem::path>>()};
  });
}

json ToJson(const TaskCounters& counters) {
  return {{"type", "progress"},
          {"rows_extracted", counters.rows_extracted},
          {"rows_loaded", counters.rows_loaded},
          {"bytes_read", counters.bytes_read},
          {"bytes_total", counters.bytes_total},
          {"rows_processed", counters.rows_processed}};
}

TaskCounters TaskCountersFromJson(const json& message) {
  auto number = [&message](const char* name) {
    const auto found = message.find(name);
    return found != message.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
  };
  return {.rows_extracted = number("rows_extracted"),
          .rows_loaded = number("rows_loaded"),
          .bytes_read = number("bytes_read"),
          .bytes_total = number("bytes_total"),
          .rows_processed = number("rows_processed")};
}

json ToJson(const TaskReport& report) {
  json message = ToJson(report.counters);
  message["type"] = "done";
  message["code"] = StatusCodeName(report.status.code());
  message["message"] = report.status.message();
  message["field"] = report.status.field();
  message["rows"] = report.rows;
  message["already_loaded"] = report.already_loaded;
  return message;
}

Result<TaskReport> TaskReportFromJson(const json& message) {
  return Decode<TaskReport>("done", [&] {
    return TaskReport{.status = StatusFromJson(message),
                      .rows = message.at("rows").get<int64_t>(),
                      .already_loaded = message.at("already_loaded").get<bool>(),
                      .counters = TaskCountersFromJson(message)};
  });
}

json StopMessage(const Status& error) {
  return {{"type", "stop"}, {"code", StatusCodeName(error.code())}, {"message", error.message()}};
}

Status StopMessageError(const json& message) {
  Status error = StatusFromJson(message);
  return error.ok() ? CancelledError("stopped") : error;
}

Result<json> ParseMessage(const std::string& text) {
  json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!message.is_object() || !message.contains("type") || !message["type"].is_string()) {
    return InvalidArgumentError("not a message: " + text.substr(0, 100));
  }
  return message;
}

}  // namespace orc
