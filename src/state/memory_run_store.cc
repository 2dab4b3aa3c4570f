// MemoryStateStore: runs, task runs and run logs.
#include <algorithm>
#include <unordered_set>

#include "common/uuid.h"
#include "state/memory_state_store.h"
#include "state/store_rules.h"

namespace orc {
TaskRun MemoryStateStore::Stored(TaskRun task_run) {
  task_run.started_at = Stored(task_run.started_at);
  task_run.finished_at = Stored(task_run.finished_at);
  return task_run;
}

// --- the run queue ----------------------------------------------------------------------------

void MemoryStateStore::Unindex(const Run& run) {
  if (run.status == RunStatus::kQueued) queue_.erase({run.available_at, run.queued_at, run.run_id});
  if (run.status == RunStatus::kRunning) --running_[run.job_id];
}

void MemoryStateStore::Index(const Run& run) {
  if (run.status == RunStatus::kQueued)
    queue_.insert({run.available_at, run.queued_at, run.run_id});
  if (run.status == RunStatus::kRunning) ++running_[run.job_id];
}

Result<Run> MemoryStateStore::PrepareRun(const NewRun& new_run, TimePoint now) const {
  auto job = jobs_.find(new_run.job_id);
  if (job == jobs_.end()) return NoJob(new_run.job_id);
  Run run{.run_id = NewUuidV7(now),
          .job_id = new_run.job_id,
          .status = RunStatus::kQueued,
          .triggered_by = new_run.triggered_by,
          .scheduled_for = Stored(new_run.scheduled_for),
          .interval_start = Stored(new_run.interval_start),
          .interval_end = Stored(new_run.interval_end),
          .params = new_run.params,
          .retry_of = new_run.retry_of,
          .only_tasks = new_run.only_tasks,
          .queued_at = now,
          .available_at = Stored(new_run.available_at.value_or(now)),
          .max_attempts = job->second.retry.max_attempts,
          .created_at = now,
          .updated_at = now};
  if (run.scheduled_for && slots_.contains({run.job_id, *run.scheduled_for})) {
    return SlotTakenError(new_run);
  }
  return run;
}

Result<std::vector<Run>> MemoryStateStore::PrepareSlots(const std::vector<NewRun>& new_runs,
                                                        TimePoint now) const {
  std::vector<Run> created;
  std::set<std::pair<std::string, TimePoint>> taken_here;
  for (const NewRun& new_run : new_runs) {
    if (!new_run.scheduled_for) return InvalidArgumentError("a slot needs scheduled_for");
    Result<Run> run = PrepareRun(new_run, now);
    if (run.status().code() == StatusCode::kAlreadyExists) continue;
    ORC_RETURN_IF_ERROR(run.status());
    if (!taken_here.insert({run->job_id, *run->scheduled_for}).second) continue;
    // A paused job gets no scheduled run.
    if (run->triggered_by == TriggeredBy::kScheduler && !jobs_.at(run->job_id).is_active) continue;
    created.push_back(*std::move(run));
  }
  return created;
}

void MemoryStateStore::CommitRun(const Run& run) {
  runs_[run.run_id] = StoredRun{.run = run};
  if (run.scheduled_for) slots_.insert({run.job_id, *run.scheduled_for});
  Index(run);
}

Result<Run> MemoryStateStore::EnqueueRun(const NewRun& new_run) {
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(Run run, PrepareRun(new_run, Now()));
  CommitRun(run);
  return run;
}

Result<std::vector<Run>> MemoryStateStore::EnqueueSlots(const std::vector<NewRun>& new_runs) {
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(std::vector<Run> created, PrepareSlots(new_runs, Now()));
  for (const Run& run : created) CommitRun(run);
  return created;
}

Result<std::map<std::string, TimePoint>> MemoryStateStore::LatestSlots() {
  std::lock_guard lock(mutex_);
  std::map<std::string, TimePoint> latest;
  for (const auto& [job_id, slot] : slots_) latest[job_id] = slot;  // slots_ is in slot order
  return latest;
}

Result<std::optional<Run>> MemoryStateStore::ClaimRun(const std::string& owner, Duration lease) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  for (const auto& [available_at, queued_at, run_id] : queue_) {
    if (available_at > now) break;
    Run& run = runs_.at(run_id).run;
    if (running_[run.job_id] >= jobs_.at(run.job_id).max_active_runs) continue;
    Unindex(run);  // invalidates the loop's iterator: the loop ends here
    run.status = RunStatus::kRunning;
    run.lease_owner = owner;
    run.lease_expires_at = Stored(now + lease);
    if (!run.started_at) run.started_at = now;
    ++run.attempt;
    run.updated_at = now;
    Index(run);
    return std::optional<Run>(run);
  }
  return std::optional<Run>();
}

