// gtest printers for orc's domain values, so that a failed EXPECT_EQ shows fields, not bytes.
#pragma once

#include <ostream>

#include "common/status.h"
#include "common/time_format.h"
#include "core/job.h"
#include "core/run.h"

namespace orc {

inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.ToString();
}

inline std::ostream& operator<<(std::ostream& out, const std::optional<TimePoint>& time) {
  return out << (time ? FormatRfc3339(*time) : "null");
}

inline void PrintTo(const Task& task, std::ostream* out) {
  *out << "{task_id=" << task.task_id << " order=" << task.task_order << " name=" << task.task_name
       << " extractor=" << task.extractor_config << " loader=" << task.loader_config
       << " transform=" << task.transform_config << " depends_on=" << task.depends_on.size()
       << " timeout_s=" << task.timeout_s.value_or(-1)
       << " retry=" << (task.retry ? task.retry->max_attempts : -1) << "}";
}

inline void PrintTo(const Job& job, std::ostream* out) {
  *out << "{job_id=" << job.job_id << " name=" << job.job_name << " description=" << job.description
       << " schedule=" << job.schedule.value_or("null") << " timezone=" << job.timezone
       << " active=" << job.is_active << " catchup=" << job.catchup
       << " max_active_runs=" << job.max_active_runs << " timeout_s=" << job.timeout_s.value_or(-1)
       << " retry=" << job.retry.max_attempts << "/" << job.retry.initial_delay_s << "/"
       << job.retry.max_delay_s << " created=" << FormatRfc3339(job.created_at)
       << " updated=" << FormatRfc3339(job.updated_at) << " tasks=[";
  for (const Task& task : job.tasks) PrintTo(task, out);
  *out << "]}";
}

inline void PrintTo(const Run& run, std::ostream* out) {
  *out << "{run_id=" << run.run_id << " job_id=" << run.job_id << " status=" << ToString(run.status)
       << " by=" << ToString(run.triggered_by) << " slot=" << run.scheduled_for
       << " started=" << run.started_at << " finished=" << run.finished_at
       << " error=" << run.error_message << " owner=" << run.lease_owner
       << " attempt=" << run.attempt << "/" << run.max_attempts << "}";
}

inline void PrintTo(const TaskRun& task_run, std::ostream* out) {
  *out << "{run_id=" << task_run.run_id << " task=" << task_run.task_name
       << " status=" << ToString(task_run.status) << " attempts=" << task_run.attempts
       << " errors=" << task_run.errors.size() << " started=" << task_run.started_at
       << " finished=" << task_run.finished_at << "}";
}

inline void PrintTo(const RunLogLine& line, std::ostream* out) {
  *out << "{" << line.line << " " << FormatRfc3339(line.time) << " " << line.level << " "
       << line.task_name << " " << line.message << "}";
}

}  // namespace orc
