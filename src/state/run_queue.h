// RunQueue: the role of the state store that moves runs through their lives (core/run.h): queues
// them, hands each to exactly one worker under a lease, and records how it ended. The API queues
// runs and asks to cancel them, the scheduler queues one run per schedule slot, and the workers
// claim, renew, finish, release and reclaim runs and save the task runs of the runs they hold.
//
// A run changes status only from the status the change expects (a finished run never runs
// again), and only the owner of a run's lease writes to it; because the store enforces that,
// several threads and several orc processes can share one queue: ClaimRun() hands each queued run
// to exactly one caller.
//
// Errors: NotFound (no such job or run), AlreadyExists (the schedule slot has a run), Conflict
// (the run's status or owner forbids the change; the message says which), InvalidArgument,
// Unavailable (the store cannot be reached now: try again), Internal. Thread safety: all methods
// are safe to call concurrently.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/new_run.h"
#include "core/run.h"

namespace orc {

struct RunOutcome {
  RunStatus status = RunStatus::kSuccess;  // success, failed or cancelled
  std::string error_message;
  int64_t rows_extracted = 0;
  int64_t rows_loaded = 0;
  std::vector<TaskRun> task_runs;  // final task runs, saved in the same transaction
};

struct LeaseState {
  TimePoint expires_at{};
  bool cancel_requested = false;  // someone asked to cancel: stop and finish as cancelled
};

struct ReclaimedRuns {
  std::vector<std::string> requeued;   // lease expired, attempts left: queued again
  std::vector<std::string> failed;     // lease expired, no attempts left: failed ("worker lost")
  std::vector<std::string> cancelled;  // lease expired after a cancel request
};

class RunQueue {
 public:
  virtual ~RunQueue() = default;

  // Queues a run. NotFound for an unknown job; AlreadyExists when the job already has a run for
  // new_run.scheduled_for.
  virtual Result<Run> EnqueueRun(const NewRun& new_run) = 0;
  // Queues one run per schedule slot (each new_run has scheduled_for), in one transaction; a slot
  // that already has a run is skipped, so asking twice (or two processes asking) queues nothing
  // new. Returns the runs created, in the order asked. NotFound for an unknown job.
  virtual Result<std::vector<Run>> EnqueueSlots(const std::vector<NewRun>& new_runs) = 0;
  // The latest schedule slot each job has a run for (runs with scheduled_for), by job_id.
  virtual Result<std::map<std::string, TimePoint>> LatestSlots() = 0;
  // Atomically takes the oldest due queued run whose job is below its max_active_runs, marks it
  // running under `owner` with a lease until now + lease, and returns it; nullopt when none.
  virtual Result<std::optional<Run>> ClaimRun(const std::string& owner, Duration lease) = 0;
  // Extends the lease of a run `owner` holds. Conflict when it is not running under `owner`.
  virtual Result<LeaseState> RenewLease(const std::string& run_id, const std::string& owner,
                                        Duration lease) = 0;
  // Ends a run `owner` holds with a final status and saves outcome.task_runs, atomically.
  // Conflict when it is not running under `owner`; InvalidArgument for a task run of another run.
  virtual Result<Run> FinishRun(const std::string& run_id, const std::string& owner,
                                const RunOutcome& outcome) = 0;
  // Gives a held run back to the queue without counting the attempt (graceful shutdown).
  virtual Status ReleaseRun(const std::string& run_id, const std::string& owner) = 0;
  // Queued: cancelled at once. Running: cancel_requested is set for the owner to act on. Conflict
  // when the run already finished.
  virtual Result<Run> RequestCancel(const std::string& run_id) = 0;
  // Runs whose worker was lost — their lease expired, or their owner is a registered node
  // (ClusterStore) whose heartbeat is older than `node_timeout` — are queued again (attempt
  // counted) while attempts remain, else failed with "worker lost"; cancelled if a cancel was
  // requested. Reads only when there is nothing to take back.
  virtual Result<ReclaimedRuns> ReclaimExpiredLeases(Duration node_timeout) = 0;
  // Inserts or replaces the task run for (run_id, task_id) of a run `owner` holds. Conflict when
  // the run is not running under `owner` (its lease expired and another worker took it over, or
  // it finished); NotFound when the run does not exist.
  virtual Status SaveTaskRun(const TaskRun& task_run, const std::string& owner) = 0;
};

}  // namespace orc