Result<MemoryStateStore::StoredRun*> MemoryStateStore::Held(const std::string& run_id,
                                                            const std::string& owner) {
  auto stored = runs_.find(run_id);
  if (stored == runs_.end()) return NoRunError(run_id);
  const Run& run = stored->second.run;
  if (run.status != RunStatus::kRunning) {
    return ConflictError("run '" + run_id + "' is " + std::string(ToString(run.status)) +
                         ", not running");
  }
  if (run.lease_owner != owner) {
    return ConflictError("run '" + run_id + "' is held by '" + run.lease_owner + "', not by '" +
                         owner + "'");
  }
  return &stored->second;
}

Result<LeaseState> MemoryStateStore::RenewLease(const std::string& run_id, const std::string& owner,
                                                Duration lease) {
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(StoredRun * stored, Held(run_id, owner));
  const TimePoint now = Now();
  stored->run.lease_expires_at = Stored(now + lease);
  stored->run.updated_at = now;
  return LeaseState{.expires_at = *stored->run.lease_expires_at,
                    .cancel_requested = stored->run.cancel_requested};
}

Result<Run> MemoryStateStore::FinishRun(const std::string& run_id, const std::string& owner,
                                        const RunOutcome& outcome) {
  ORC_RETURN_IF_ERROR(CheckOutcome(run_id, outcome));
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(StoredRun * stored, Held(run_id, owner));
  const TimePoint now = Now();
  Run& run = stored->run;
  Unindex(run);
  run.status = outcome.status;
  run.finished_at = now;
  run.error_message = outcome.error_message;
  run.rows_extracted = outcome.rows_extracted;
  run.rows_loaded = outcome.rows_loaded;
  run.lease_owner.clear();
  run.lease_expires_at.reset();
  run.updated_at = now;
  Index(run);
  for (const TaskRun& task_run : outcome.task_runs) {
    stored->task_runs[task_run.task_id] = Stored(task_run);
  }
  return run;
}

Status MemoryStateStore::ReleaseRun(const std::string& run_id, const std::string& owner) {
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(StoredRun * stored, Held(run_id, owner));
  const TimePoint now = Now();
  Run& run = stored->run;
  Unindex(run);
  run.status = RunStatus::kQueued;
  run.available_at = now;
  --run.attempt;
  run.lease_owner.clear();
  run.lease_expires_at.reset();
  run.updated_at = now;
  Index(run);
  return Status::Ok();
}

Result<Run> MemoryStateStore::RequestCancel(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  auto stored = runs_.find(run_id);
  if (stored == runs_.end()) return NoRunError(run_id);
  Run& run = stored->second.run;
  if (IsFinal(run.status)) {
    return ConflictError("run '" + run_id + "' already finished (" +
                         std::string(ToString(run.status)) + ")");
  }
  const TimePoint now = Now();
  Unindex(run);
  if (run.status == RunStatus::kQueued) {
    run.status = RunStatus::kCancelled;
    run.finished_at = now;
    run.error_message = "cancelled while queued";
  }
  run.cancel_requested = true;
  run.updated_at = now;
  Index(run);
  return run;
}

Result<ReclaimedRuns> MemoryStateStore::ReclaimExpiredLeases(Duration node_timeout) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  const TimePoint silent_since = Stored(now - node_timeout);
  ReclaimedRuns reclaimed;
  for (auto& [run_id, stored] : runs_) {
    Run& run = stored.run;
    if (run.status != RunStatus::kRunning || !run.lease_expires_at) continue;
    const auto node = nodes_.find(run.lease_owner);
    const bool node_lost = node != nodes_.end() && node->second.heartbeat_at < silent_since;
    if (!(*run.lease_expires_at < now) && !node_lost) continue;
    Unindex(run);
    if (run.cancel_requested) {
      run.status = RunStatus::kCancelled;
      run.error_message = "cancelled (its worker " + run.lease_owner + " was lost)";
      run.finished_at = now;
      reclaimed.cancelled.push_back(run_id);
    } else if (run.attempt >= run.max_attempts) {
      run.status = RunStatus::kFailed;
      run.error_message = "worker lost: " + run.lease_owner + " stopped answering, attempt " +
                          std::to_string(run.attempt) + " of " + std::to_string(run.max_attempts);
      run.finished_at = now;
      reclaimed.failed.push_back(run_id);
    } else {
      run.status = RunStatus::kQueued;
      run.available_at = now;
      run.error_message = "requeued: its worker " + run.lease_owner + " stopped answering";
      reclaimed.requeued.push_back(run_id);
    }
    run.lease_owner.clear();
    run.lease_expires_at.reset();
    run.updated_at = now;
    Index(run);
  }
  return reclaimed;
}

