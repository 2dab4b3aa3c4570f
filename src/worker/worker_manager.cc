#include "worker/worker_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "worker/node_heartbeat.h"

namespace orc {
namespace {

// How often the supervisor enforces timeouts and stop requests on running attempts.
constexpr Duration kSupervisorTick = std::chrono::milliseconds(50);

const std::vector<double> kBucketBounds = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5,   1,     2.5,   5,    10,    30,   60,  300};

void Observe(std::vector<int64_t>& buckets, double& sum, int64_t& count, double seconds) {
  for (size_t i = 0; i < kBucketBounds.size(); ++i) {
    if (seconds <= kBucketBounds[i]) ++buckets[i];
  }
  sum += seconds;
  ++count;
}

double SecondsBetween(TimePoint from, TimePoint to) {
  return std::max(0.0, std::chrono::duration<double>(to - from).count());
}

}  // namespace

WorkerManager::WorkerManager(StateStore& store, const PluginRegistry& plugins, Clock& clock,
                             RandomSource& random, WorkerManagerOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      paths_(options_.executor.settings.data_dir, options_.executor.settings.allowed_directories,
             options_.executor.settings.protected_files),
      environment_{.store = store,
                   .plugins = plugins,
                   .clock = clock,
                   .random = random,
                   .paths = paths_,
                   .secrets = options_.secrets,
                   .database_locks = database_locks_,
                   .task_memory_mb = options_.task_memory_mb},
      owner_(options_.node_id.empty() ? NewNodeId() : options_.node_id) {
  stats_.bucket_bounds = kBucketBounds;
  stats_.dispatch_buckets.assign(kBucketBounds.size(), 0);
  stats_.task_buckets.assign(kBucketBounds.size(), 0);
}

WorkerManager::~WorkerManager() { Shutdown(Duration::zero()); }

Status WorkerManager::Start() {
  Reap();
  // Every runner starts before any worker claims a run: a first dispatch does not wait for one,
  // and an executor command that cannot start is reported now, not as every run's failure.
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    auto worker = std::make_unique<Worker>(
        options_.make_runner ? options_.make_runner()
                             : std::make_unique<ExecutorProcess>(options_.executor));
    ORC_RETURN_IF_ERROR(worker->runner->Start());
    workers_.push_back(std::move(worker));
  }
  started_ = true;
  for (auto& worker : workers_) {
    Worker* raw = worker.get();
    raw->thread = std::thread([this, raw] { WorkerLoop(*raw); });
  }
  supervisor_ = std::thread([this] { SupervisorLoop(); });
  return Status::Ok();
}

void WorkerManager::Shutdown(Duration grace) {
  if (!started_ || stopping_.exchange(true)) return;
  WakeAll();
  const TimePoint deadline = clock_.Now() + grace;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (held_.empty()) break;
    }
    const TimePoint now = clock_.Now();
    if (now >= deadline) break;
    clock_.WaitUntil(drained_, std::min(deadline, now + std::chrono::milliseconds(100)));
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& [run_id, held] : held_) {
      held.active->Stop(StopReason::kShutdown);
    }
  }
  for (auto& worker : workers_) worker->thread.join();
  supervisor_stopping_ = true;
  supervisor_wake_.Wake();
  supervisor_.join();
}

void WorkerManager::RunEnqueued() { WakeAll(); }

void WorkerManager::Fence() {
  fenced_ = true;
  std::lock_guard lock(mutex_);
  for (auto& [run_id, held] : held_) {
    held.active->Stop(StopReason::kLeaseLost);
    fenced_runs_.insert(run_id);
  }
}

void WorkerManager::Unfence() {
  std::vector<std::string> release;
  {
    std::lock_guard lock(mutex_);
    fenced_ = false;
    release.swap(to_release_);
  }
  ReleaseFenced(release);
  WakeAll();
}

void WorkerManager::ReleaseFenced(const std::vector<std::string>& run_ids) {
  for (const std::string& run_id : run_ids) {
    // Conflict: another node took it over meanwhile, which is theirs to finish.
    if (Status released = store_.ReleaseRun(run_id, owner_); released.ok()) {
      spdlog::info("run {}: stopped while this node was cut off; queued again", run_id);
    }
  }
}

void WorkerManager::CancelRequested(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  if (const auto found = held_.find(run_id); found != held_.end()) {
    found->second.active->Stop(StopReason::kCancelRequested);
  }
}

WorkerStats WorkerManager::stats() const {
  std::lock_guard lock(mutex_);
  WorkerStats stats = stats_;
  stats.active_runs = static_cast<int>(held_.size());
  stats.workers = static_cast<int>(workers_.size());
  return stats;
}

std::string WorkerManager::sandbox() const {
  return workers_.empty() ? std::string() : workers_.front()->runner->sandbox();
}

void WorkerManager::WakeAll() {
  for (auto& worker : workers_) worker->wake.Wake();
}

void WorkerManager::WorkerLoop(Worker& worker) {
  while (!stopping_.load()) {
    if (fenced_.load()) {
      clock_.WaitUntil(worker.wake, clock_.Now() + options_.poll_interval);
      continue;
    }
    Result<std::optional<Run>> claimed = store_.ClaimRun(owner_, options_.lease);
    if (claimed.ok() && claimed->has_value()) {
      Execute(worker, **claimed);
      continue;
    }
    if (!claimed.ok()) spdlog::warn("cannot claim runs: {}", claimed.status().message());
    clock_.WaitUntil(worker.wake, clock_.Now() + options_.poll_interval);
  }
}

