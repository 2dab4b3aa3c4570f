// What orc and an executor process say to each other (over a FrameChannel, one JSON document per
// frame), and the types both sides build from it.
//
//   orc -> executor   {"type": "init", ...ExecutorSettings}     once, first
//   executor -> orc   {"type": "ready", "sandbox": "..."}       once, when it can take tasks
//   orc -> executor   {"type": "task", ...TaskAssignment}        one at a time
//   orc -> executor   {"type": "stop", "code", "message"}        interrupts the running task
//   executor -> orc   {"type": "log", "level", "message"}        any number, while a task runs
//   executor -> orc   {"type": "progress", ...TaskCounters}      a few a second, while it runs
//   executor -> orc   {"type": "done", ...TaskReport}            the task's outcome
//
// Either side treats a message it cannot read as the end of the conversation: orc kills the
// process and fails the attempt; the executor exits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/path_policy.h"
#include "common/status.h"

namespace orc {

// How an executor process confines and equips the tasks it runs; the same for every task.
struct ExecutorSettings {
  std::filesystem::path data_dir;
  std::vector<AllowedDirectory> allowed_directories;   // besides the data directory (read-write)
  std::vector<std::filesystem::path> protected_files;  // the state database's files
  // Private to this process: spool files of the api extractor and DuckDB's spills.
  std::filesystem::path temp_dir;
  // Hosts (HOST or HOST:PORT) the api extractor may reach although their addresses are private,
  // and whether every private address is allowed (cloud metadata endpoints excepted).
  std::vector<std::string> allowed_hosts;
  bool allow_private = false;
  // Confine DuckDB (external access, extensions) and the process itself (Landlock).
  bool confine = true;
};

// One attempt of one task. Configurations hold resolved secrets; null when absent.
struct TaskAssignment {
  std::string job_id;
  std::string run_id;
  std::string task_id;
  std::string task_name;
  int attempt = 1;
  int64_t memory_limit_mb = 0;  // 0: none
  nlohmann::json extractor_config;
  nlohmann::json loader_config;
  nlohmann::json transform_config;
  // The DuckDB files the attempt writes (resolved), which it holds against other processes while
  // it runs (DatabaseFileLocks).
  std::vector<std::filesystem::path> databases_written;
};

struct TaskCounters {
  int64_t rows_extracted = 0;
  int64_t rows_loaded = 0;
  int64_t bytes_read = 0;
  int64_t bytes_total = 0;     // the input's size when known (files), else 0
  int64_t rows_processed = 0;  // rows read by the running load where DuckDB counts them, else 0

  friend bool operator==(const TaskCounters&, const TaskCounters&) = default;
};

struct TaskReport {
  Status status;                // OK, or why the attempt failed
  int64_t rows = 0;             // rows loaded (or changed, by a transform)
  bool already_loaded = false;  // an earlier attempt had committed this load
  TaskCounters counters;
};

nlohmann::json ToJson(const ExecutorSettings& settings);
Result<ExecutorSettings> ExecutorSettingsFromJson(const nlohmann::json& message);

nlohmann::json ToJson(const TaskAssignment& task);
Result<TaskAssignment> TaskAssignmentFromJson(const nlohmann::json& message);

nlohmann::json ToJson(const TaskCounters& counters);  // a "progress" message
TaskCounters TaskCountersFromJson(const nlohmann::json& message);

nlohmann::json ToJson(const TaskReport& report);  // a "done" message
Result<TaskReport> TaskReportFromJson(const nlohmann::json& message);

// A "stop" message that interrupts the running attempt with `error`, and the error it carries
// (Cancelled when the message names none).
nlohmann::json StopMessage(const Status& error);
Status StopMessageError(const nlohmann::json& message);

// `text` parsed as a message: an object with a string "type". InvalidArgument otherwise.
Result<nlohmann::json> ParseMessage(const std::string& text);

}  // namespace orc