Status MemoryStateStore::SaveTaskRun(const TaskRun& task_run, const std::string& owner) {
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(StoredRun * stored, Held(task_run.run_id, owner));
  stored->task_runs[task_run.task_id] = Stored(task_run);
  return Status::Ok();
}

// --- run history and logs ---------------------------------------------------------------------

Result<Run> MemoryStateStore::GetRun(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  auto stored = runs_.find(run_id);
  if (stored == runs_.end()) return NoRunError(run_id);
  return stored->second.run;
}

Result<Page<Run>> MemoryStateStore::ListRuns(const RunFilter& filter) {
  std::lock_guard lock(mutex_);
  const std::string from = filter.queued_from ? UuidV7Floor(*filter.queued_from) : "";
  const std::string before = filter.queued_before ? UuidV7Floor(*filter.queued_before) : "";
  const int64_t counted_at_most = std::max(filter.offset, 0) + filter.count_beyond;
  bool capped = false;  // a match past counted_at_most was found
  std::vector<Run> matching;
  for (auto stored = runs_.rbegin(); stored != runs_.rend(); ++stored) {
    const Run& run = stored->second.run;
    if (filter.job_id && run.job_id != *filter.job_id) continue;
    if (filter.status && run.status != *filter.status) continue;
    if (filter.triggered_by && run.triggered_by != *filter.triggered_by) continue;
    if (!from.empty() && run.run_id < from) continue;
    if (!before.empty() && run.run_id >= before) continue;
    if (static_cast<int64_t>(matching.size()) == counted_at_most) {
      capped = true;
      break;
    }
    matching.push_back(run);
  }
  Page<Run> page = PageOf(std::move(matching), filter.limit, filter.offset);
  page.total_capped = capped;
  return page;
}

Result<std::vector<Run>> MemoryStateStore::LatestRunPerJob() {
  std::lock_guard lock(mutex_);
  std::vector<Run> latest;
  std::unordered_set<std::string> seen;
  for (auto stored = runs_.rbegin(); stored != runs_.rend(); ++stored) {
    if (seen.insert(stored->second.run.job_id).second) latest.push_back(stored->second.run);
  }
  return latest;
}

Result<std::vector<TaskRun>> MemoryStateStore::GetTaskRuns(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  std::vector<TaskRun> task_runs;
  auto stored = runs_.find(run_id);
  if (stored == runs_.end()) return task_runs;
  for (const auto& [task_id, task_run] : stored->second.task_runs) task_runs.push_back(task_run);
  std::stable_sort(task_runs.begin(), task_runs.end(), [](const TaskRun& a, const TaskRun& b) {
    return a.task_order < b.task_order;  // then by task_id, the map's order
  });
  return task_runs;
}

Status MemoryStateStore::AppendRunLogs(const std::string& run_id,
                                       const std::vector<RunLogLine>& lines) {
  if (lines.empty()) return Status::Ok();
  std::lock_guard lock(mutex_);
  auto stored = runs_.find(run_id);
  if (stored == runs_.end()) return NoRunError(run_id);
  const int64_t cap = options_.max_log_lines_per_run;
  StoredRun& run = stored->second;
  for (const RunLogLine& line : lines) {
    const int64_t number = ++run.log_lines;
    if (number > cap) continue;
    RunLogLine kept = line;
    kept.line = number;
    kept.time = Stored(line.time);
    if (number == cap) {
      kept.level = "warn";
      kept.task_name.clear();
      kept.message = LogTruncatedMessage(cap);
    }
    run.log.push_back(std::move(kept));
  }
  return Status::Ok();
}

Result<std::vector<RunLogLine>> MemoryStateStore::GetRunLogs(const std::string& run_id,
                                                             int64_t after_line, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<RunLogLine> lines;
  auto stored = runs_.find(run_id);
  if (stored == runs_.end()) return lines;
  const std::vector<RunLogLine>& log = stored->second.log;
  auto first =
      std::upper_bound(log.begin(), log.end(), after_line,
                       [](int64_t after, const RunLogLine& line) { return after < line.line; });
  for (auto line = first; line != log.end() && std::ssize(lines) < limit; ++line) {
    lines.push_back(*line);
  }
  return lines;
}

}  // namespace orc
