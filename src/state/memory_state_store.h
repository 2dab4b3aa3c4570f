// MemoryStateStore: the StateStore kept in this process's memory: the reference fake for tests
// of the components that use the store (the scheduler, the workers, the API), which then need no
// database. It keeps the same contract as SqlStateStore, and the same contract tests
// (tests/state/state_store_test.cc, idempotency_store_test.cc) run against both: the same ids
// (UUIDv4 for jobs and tasks, time-ordered UUIDv7 for runs), the same status changes, errors,
// codes and messages, times from the Clock cut to the microsecond as the database stores them.
//
// What it does not have: durability (everything is gone with the object) and sharing (another
// store, or another process, sees none of it); orc itself never opens one. A job with
// max_active_runs below 1 is InvalidArgument here, where the databases' CHECK makes it Internal.
//
// Its methods are split over three files: memory_state_store.cc (plumbing, jobs, keyed writes,
// health), memory_run_store.cc (runs, task runs and logs) and
// memory_notification_store.cc (run notices, deliveries, late slots).
//
// Thread safety: all methods are safe to call concurrently; each is atomic under one mutex. The
// Clock is borrowed and must outlive the store. A ReplyTo given to a keyed write runs under that
// mutex, so it must not call the store (its contract already says it only computes).
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "state/state_store.h"

namespace orc {

class MemoryStateStore final : public StateStore {
 public:
  explicit MemoryStateStore(Clock& clock, StateStoreOptions options = {});

  Result<Job> CreateJob(const Job& job) override;
  Result<Job> ReplaceJob(const Job& job) override;
  Result<Job> GetJob(const std::string& job_id) override;
  Result<Job> GetJobByName(const std::string& job_name) override;
  Result<Page<Job>> ListJobs(const JobFilter& filter) override;
  Result<std::string> JobsVersion() override;
  Status DeleteJob(const std::string& job_id) override;

  Result<Run> EnqueueRun(const NewRun& new_run) override;
  Result<std::vector<Run>> EnqueueSlots(const std::vector<NewRun>& new_runs) override;
  Result<std::map<std::string, TimePoint>> LatestSlots() override;
  Result<std::optional<Run>> ClaimRun(const std::string& owner, Duration lease) override;
  Result<LeaseState> RenewLease(const std::string& run_id, const std::string& owner,
                                Duration lease) override;
  Result<Run> FinishRun(const std::string& run_id, const std::string& owner,
                        const RunOutcome& outcome) override;
  Status ReleaseRun(const std::string& run_id, const std::string& owner) override;
  Result<Run> RequestCancel(const std::string& run_id) override;
  Result<ReclaimedRuns> ReclaimExpiredLeases(Duration node_timeout) override;
  Status SaveTaskRun(const TaskRun& task_run, const std::string& owner) override;

  Result<Run> GetRun(const std::string& run_id) override;
  Result<Page<Run>> ListRuns(const RunFilter& filter) override;
  Result<std::vector<Run>> LatestRunPerJob() override;
  Result<std::vector<TaskRun>> GetTaskRuns(const std::string& run_id) override;

  Status AppendRunLogs(const std::string& run_id, const std::vector<RunLogLine>& lines) override;
  Result<std::vector<RunLogLine>> GetRunLogs(const std::string& run_id, int64_t after_line,
                                             int limit) override;

  Result<IdempotentOutcome<Job>> CreateJob(const Job& job, const IdempotencyKey& key,
                                           const ReplyTo<Job>& reply) override;
  Result<IdempotentOutcome<Run>> EnqueueRun(const NewRun& new_run, const IdempotencyKey& key,
                                            const ReplyTo<Run>& reply) override;
  Result<IdempotentOutcome<std::vector<Run>>> EnqueueSlots(
      const std::vector<NewRun>& new_runs, const IdempotencyKey& key,
      const ReplyTo<std::vector<Run>>& reply) override;
  Result<std::optional<IdempotencyRecord>> GetIdempotencyRecord(const std::string& key) override;
  Result<int> DeleteExpiredIdempotencyRecords(int limit) override;

  Result<std::vector<std::string>> PendingNotices(int limit) override;
  Result<int> SettleNotices(const std::vector<RunNotice>& notices) override;
  Result<bool> RecordLateSlot(const std::string& job_id, TimePoint slot, TimePoint deadline,
                              const std::vector<NewDelivery>& deliveries) override;
  Result<int> ForgetLateSlotsBefore(TimePoint before, int limit) override;
  Result<std::vector<NotificationDelivery>> LeaseDueDeliveries(const std::string& owner,
                                                               Duration lease, int limit) override;
  Status RecordDeliveryAttempt(const std::string& delivery_id, const std::string& owner,
                               const DeliveryAttempt& attempt) override;
  Result<std::vector<NotificationDelivery>> ListRunDeliveries(const std::string& run_id) override;

