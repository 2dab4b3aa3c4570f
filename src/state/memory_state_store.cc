// MemoryStateStore: plumbing, jobs, writes made once per idempotency key, and health.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "common/uuid.h"
#include "state/memory_state_store.h"
#include "state/store_rules.h"

namespace orc {
MemoryStateStore::MemoryStateStore(Clock& clock, StateStoreOptions options)
    : clock_(clock), options_(options) {}

TimePoint MemoryStateStore::Stored(TimePoint time) {
  return TimePoint(std::chrono::duration_cast<Duration>(
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch())));
}

std::optional<TimePoint> MemoryStateStore::Stored(const std::optional<TimePoint>& time) {
  if (!time) return std::nullopt;
  return Stored(*time);
}

TimePoint MemoryStateStore::Now() const { return Stored(clock_.Now()); }

Status MemoryStateStore::NoJob(const std::string& job_id) { return NoJobError("job_id", job_id); }

// --- jobs -------------------------------------------------------------------------------------

const Job* MemoryStateStore::FindJobByName(const std::string& job_name) const {
  for (const auto& [job_id, job] : jobs_) {
    if (job.job_name == job_name) return &job;
  }
  return nullptr;
}

Status MemoryStateStore::CheckAndOrder(Job& job) const {
  if (job.max_active_runs < 1) {
    return InvalidArgumentError("job '" + job.job_name + "': max_active_runs must be at least 1");
  }
  std::unordered_set<std::string> ids_of_others;
  for (const auto& [job_id, other] : jobs_) {
    if (job_id == job.job_id) continue;
    for (const Task& task : other.tasks) ids_of_others.insert(task.task_id);
  }
  std::unordered_set<std::string> names, ids;
  std::unordered_set<int> orders;
  for (const Task& task : job.tasks) {
    if (!names.insert(task.task_name).second || !orders.insert(task.task_order).second ||
        !ids.insert(task.task_id).second || ids_of_others.contains(task.task_id)) {
      return InvalidArgumentError("job '" + job.job_name + "' has two tasks named '" +
                                  task.task_name + "' or two at order " +
                                  std::to_string(task.task_order));
    }
  }
  std::stable_sort(job.tasks.begin(), job.tasks.end(),
                   [](const Task& a, const Task& b) { return a.task_order < b.task_order; });
  return Status::Ok();
}

Result<Job> MemoryStateStore::PrepareJob(Job job, TimePoint now) const {
  if (job.job_id.empty()) job.job_id = NewUuidV4();
  job.created_at = job.updated_at = now;
  AssignTaskIdentity(job, {});
  if (jobs_.contains(job.job_id) || FindJobByName(job.job_name) != nullptr)
    return NameTakenError(job);
  ORC_RETURN_IF_ERROR(CheckAndOrder(job));
  return job;
}

void MemoryStateStore::CommitJob(const Job& job) {
  jobs_[job.job_id] = job;
  ++jobs_version_;
}

Result<Job> MemoryStateStore::CreateJob(const Job& job) {
  std::lock_guard lock(mutex_);
  ORC_ASSIGN_OR_RETURN(Job prepared, PrepareJob(job, Now()));
  CommitJob(prepared);
  return prepared;
}

Result<Job> MemoryStateStore::ReplaceJob(const Job& input) {
  std::lock_guard lock(mutex_);
  auto current = jobs_.find(input.job_id);
  if (current == jobs_.end()) return NoJob(input.job_id);
  Job job = input;
  std::unordered_map<std::string, std::string> old_ids;
  for (const Task& task : current->second.tasks) old_ids.emplace(task.task_name, task.task_id);
  job.created_at = current->second.created_at;
  job.updated_at = Now();
  AssignTaskIdentity(job, old_ids);
  if (const Job* named = FindJobByName(job.job_name);
      named != nullptr && named != &current->second) {
    return NameTakenError(job);
  }
  ORC_RETURN_IF_ERROR(CheckAndOrder(job));
  CommitJob(job);
  return job;
}

Result<Job> MemoryStateStore::GetJob(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  auto job = jobs_.find(job_id);
  if (job == jobs_.end()) return NoJob(job_id);
  return job->second;
}

Result<Job> MemoryStateStore::GetJobByName(const std::string& job_name) {
  std::lock_guard lock(mutex_);
  const Job* job = FindJobByName(job_name);
  if (job == nullptr) return NoJobError("job_name", job_name);
  return *job;
}

Result<Page<Job>> MemoryStateStore::ListJobs(const JobFilter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<Job> matching;
  for (const auto& [job_id, job] : jobs_) {
    if (!filter.is_active || job.is_active == *filter.is_active) matching.push_back(job);
  }
  std::sort(matching.begin(), matching.end(), [](const Job& a, const Job& b) {
    return std::tie(a.created_at, a.job_id) < std::tie(b.created_at, b.job_id);
  });
  return PageOf(std::move(matching), filter.limit, filter.offset);
}

