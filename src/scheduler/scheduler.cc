#include "scheduler/scheduler.h"

#include <spdlog/spdlog.h>

#include <deque>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "core/job_schedule.h"
#include "core/params.h"

namespace orc {
namespace {

// Bounds the slots walked to find what was missed during a long downtime (a one-second schedule
// down for 115 days); past it, the slots walked so far stand.
constexpr int64_t kMaxSlotsWalked = 10'000'000;

// The most recent slot in (from, now].
std::optional<TimePoint> LatestSlot(const CronSchedule& schedule, TimePoint from, TimePoint now) {
  const std::optional<TimePoint> latest =
      PreviousFireBefore(schedule, now + std::chrono::microseconds(1));
  if (!latest || *latest <= from) return std::nullopt;
  return latest;
}

// The leadership term the schedulers sharing a database compete for.
constexpr char kSchedulerTerm[] = "scheduler";
// A new leader replays the slots since the previous one last renewed when that was at most this
// long (plus a term) ago; after a longer gap (every scheduler was down) it recovers as a single
// scheduler does after downtime, following each job's catchup.
constexpr Duration kReplayWindow = std::chrono::minutes(1);

// A scheduled run's parameters: the job's defaults (a scheduled job's parameters all have one).
std::string DefaultParams(const Job& job) {
  Result<nlohmann::json> values = RunParams(job.params, nullptr);
  return values.ok() ? values->dump() : "{}";
}

}  // namespace

Scheduler::Scheduler(JobStore& jobs, RunQueue& runs, Clock& clock, RunEvents* run_events,
                     SchedulerOptions options)
    : jobs_(jobs), runs_(runs), clock_(clock), run_events_(run_events), options_(options) {}

Scheduler::~Scheduler() { Stop(); }

Status Scheduler::Start() {
  if (options_.leadership != nullptr) {
    leading_ = false;
    Lead(clock_.Now());  // leads at once when nobody does; else stands by
  } else {
    ORC_RETURN_IF_ERROR(Resync(/*recover=*/true));
  }
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Scheduler::Stop() {
  if (!started_ || stopping_.exchange(true)) return;
  wake_.Wake();
  thread_.join();
  if (options_.leadership != nullptr && leading_.load()) {
    // A standby takes over at its next look instead of waiting for the term to run out.
    if (Status stepped = options_.leadership->StepDown(kSchedulerTerm, options_.node_id);
        !stepped.ok()) {
      spdlog::warn("scheduler: cannot hand the lead on: {}", stepped.message());
    }
  }
}

void Scheduler::ResyncSoon() {
  resync_soon_ = true;
  wake_.Wake();
}

void Scheduler::Lead(TimePoint now) {
  Result<Leadership> term =
      options_.leadership->TryLead(kSchedulerTerm, options_.node_id, options_.term);
  if (!term.ok()) {
    // Stop firing well before a standby may take over (renewed_at_ + term).
    if (leading_.load() && now - renewed_at_ >= options_.term / 2) {
      StandBy("cannot renew its term: " + term.status().message());
    } else {
      spdlog::debug("scheduler: cannot read the term: {}", term.status().message());
    }
    return;
  }
  if (!term->leading) {
    if (leading_.load()) StandBy("node " + term->holder + " leads");
    return;
  }
  renewed_at_ = now;
  if (leading_.load()) return;
  if (term->previous_renewed_at) replay_since_ = term->previous_renewed_at;
  std::optional<TimePoint> replay = replay_since_;
  if (replay && now - *replay > options_.term + kReplayWindow) replay.reset();
  if (Status synced = Resync(/*recover=*/true, replay); !synced.ok()) {
    spdlog::warn("scheduler: leads, but cannot read the jobs yet: {}", synced.message());
    return;  // tried again at the next renewal
  }
  replay_since_.reset();
  leading_ = true;
  spdlog::info("scheduler: leading (node {}): {} scheduled jobs", options_.node_id,
               scheduled_jobs());
}

void Scheduler::StandBy(const std::string& why) {
  leading_ = false;
  {
    std::lock_guard lock(mutex_);
    plans_.clear();
    fires_ = {};
    changed_.clear();
  }
  spdlog::warn("scheduler: standing by: {}", why);
}

void Scheduler::JobChanged(const std::string& job_id) {
  {
    std::lock_guard lock(mutex_);
    changed_.insert(job_id);
  }
  wake_.Wake();
}

size_t Scheduler::scheduled_jobs() const {
  std::lock_guard lock(mutex_);
  return plans_.size();
}

void Scheduler::Loop() {
  TimePoint next_resync = clock_.Now() + options_.resync_interval;
  TimePoint next_renewal = clock_.Now() + options_.renew_interval;
  const bool elected = options_.leadership != nullptr;
  while (!stopping_.load()) {
    TimePoint now = clock_.Now();
    if (elected && now >= next_renewal) {
      Lead(now);
      next_renewal = now + options_.renew_interval;
      now = clock_.Now();
    }
    std::set<std::string> changed;
    {
      std::lock_guard lock(mutex_);
      changed.swap(changed_);
    }
    if (leading_.load()) {
      // Fire first: a re-plan starts after `now`, and must not pass over a slot due at `now`.
      FireDue(now);
      for (const std::string& job_id : changed) Replan(job_id);
      if (now >= next_resync || resync_soon_.exchange(false)) {
        if (Status synced = Resync(/*recover=*/false); !synced.ok()) {
          spdlog::warn("scheduler: cannot read the jobs: {}", synced.message());
        }
        next_resync = now + options_.resync_interval;
      }
    }
    // A standby only looks at the term; it resyncs when it takes over.
    TimePoint deadline = leading_.load() ? next_resync : next_renewal;
    if (elected) deadline = std::min(deadline, next_renewal);
    {
      std::lock_guard lock(mutex_);
      if (!fires_.empty()) deadline = std::min(deadline, fires_.top().at);
    }
    clock_.WaitUntil(wake_, deadline);
  }
}

Status Scheduler::Resync(bool recover, std::optional<TimePoint> replay_since) {
  std::vector<std::pair<Job, CronSchedule>> jobs;
  for (int offset = 0;; offset += 1000) {
    ORC_ASSIGN_OR_RETURN(Page<Job> page,
                         jobs_.ListJobs({.limit = 1000, .offset = offset, .is_active = true}));
    for (Job& job : page.items) {
      Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
      if (!schedule.ok()) {
        spdlog::warn("scheduler: job {} has an unusable schedule: {}", job.job_name,
                     schedule.status().message());
        continue;
      }
      if (*schedule) jobs.emplace_back(std::move(job), std::move(**schedule));
    }
    if (page.items.size() < 1000) break;
  }
  ORC_ASSIGN_OR_RETURN(auto latest_slots, runs_.LatestSlots());
  const TimePoint now = clock_.Now();
  std::vector<NewRun> missed;
  std::map<std::string, std::pair<Planned, TimePoint>> planned;  // job -> plan, plan after
  for (auto& [job, schedule] : jobs) {
    // The schedule applies from when it was written, or after the last slot that has a run.
    TimePoint from = job.updated_at;
    if (const auto found = latest_slots.find(job.job_id); found != latest_slots.end()) {
      from = std::max(from, found->second);
    }
    Planned plan{
        .schedule = std::move(schedule), .catchup = job.catchup, .params = DefaultParams(job)};
    if (recover && from < now) {
      if (replay_since) {
        // A takeover: every slot the previous leader may have missed, a term of margin before
        // its last renewal; slots it did enqueue are dropped by the unique key.
        Planned every = plan;
        every.catchup = true;
        AddDueSlots(job.job_name, job.job_id, every, std::max(from, *replay_since - options_.term),
                    now, missed);
      } else {
        AddDueSlots(job.job_name, job.job_id, plan, from, now, missed);
      }
    }
    planned.emplace(job.job_id, std::pair(std::move(plan), std::max(from, now)));
  }
  {
    std::lock_guard lock(mutex_);
    plans_.clear();
    fires_ = {};
    for (auto& [job_id, entry] : planned) Plan(job_id, std::move(entry.first), entry.second);
  }
  if (!missed.empty()) {
    spdlog::info("scheduler: queuing {} run{} for slots missed while {}", missed.size(),
                 missed.size() == 1 ? "" : "s",
                 replay_since ? "the lead changed hands" : "no scheduler ran");
    Enqueue(std::move(missed));
  }
  return Status::Ok();
}

void Scheduler::Replan(const std::string& job_id) {
  Result<Job> job = jobs_.GetJob(job_id);
  std::lock_guard lock(mutex_);
  plans_.erase(job_id);  // its queued fires go stale
  if (!job.ok() || !job->is_active) return;
  Result<std::optional<CronSchedule>> schedule = ScheduleOf(*job);
  if (!schedule.ok() || !*schedule) return;
  Plan(job_id,
       Planned{.schedule = std::move(**schedule),
               .catchup = job->catchup,
               .params = DefaultParams(*job)},
       clock_.Now());
}

// Requires mutex_.
void Scheduler::Plan(const std::string& job_id, Planned planned, TimePoint after) {
  planned.generation = next_generation_++;
  const std::optional<TimePoint> next = planned.schedule.NextAfter(after);
  if (next) fires_.push(Fire{*next, job_id, planned.generation});
  plans_.insert_or_assign(job_id, std::move(planned));
}

void Scheduler::FireDue(TimePoint now) {
  std::vector<NewRun> slots;
  {
    std::lock_guard lock(mutex_);
    while (!fires_.empty() && fires_.top().at <= now) {
      const Fire fire = fires_.top();
      fires_.pop();
      const auto plan = plans_.find(fire.job_id);
      if (plan == plans_.end() || plan->second.generation != fire.generation) continue;  // stale
      // Normally only this fire is due; after a stall, later slots may be too.
      AddDueSlots(fire.job_id, fire.job_id, plan->second, fire.at - std::chrono::microseconds(1),
                  now, slots);
      const std::optional<TimePoint> next = plan->second.schedule.NextAfter(now);
      if (next) fires_.push(Fire{*next, fire.job_id, fire.generation});
    }
  }
  if (!slots.empty()) Enqueue(std::move(slots));
}

void Scheduler::AddDueSlots(const std::string& label, const std::string& job_id,
                            const Planned& planned, TimePoint after, TimePoint now,
                            std::vector<NewRun>& slots) const {
  const CronSchedule& schedule = planned.schedule;
  // `start`: the slot before `at`, where the caller walked past it already.
  auto add = [&](TimePoint at, std::optional<TimePoint> start) {
    slots.push_back(NewRun{.job_id = job_id,
                           .triggered_by = TriggeredBy::kScheduler,
                           .scheduled_for = at,
                           .available_at = at,
                           .interval_start = start ? *start : SlotInterval(schedule, at).start,
                           .interval_end = at,
                           .params = planned.params});
  };
  if (!planned.catchup) {
    if (std::optional<TimePoint> latest = LatestSlot(schedule, after, now)) {
      add(*latest, std::nullopt);
    }
    return;
  }
  // The most recent max_catchup slots, oldest first.
  std::deque<TimePoint> due;
  int64_t total = 0;
  for (std::optional<TimePoint> at = schedule.NextAfter(after); at && *at <= now;
       at = schedule.NextAfter(*at)) {
    due.push_back(*at);
    if (static_cast<int>(due.size()) > options_.max_catchup) due.pop_front();
    if (++total >= kMaxSlotsWalked) break;
  }
  if (total > options_.max_catchup) {
    spdlog::warn("scheduler: job {} missed {} slots; catching up the latest {}", label, total,
                 options_.max_catchup);
  }
  std::optional<TimePoint> previous;
  for (TimePoint at : due) {
    add(at, previous);
    previous = at;
  }
}

void Scheduler::Enqueue(std::vector<NewRun> slots) {
  Result<std::vector<Run>> created = runs_.EnqueueSlots(slots);
  if (!created.ok()) {
    // One job deleted meanwhile fails the batch: enqueue the others one by one.
    spdlog::warn("scheduler: cannot queue {} runs together ({}); queuing them one by one",
                 slots.size(), created.status().message());
    size_t queued = 0;
    for (const NewRun& slot : slots) {
      Result<std::vector<Run>> one = runs_.EnqueueSlots({slot});
      if (one.ok()) {
        queued += one->size();
      } else if (one.status().code() != StatusCode::kNotFound) {
        spdlog::error("scheduler: cannot queue the run of job {} for {}: {}", slot.job_id,
                      FormatRfc3339(*slot.scheduled_for), one.status().message());
      }
    }
    if (queued > 0 && run_events_ != nullptr) run_events_->RunEnqueued();
    return;
  }
  if (!created->empty() && run_events_ != nullptr) run_events_->RunEnqueued();
}

Result<std::vector<NewRun>> Scheduler::BackfillSlots(const std::string& job_id, TimePoint start,
                                                     TimePoint end) {
  ORC_ASSIGN_OR_RETURN(Job job, jobs_.GetJob(job_id));
  ORC_ASSIGN_OR_RETURN(std::optional<CronSchedule> schedule, ScheduleOf(job));
  if (!schedule) {
    return InvalidArgumentError("job " + job.job_name + " has no schedule to backfill");
  }
  if (end < start) return InvalidArgumentError("end is before start").WithField("end");
  const std::string params = DefaultParams(job);
  std::vector<NewRun> slots;
  std::optional<TimePoint> previous;  // the slot before, once the walk has passed one
  for (std::optional<TimePoint> at = schedule->NextAfter(start - std::chrono::microseconds(1));
       at && *at <= end; previous = at, at = schedule->NextAfter(*at)) {
    if (static_cast<int>(slots.size()) >= options_.max_catchup) {
      return InvalidArgumentError("more than " + std::to_string(options_.max_catchup) +
                                  " slots from " + FormatRfc3339(start) + " to " +
                                  FormatRfc3339(end) + "; backfill a shorter range at a time")
          .WithField("end");
    }
    slots.push_back(
        NewRun{.job_id = job_id,
               .triggered_by = TriggeredBy::kBackfill,
               .scheduled_for = *at,
               .interval_start = previous ? *previous : SlotInterval(*schedule, *at).start,
               .interval_end = *at,
               .params = params});
  }
  return slots;
}

Result<std::vector<Run>> Scheduler::Backfill(const std::string& job_id, TimePoint start,
                                             TimePoint end) {
  ORC_ASSIGN_OR_RETURN(std::vector<NewRun> slots, BackfillSlots(job_id, start, end));
  ORC_ASSIGN_OR_RETURN(std::vector<Run> created, runs_.EnqueueSlots(slots));
  if (!created.empty() && run_events_ != nullptr) run_events_->RunEnqueued();
  return created;
}

}  // namespace orc
