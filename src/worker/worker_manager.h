// WorkerManager: the pool of workers of one orc process. Each worker claims a queued run through
// the StateStore's atomic, leased claim, executes it and records its outcome; a supervisor thread
// renews the leases of the runs held here, enforces task timeouts, relays cancel requests and
// returns runs whose lease expired (a crashed process's) to the queue.
//
// A run queued in this process is claimed at once (RunEnqueued wakes the idle workers); runs
// queued by another process sharing the database are found within poll_interval.
//
// Shutdown(grace): no new claims; running runs get `grace` to finish, then are interrupted and
// given back to the queue (their partial loads roll back), so a restart or another process
// retries them.
//
// Thread safety: all public methods are safe from any thread. The referenced objects must outlive
// the manager.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/run_events.h"
#include "worker/run_executor.h"

namespace orc {

struct WorkerManagerOptions {
  int workers = 2;
  Duration lease = std::chrono::seconds(30);
  // How often leases are renewed and cancel requests of other processes are looked for.
  Duration heartbeat = std::chrono::seconds(1);
  // How often idle workers look for runs queued by another process.
  Duration poll_interval = std::chrono::seconds(1);
  // How often expired leases are looked for.
  Duration reap_interval = std::chrono::seconds(5);
  // The files tasks may open (orc serve confines them to the data directory and keeps the state
  // database out) and the environment variables they may reference.
  PathPolicy paths = PathPolicy::Unrestricted(".");
  SecretPolicy secrets = SecretPolicy();
};

// Counters for GET /metrics.
struct WorkerStats {
  int64_t runs_started = 0;
  std::map<std::string, int64_t> runs_finished;  // by final status
  int64_t rows_loaded = 0;
  int active_runs = 0;
  int workers = 0;
  // Claim latency (claimed_at - max(queued_at, available_at)) and task durations, in seconds:
  // bucket upper bounds -> cumulative counts, plus sums and counts.
  std::vector<double> bucket_bounds;
  std::vector<int64_t> dispatch_buckets;
  double dispatch_sum = 0;
  int64_t dispatch_count = 0;
  std::vector<int64_t> task_buckets;
  double task_sum = 0;
  int64_t task_count = 0;
};

class WorkerManager final : public RunEvents {
 public:
  WorkerManager(StateStore& store, const PluginRegistry& plugins, DuckDbEngine& engine,
                Clock& clock, WorkerManagerOptions options);
  ~WorkerManager() override;  // Shutdown(0) if still running
  WorkerManager(const WorkerManager&) = delete;
  WorkerManager& operator=(const WorkerManager&) = delete;

  // Recovers expired leases, then starts the workers and the supervisor.
  Status Start();
  void Shutdown(Duration grace);

  void RunEnqueued() override;
  void CancelRequested(const std::string& run_id) override;

  WorkerStats stats() const;

 private:
  struct Worker {
    WakeSignal wake;
    std::thread thread;
  };

  void WorkerLoop(Worker& worker);
  void Execute(const Run& run);
  void SupervisorLoop();
  void Heartbeat();
  void Reap();
  void WakeAll();
  void RecordFinish(const Run& run, const RunOutcome& outcome);

  StateStore& store_;
  Clock& clock_;
  const WorkerManagerOptions options_;
  ExecutionEnvironment environment_;
  const std::string owner_;  // this process's name on the runs it holds: host:pid:random

  std::atomic<bool> stopping_{false};             // no more claims
  std::atomic<bool> supervisor_stopping_{false};  // set once the workers have exited
  std::vector<std::unique_ptr<Worker>> workers_;
  std::thread supervisor_;
  WakeSignal supervisor_wake_;
  WakeSignal drained_;  // woken whenever a run ends, for Shutdown's wait

  struct Held {
    std::shared_ptr<ActiveRun> active;  // shared with the worker executing it
    std::shared_ptr<RunLog> log;
  };
  mutable std::mutex mutex_;  // guards held_ and stats_
  std::map<std::string, Held> held_;
  WorkerStats stats_;
  bool started_ = false;
};

}  // namespace orc