Result<std::string> MemoryStateStore::JobsVersion() {
  std::lock_guard lock(mutex_);
  return std::to_string(jobs_version_);
}

Status MemoryStateStore::DeleteJob(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  if (!jobs_.contains(job_id)) return NoJob(job_id);
  int64_t active = 0;
  for (const auto& [run_id, stored] : runs_) {
    if (stored.run.job_id == job_id && !IsFinal(stored.run.status)) ++active;
  }
  if (active > 0) {
    return ConflictError("job '" + job_id + "' has " + std::to_string(active) +
                         " queued or running run(s); cancel them first");
  }
  std::erase_if(runs_, [&](const auto& entry) { return entry.second.run.job_id == job_id; });
  std::erase_if(slots_, [&](const auto& slot) { return slot.first == job_id; });
  std::erase_if(deliveries_,
                [&](const auto& entry) { return entry.second.delivery.job_id == job_id; });
  std::erase_if(late_slots_, [&](const auto& slot) { return slot.first == job_id; });
  running_.erase(job_id);
  jobs_.erase(job_id);
  ++jobs_version_;
  return Status::Ok();
}

// --- idempotency keys ---------------------------------------------------------------------------

template <typename Created, typename Prepare, typename Commit>
Result<IdempotentOutcome<Created>> MemoryStateStore::WriteOnce(const IdempotencyKey& key,
                                                               const ReplyTo<Created>& reply,
                                                               const Prepare& prepare,
                                                               const Commit& commit) {
  const TimePoint now = Now();
  IdempotentOutcome<Created> outcome;
  if (auto held = idempotency_records_.find(key.key);
      held != idempotency_records_.end() && held->second.expires_at > now) {
    outcome.record = held->second;
    return outcome;
  }
  ORC_ASSIGN_OR_RETURN(Created created, prepare(now));
  ORC_ASSIGN_OR_RETURN(IdempotentReply rendered, reply(created));
  commit(created);
  outcome.record = IdempotencyRecord{.key = key.key,
                                     .fingerprint = key.fingerprint,
                                     .reply = std::move(rendered),
                                     .expires_at = Stored(now + key.keep_for)};
  idempotency_records_[key.key] = outcome.record;
  outcome.created = std::move(created);
  return outcome;
}

Result<IdempotentOutcome<Job>> MemoryStateStore::CreateJob(const Job& job,
                                                           const IdempotencyKey& key,
                                                           const ReplyTo<Job>& reply) {
  std::lock_guard lock(mutex_);
  return WriteOnce<Job>(
      key, reply, [&](TimePoint now) { return PrepareJob(job, now); },
      [&](const Job& created) { CommitJob(created); });
}

Result<IdempotentOutcome<Run>> MemoryStateStore::EnqueueRun(const NewRun& new_run,
                                                            const IdempotencyKey& key,
                                                            const ReplyTo<Run>& reply) {
  std::lock_guard lock(mutex_);
  return WriteOnce<Run>(
      key, reply, [&](TimePoint now) { return PrepareRun(new_run, now); },
      [&](const Run& created) { CommitRun(created); });
}

Result<IdempotentOutcome<std::vector<Run>>> MemoryStateStore::EnqueueSlots(
    const std::vector<NewRun>& new_runs, const IdempotencyKey& key,
    const ReplyTo<std::vector<Run>>& reply) {
  std::lock_guard lock(mutex_);
  return WriteOnce<std::vector<Run>>(
      key, reply, [&](TimePoint now) { return PrepareSlots(new_runs, now); },
      [&](const std::vector<Run>& created) {
        for (const Run& run : created) CommitRun(run);
      });
}

Result<std::optional<IdempotencyRecord>> MemoryStateStore::GetIdempotencyRecord(
    const std::string& key) {
  std::lock_guard lock(mutex_);
  auto held = idempotency_records_.find(key);
  if (held == idempotency_records_.end() || held->second.expires_at <= Now()) {
    return std::optional<IdempotencyRecord>();
  }
  return std::optional<IdempotencyRecord>(held->second);
}

Result<int> MemoryStateStore::DeleteExpiredIdempotencyRecords(int limit) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  std::vector<std::pair<TimePoint, std::string>> expired;
  for (const auto& [key, record] : idempotency_records_) {
    if (record.expires_at <= now) expired.emplace_back(record.expires_at, key);
  }
  std::sort(expired.begin(), expired.end());
  const size_t count = std::min(expired.size(), static_cast<size_t>(std::max(limit, 0)));
  for (size_t i = 0; i < count; ++i) idempotency_records_.erase(expired[i].second);
  return static_cast<int>(count);
}

// --- health ---------------------------------------------------------------------------------

Status MemoryStateStore::Ping() { return Status::Ok(); }

}  // namespace orc