void WorkerManager::Execute(Worker& worker, const Run& run) {
  const TimePoint claimed_at = clock_.Now();
  auto active = std::make_shared<ActiveRun>(run);
  auto log = std::make_shared<RunLog>(run.run_id, clock_);
  {
    std::lock_guard lock(mutex_);
    held_[run.run_id] = Held{active, log};
    // Claimed while Shutdown() runs: its stop pass may already be over (it saw no run held), so
    // give the run straight back instead of executing it after the workers were told to stop.
    if (stopping_.load()) active->Stop(StopReason::kShutdown);
    // Claimed as the node fell silent: others may take it over; leave it to them.
    if (fenced_.load()) {
      active->Stop(StopReason::kLeaseLost);
      fenced_runs_.insert(run.run_id);
    }
    ++stats_.runs_started;
    Observe(stats_.dispatch_buckets, stats_.dispatch_sum, stats_.dispatch_count,
            SecondsBetween(std::max(run.queued_at, run.available_at), claimed_at));
  }
  const RunOutcome outcome = ExecuteRun(environment_, *worker.runner, *active, *log);
  const StopReason stop = active->stop_reason();
  if (stop == StopReason::kShutdown) {
    log->Add("warn", "", "orc is shutting down: the run goes back to the queue");
    spdlog::info("run {}: orc is shutting down: the run goes back to the queue", run.run_id);
    // Every task's end is saved as it happens: what succeeded stays done on the next claim.
    log->Flush(store_);
    if (Status released = store_.ReleaseRun(run.run_id, owner_); !released.ok()) {
      spdlog::warn("run {}: cannot give it back to the queue: {}", run.run_id, released.message());
    }
  } else if (stop == StopReason::kLeaseLost) {
    spdlog::warn("run {}: {}", run.run_id, Describe(stop));
    // Stopped by a fence: give it back once the node is heard again (now, if it already is).
    std::vector<std::string> release;
    {
      std::lock_guard lock(mutex_);
      if (fenced_runs_.erase(run.run_id) > 0) {
        (fenced_.load() ? to_release_ : release).push_back(run.run_id);
      }
    }
    ReleaseFenced(release);
  } else {
    log->Flush(store_);
    Result<Run> finished = store_.FinishRun(run.run_id, owner_, outcome);
    if (!finished.ok()) {
      spdlog::warn("run {}: cannot record its outcome: {}", run.run_id,
                   finished.status().message());
    }
    RecordFinish(run, outcome);
  }
  {
    std::lock_guard lock(mutex_);
    held_.erase(run.run_id);
  }
  drained_.Wake();
}

void WorkerManager::RecordFinish(const Run& run, const RunOutcome& outcome) {
  std::lock_guard lock(mutex_);
  ++stats_.runs_finished[std::string(ToString(outcome.status))];
  stats_.rows_loaded += outcome.rows_loaded;
  for (const TaskRun& task_run : outcome.task_runs) {
    if (task_run.started_at && task_run.finished_at) {
      Observe(stats_.task_buckets, stats_.task_sum, stats_.task_count,
              SecondsBetween(*task_run.started_at, *task_run.finished_at));
    }
  }
}

void WorkerManager::SupervisorLoop() {
  TimePoint next_heartbeat = clock_.Now() + options_.heartbeat;
  TimePoint next_reap = clock_.Now() + options_.reap_interval;
  while (!supervisor_stopping_.load()) {
    const TimePoint now = clock_.Now();
    {
      std::lock_guard lock(mutex_);
      for (auto& [run_id, held] : held_) held.active->Enforce(now);
    }
    if (now >= next_heartbeat) {
      Heartbeat();
      next_heartbeat = now + options_.heartbeat;
    }
    if (now >= next_reap && !stopping_.load()) {
      Reap();
      next_reap = now + options_.reap_interval;
    }
    clock_.WaitUntil(supervisor_wake_, now + kSupervisorTick);
  }
}

void WorkerManager::Heartbeat() {
  std::vector<std::pair<std::string, Held>> held;
  {
    std::lock_guard lock(mutex_);
    held.assign(held_.begin(), held_.end());
  }
  for (auto& [run_id, entry] : held) {
    // Stopped as lease-lost (taken over, or this node fenced): nothing more of it is written.
    if (entry.active->stop_reason() == StopReason::kLeaseLost) continue;
    Result<LeaseState> lease = store_.RenewLease(run_id, owner_, options_.lease);
    const bool lost = !lease.ok() && lease.status().code() == StatusCode::kConflict;
    if (lease.ok() && lease->cancel_requested) {
      entry.active->Stop(StopReason::kCancelRequested);
    } else if (lost) {
      entry.active->Stop(StopReason::kLeaseLost);
    } else if (!lease.ok()) {
      spdlog::warn("run {}: cannot renew its lease: {}", run_id, lease.status().message());
    }
    // The run's task runs are no longer this worker's to write (the store would refuse them).
    if (!lost) {
      entry.active->ReportProgress([this](const TaskRun& task_run) {
        if (Status saved = store_.SaveTaskRun(task_run, owner_); !saved.ok()) {
          spdlog::warn("run {}: cannot save progress: {}", task_run.run_id, saved.message());
        }
      });
    }
    entry.log->Flush(store_);
  }
}

void WorkerManager::Reap() {
  Result<ReclaimedRuns> reclaimed = store_.ReclaimExpiredLeases(options_.node_timeout);
  if (!reclaimed.ok()) {
    spdlog::warn("cannot look for expired leases: {}", reclaimed.status().message());
    return;
  }
  for (const std::string& run_id : reclaimed->requeued) {
    spdlog::warn("run {}: its worker was lost; queued again", run_id);
  }
  for (const std::string& run_id : reclaimed->failed) {
    spdlog::warn("run {}: its worker was lost and it has no attempts left; failed", run_id);
  }
  if (!reclaimed->requeued.empty()) WakeAll();
}

}  // namespace orc
