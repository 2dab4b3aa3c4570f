// What every StateStore implementation (SqlStateStore, MemoryStateStore) assigns and says the
// same way: the ids of new tasks, and the errors and messages of the contract, so that the
// contract tests hold both to one text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "core/job.h"
#include "core/new_run.h"
#include "state/run_queue.h"

namespace orc {

// Fills in what the caller may leave empty: task orders and names (ApplyTaskDefaults), and ids,
// reusing the id of the old task of the same name (`old_ids`, by task name).
void AssignTaskIdentity(Job& job, const std::unordered_map<std::string, std::string>& old_ids);

// AlreadyExists: another job has job.job_name.
Status NameTakenError(const Job& job);
// NotFound: no job whose `field` (job_id, job_name) is `key`.
Status NoJobError(std::string_view field, const std::string& key);
// NotFound: no run `run_id`.
Status NoRunError(const std::string& run_id);
// AlreadyExists: new_run's job already has a run for its slot.
Status SlotTakenError(const NewRun& new_run);

// The line a run keeps last, at its cap of `cap` lines, in place of the lines dropped after it.
std::string LogTruncatedMessage(int64_t cap);

// What FinishRun takes: InvalidArgument for a status that is not final, or a task run of another
// run than `run_id`.
Status CheckOutcome(const std::string& run_id, const RunOutcome& outcome);

}  // namespace orc
