#include "state/store_rules.h"

#include "common/uuid.h"
#include "core/task_defaults.h"

namespace orc {

void AssignTaskIdentity(Job& job, const std::unordered_map<std::string, std::string>& old_ids) {
  ApplyTaskDefaults(job.tasks);
  for (Task& task : job.tasks) {
    if (!task.task_id.empty()) continue;
    auto old = old_ids.find(task.task_name);
    task.task_id = old != old_ids.end() ? old->second : NewUuidV4();
  }
}

Status NameTakenError(const Job& job) {
  return AlreadyExistsError("a job named '" + job.job_name + "' already exists");
}

Status NoJobError(std::string_view field, const std::string& key) {
  return NotFoundError("no job with " + std::string(field) + " '" + key + "'");
}

Status NoRunError(const std::string& run_id) {
  return NotFoundError("no run with run_id '" + run_id + "'");
}

Status SlotTakenError(const NewRun& new_run) {
  return AlreadyExistsError("job '" + new_run.job_id + "' already has a run for that slot");
}

std::string LogTruncatedMessage(int64_t cap) {
  return "log truncated: a run keeps at most " + std::to_string(cap) +
         " lines; later lines are dropped";
}

Status CheckOutcome(const std::string& run_id, const RunOutcome& outcome) {
  if (!IsFinal(outcome.status)) {
    return InvalidArgumentError("a run can only finish as success, failed or cancelled, not " +
                                std::string(ToString(outcome.status)));
  }
  for (const TaskRun& task_run : outcome.task_runs) {
    if (task_run.run_id != run_id) {
      return InvalidArgumentError("the finish of run '" + run_id +
                                  "' cannot save a task run of run '" + task_run.run_id + "'");
    }
  }
  return Status::Ok();
}

}  // namespace orc