  Status RegisterNode(const NodeInfo& node) override;
  Status HeartbeatNode(const std::string& node_id, int workers_busy) override;
  Status DeregisterNode(const std::string& node_id) override;
  Result<std::vector<NodeInfo>> ListNodes() override;
  Result<Leadership> TryLead(const std::string& name, const std::string& holder,
                             Duration term) override;
  Result<Leadership> CurrentTerm(const std::string& name) override;
  Status StepDown(const std::string& name, const std::string& holder) override;

  Status Ping() override;

 private:
  // A run with what the store keeps beside it.
  struct StoredRun {
    Run run;
    std::map<std::string, TaskRun> task_runs;  // by task_id
    std::vector<RunLogLine> log;               // in line order
    int64_t log_lines = 0;                     // lines numbered so far, kept or dropped
    bool notice_pending = true;                // the notifier has not looked at it finished
  };
  // A delivery with its lease.
  struct StoredDelivery {
    NotificationDelivery delivery;
    std::string lease_owner;
    std::optional<TimePoint> lease_expires_at;
  };
  // Where a queued run stands in the claim order: (available_at, queued_at, run_id).
  using QueuePlace = std::tuple<TimePoint, TimePoint, std::string>;

  // The writes, in two steps so that a keyed write can render its reply before anything is
  // changed: Prepare* checks and builds what would be stored (nothing changes), Commit* stores it.
  // All with mutex_ held.
  Result<Job> PrepareJob(Job job, TimePoint now) const;
  void CommitJob(const Job& job);
  Result<Run> PrepareRun(const NewRun& new_run, TimePoint now) const;
  Result<std::vector<Run>> PrepareSlots(const std::vector<NewRun>& new_runs, TimePoint now) const;
  void CommitRun(const Run& run);

  // Runs a prepared keyed write: the record holding key.key if one does (nothing is written),
  // else `prepare`, the reply to what it made, and `commit`, with the record saved. With mutex_
  // held.
  template <typename Created, typename Prepare, typename Commit>
  Result<IdempotentOutcome<Created>> WriteOnce(const IdempotencyKey& key,
                                               const ReplyTo<Created>& reply,
                                               const Prepare& prepare, const Commit& commit);

  // The job checked as the database's constraints check it (InvalidArgument), its tasks then put
  // in task_order, as the store reads them back.
  Status CheckAndOrder(Job& job) const;
  const Job* FindJobByName(const std::string& job_name) const;
  // The run `owner` holds, or the Conflict or NotFound explaining why it holds none.
  Result<StoredRun*> Held(const std::string& run_id, const std::string& owner);
  // Takes a run out of, and puts it back into, the claim order and its job's count of running
  // runs, around a change of its status.
  void Unindex(const Run& run);
  void Index(const Run& run);
  // clock_.Now(), cut to the microsecond.
  TimePoint Now() const;
  // Times as the databases keep them: cut to the microsecond.
  static TimePoint Stored(TimePoint time);
  static std::optional<TimePoint> Stored(const std::optional<TimePoint>& time);
  static TaskRun Stored(TaskRun task_run);
  static Status NoJob(const std::string& job_id);
  // Inserts deliveries as SqlStateStore::InsertDeliveries does. With mutex_ held.
  int InsertDeliveries(const std::string& job_id, const std::string& run_id,
                       std::optional<TimePoint> slot, const std::vector<NewDelivery>& deliveries,
                       TimePoint now);
  // The items from `offset` on, at most `limit`, with the count of all.
  template <typename T>
  static Page<T> PageOf(std::vector<T> all, int limit, int offset) {
    Page<T> page;
    page.total = static_cast<int64_t>(all.size());
    const size_t first = std::min(all.size(), static_cast<size_t>(std::max(offset, 0)));
    const size_t count = std::min(all.size() - first, static_cast<size_t>(std::max(limit, 0)));
    page.items.assign(std::make_move_iterator(all.begin() + first),
                      std::make_move_iterator(all.begin() + first + count));
    return page;
  }

  Clock& clock_;
  const StateStoreOptions options_;

  mutable std::mutex mutex_;         // guards everything below
  std::map<std::string, Job> jobs_;  // by job_id
  int64_t jobs_version_ = 0;
  std::map<std::string, StoredRun> runs_;              // by run_id: in the order runs were made
  std::set<QueuePlace> queue_;                         // the queued runs, in claim order
  std::map<std::string, int> running_;                 // running runs per job_id
  std::set<std::pair<std::string, TimePoint>> slots_;  // (job_id, scheduled_for) that have a run
  std::map<std::string, IdempotencyRecord> idempotency_records_;  // by key
  std::map<std::string, StoredDelivery> deliveries_;              // by delivery_id
  std::set<std::string> delivery_keys_;  // "run|event|target" and "job|slot|event|target" taken
  std::set<std::pair<std::string, TimePoint>> late_slots_;  // (job_id, slot) recorded late
  std::map<std::string, NodeInfo> nodes_;                   // by node_id
  struct Term {
    std::string holder;
    TimePoint renewed_at{};
    TimePoint expires_at{};
  };
  std::map<std::string, Term> terms_;  // leadership terms by name
};

}  // namespace orc
