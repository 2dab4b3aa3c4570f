// Job and Task: what a user defines. A job is a named, optionally scheduled list of tasks; a task
// moves data (extractor -> loader) or transforms it (SQL). Plain values, no behaviour; the state
// store persists them and the API encodes them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace orc {

struct RetryPolicy {
  int max_attempts = 3;
  double initial_delay_s = 1;
  double max_delay_s = 300;

  friend bool operator==(const RetryPolicy&, const RetryPolicy&) = default;
};

// A parameter a job declares: what a manual trigger may set, and what its templates may name as
// {{ params.NAME }}. Values are JSON of the declared type; `default_value` is JSON text, empty
// when the parameter has no default (a trigger must then set it).
enum class ParamType { kString, kInteger, kNumber, kBoolean, kDate };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::string default_value;  // JSON text of `type`; empty: required
  std::string description;

  friend bool operator==(const ParamSpec&, const ParamSpec&) = default;
};

struct Task {
  std::string task_id;  // UUID; assigned by the state store when empty
  int task_order = 0;   // 1-based position within the job
  std::string task_name;
  // Plugin configurations as JSON text (objects whose "type" picks a plugin); empty when absent.
  std::string extractor_config;
  std::string loader_config;
  std::string transform_config;
  std::vector<std::string> depends_on;  // names of tasks of the same job
  std::optional<int> timeout_s;         // overrides the job's
  std::optional<RetryPolicy> retry;     // overrides the job's
  std::optional<int> memory_mb;         // overrides the job's; 0: no limit

  friend bool operator==(const Task&, const Task&) = default;
};

struct Job {
  std::string job_id;  // UUID; assigned by the state store when empty
  std::string job_name;
  std::string description;
  std::optional<std::string> schedule;  // cron expression; none = manual only
  std::string timezone = "UTC";
  bool is_active = true;
  bool catchup = false;
  int max_active_runs = 1;
  std::optional<int> timeout_s;  // per task
  RetryPolicy retry;
  // Memory each task may use, in MiB; unset: the server's --task-memory-mb; 0: no limit.
  std::optional<int> memory_mb;
  std::vector<ParamSpec> params;  // in the order declared
  // Where to say what happened to its runs: a JSON array of notification targets (notify/), as
  // written; empty when the job has none.
  std::string notify;
  // How long after its slot a scheduled run must have succeeded; past it the slot is late.
  std::optional<int> sla_s;
  TimePoint created_at{};
  TimePoint updated_at{};
  std::vector<Task> tasks;  // in task_order

  friend bool operator==(const Job&, const Job&) = default;
};

}  // namespace orc
