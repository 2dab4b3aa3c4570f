// Scheduler: fires the cron schedules of active jobs. Each slot becomes exactly one queued run
// (triggered_by "scheduler", scheduled_for = the slot): the state store's unique (job_id,
// scheduled_for) key makes restarts, several orc processes on one database and schedule edits
// unable to create a duplicate.
//
// Timer-driven: the scheduler thread sleeps on the injected Clock until the earliest next fire time
// and is woken by JobChanged(). All slots that fall due together are enqueued in one transaction.
// Jobs changed by other processes arrive through JobChanged() too (state/change_feed.h); the
// resync every resync_interval is the fallback.
//
// Leadership (options.leadership set, as in orc serve): of the schedulers sharing a database one
// leads and fires; the others stand by, reading only the term (ClusterStore::TryLead every
// renew_interval), and take over once it expires (`term` after the leader's last renewal; at
// once when the leader stopped cleanly). A leader that cannot renew its term for half of it stops
// firing, before anyone can take over. A new leader replays every slot since the previous leader
// last renewed (all of them, whatever the job's catchup: the schedule did not stop, its scheduler
// moved), when that was within a minute plus a term; after a longer gap it recovers as after
// downtime. The store's unique slot key drops a slot that both enqueue.
//
// Semantics: a schedule applies from when it was written; an edit never replays past slots; a
// paused job gets no new slots. After downtime (at start), a job whose slots were missed gets one
// run for the most recent missed slot, or with catchup one per missed slot, oldest first, at most
// max_catchup (logged when capped). Backfill() enqueues past slots on request.
//
// It reads jobs from a JobStore and queues their slots on a RunQueue (usually both the one
// StateStore); both must outlive it.
//
// Thread safety: all public methods are safe from any thread.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "core/run_events.h"
#include "core/slot_planner.h"
#include "cron/cron_schedule.h"
#include "state/cluster_store.h"
#include "state/job_store.h"
#include "state/run_queue.h"
#include "state/state_store.h"

namespace orc {

struct SchedulerOptions {
  Duration resync_interval = std::chrono::seconds(30);
  int max_catchup = 1000;  // runs per job and per backfill
  // Null: this scheduler always fires (a single process, tests). Else it fires only while it
  // holds the "scheduler" term in this store, as `node_id`.
  ClusterStore* leadership = nullptr;
  std::string node_id;
  Duration term = std::chrono::seconds(5);
  Duration renew_interval = std::chrono::seconds(1);
};

class Scheduler final : public SlotPlanner {
 public:
  // `run_events` (may be null) is told when runs were queued, so local workers start at once.
  Scheduler(JobStore& jobs, RunQueue& runs, Clock& clock, RunEvents* run_events,
            SchedulerOptions options = {});
  // The jobs and the queue of one state store.
  Scheduler(StateStore& store, Clock& clock, RunEvents* run_events, SchedulerOptions options = {})
      : Scheduler(store, store, clock, run_events, options) {}
  ~Scheduler() override;  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Loads the active scheduled jobs, enqueues what was missed while no scheduler ran, and starts
  // the scheduler thread.
  Status Start();
  void Stop();

  // `job_id` was created, replaced, patched (paused, resumed) or deleted: re-plan it now, from now
  // on. Does not block.
  void JobChanged(const std::string& job_id) override;

  // One run per slot of `job_id` with start <= slot <= end (triggered_by "backfill"), skipping
  // slots that have a run; also for paused jobs. Returns the runs created. InvalidArgument for a
  // job without schedule, end < start, or more than max_catchup slots.
  Result<std::vector<Run>> Backfill(const std::string& job_id, TimePoint start, TimePoint end);
  // The runs Backfill() would enqueue, one per slot, for the caller to enqueue (as an
  // idempotent request does, with its key); errors as Backfill().
  Result<std::vector<NewRun>> BackfillSlots(const std::string& job_id, TimePoint start,
                                            TimePoint end) override;

  // Notifications may have been missed (the change feed reconnected): re-read every job soon.
  void ResyncSoon();

  // How many jobs are scheduled now (for tests and metrics).
  size_t scheduled_jobs() const;
  // Whether this scheduler fires now: it leads, or leadership is off.
  bool leading() const { return leading_.load(); }

 private:
  struct Planned {
    CronSchedule schedule;
    bool catchup = false;
    std::string params = "{}";  // the job's parameter defaults: a scheduled run's values
    uint64_t generation = 0;    // matches the heap entries that are still current
  };
  struct Fire {
    TimePoint at;
    std::string job_id;
    uint64_t generation;
    bool operator>(const Fire& other) const { return at > other.at; }
  };

  void Loop();
  // Re-plans every job from the store; `recover` also enqueues slots missed since the last run:
  // with `replay_since`, every slot after it (a takeover), else as after downtime.
  Status Resync(bool recover, std::optional<TimePoint> replay_since = std::nullopt);
  // Takes or renews the term; becomes leader (replaying what was missed) or stands by.
  void Lead(TimePoint now);
  void StandBy(const std::string& why);
  // Re-plans one job (after a change): from now on, no replay.
  void Replan(const std::string& job_id);
  // Enqueues every fire due at `now` and plans each job's next one.
  void FireDue(TimePoint now);
  void Plan(const std::string& job_id, Planned planned, TimePoint after);
  // Appends the runs for `job_id`'s slots in (after, now]: the latest one, or with catchup the
  // latest max_catchup, oldest first (logged, naming `label`, when more were due), each with its
  // data interval and the parameters' defaults.
  void AddDueSlots(const std::string& label, const std::string& job_id, const Planned& planned,
                   TimePoint after, TimePoint now, std::vector<NewRun>& slots) const;
  void Enqueue(std::vector<NewRun> slots);

  JobStore& jobs_;
  RunQueue& runs_;
  Clock& clock_;
  RunEvents* run_events_;
  const SchedulerOptions options_;

  WakeSignal wake_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> resync_soon_{false};
  bool started_ = false;
  std::atomic<bool> leading_{true};  // false while standing by (leadership only)
  TimePoint renewed_at_{};           // the start of the last successful renewal (Loop's thread)
  std::optional<TimePoint> replay_since_;  // a takeover's replay not done yet (Loop's thread)

  mutable std::mutex mutex_;              // guards the members below
  std::set<std::string> changed_;         // jobs to re-plan (JobChanged)
  std::map<std::string, Planned> plans_;  // scheduled jobs
  std::priority_queue<Fire, std::vector<Fire>, std::greater<>> fires_;
  uint64_t next_generation_ = 1;
};

}  // namespace orc
