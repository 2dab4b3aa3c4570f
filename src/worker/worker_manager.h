// WorkerManager: the pool of workers of one orc process. Each worker claims a queued run through
// the StateStore's atomic, leased claim, executes it and records its outcome; a supervisor thread
// renews the leases of the runs held here, enforces task timeouts, relays cancel requests and
// returns runs whose lease expired (a crashed process's) to the queue.
//
// Each worker runs its task attempts in an AttemptRunner of its own: by default an executor process
// (ExecutorProcess), started with the manager and again whenever a task crashed it, so a task can
// take down nothing but its own attempt; the tasks of one run share that process (and its
// ":memory:" database). Attempts that write the same DuckDB file wait for each other
// (DatabaseWriteLocks).
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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/run_events.h"
#include "core/worker_stats.h"
#include "executor/attempt_runner.h"
#include "executor/executor_process.h"
#include "worker/database_write_locks.h"
#include "worker/run_executor.h"

namespace orc {

struct WorkerManagerOptions {
  int workers = 2;
  Duration lease = std::chrono::seconds(30);
  // How often leases are renewed and cancel requests of other processes are looked for.
  Duration heartbeat = std::chrono::seconds(1);
  // How often idle workers look for runs queued by another process.
  Duration poll_interval = std::chrono::seconds(1);
  // How often expired leases, and runs of nodes whose heartbeat stopped, are looked for.
  Duration reap_interval = std::chrono::seconds(5);
  // A node silent this long is lost: its runs are taken back (ClusterStore, NodeHeartbeat).
  Duration node_timeout = std::chrono::seconds(5);
  // The name on the runs held here: this node's id. Empty: a new one (NewNodeId).
  std::string node_id;
  // How each worker's executor process is started and confined. The settings' data directory,
  // allowed directories and protected files are also what this side checks paths against.
  ExecutorOptions executor;
  // The environment variables jobs may reference as ${env:NAME}.
  SecretPolicy secrets;
  // Memory per task unless its job or itself says otherwise, in MiB; 0: no limit.
  int64_t task_memory_mb = 2048;
  // Makes the runner of one worker, called once per worker by Start(). Empty (orc's case): an
  // ExecutorProcess started with `executor`. Tests put in-process runners here.
  std::function<std::unique_ptr<AttemptRunner>()> make_runner;
};

class WorkerManager final : public RunEvents, public WorkerStatsSource {
 public:
  // `random` draws the jitter of retry delays; like the others, borrowed for the manager's life.
  // The manager itself uses the store's RunQueue and RunLogStore; it takes the whole store because
  // the RunExecutor it hands each run to (ExecutionEnvironment) reads the run's job and task runs.
  WorkerManager(StateStore& store, const PluginRegistry& plugins, Clock& clock,
                RandomSource& random, WorkerManagerOptions options);
  ~WorkerManager() override;  // Shutdown(0) if still running
  WorkerManager(const WorkerManager&) = delete;
  WorkerManager& operator=(const WorkerManager&) = delete;

  // Recovers expired leases, starts each worker's runner (executor process), then the workers and
  // the supervisor. Unavailable when a runner cannot be started.
  Status Start();
  void Shutdown(Duration grace);

  void RunEnqueued() override;
  void CancelRequested(const std::string& run_id) override;

  // This node lost contact with the state database for long enough that other nodes may take its
  // runs over (NodeHeartbeat): every run held here stops as if its lease were lost — nothing more
  // of it is written — and no run is claimed until Unfence(). Unfence() gives the runs it stopped
  // back to the queue once their attempts ended (those another node took meanwhile are refused
  // by the store and left alone), so they run again at once instead of after their lease.
  void Fence();
  void Unfence();
  // The owner name on the runs held here.
  const std::string& node_id() const { return owner_; }

  WorkerStats stats() const override;
  // How the runners (executor processes) confine themselves, as the first one reported (after
  // Start()).
  std::string sandbox() const;

 private:
  struct Worker {
    explicit Worker(std::unique_ptr<AttemptRunner> runner) : runner(std::move(runner)) {}
    WakeSignal wake;
    std::unique_ptr<AttemptRunner> runner;  // used by `thread` only
    std::thread thread;
  };

  void WorkerLoop(Worker& worker);
  void Execute(Worker& worker, const Run& run);
  void SupervisorLoop();
  void Heartbeat();
  void Reap();
  void WakeAll();
  void RecordFinish(const Run& run, const RunOutcome& outcome);
  // Gives runs stopped by a fence back to the queue, where this node still holds them.
  void ReleaseFenced(const std::vector<std::string>& run_ids);

  StateStore& store_;
  Clock& clock_;
  const WorkerManagerOptions options_;
  const PathPolicy paths_;
  DatabaseWriteLocks database_locks_;
  ExecutionEnvironment environment_;
  const std::string owner_;  // this process's name on the runs it holds: host:pid:random

  std::atomic<bool> stopping_{false};             // no more claims
  std::atomic<bool> fenced_{false};               // no claims while the node is silent
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
  std::set<std::string> fenced_runs_;    // stopped by Fence(), still held or not yet given back
  std::vector<std::string> to_release_;  // fenced runs whose attempt ended, for Unfence()
  WorkerStats stats_;
  bool started_ = false;
};

}  // namespace orc
