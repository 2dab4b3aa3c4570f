// What a job's schedule means. A job without a schedule runs only when asked (the API, a
// backfill): its schedule is unset, empty or "@manual" (any case), all three alike. Everything
// that asks whether or when a job fires by itself asks here.
#pragma once

#include <optional>

#include "common/clock.h"
#include "common/status.h"
#include "core/job.h"
#include "cron/cron_schedule.h"

namespace orc {

// True when the job names a schedule that fires by itself (whether or not the job is paused, and
// whether or not the schedule parses).
bool HasSchedule(const Job& job);

// The job's schedule in its time zone; nullopt for a job without one (HasSchedule false).
// InvalidArgument from CronSchedule::Parse for a schedule or time zone that cannot be read.
Result<std::optional<CronSchedule>> ScheduleOf(const Job& job);

// When the job fires next after `now`: nullopt for a paused job, one without a schedule, or one
// whose schedule cannot be read (a stored job was validated, so never in practice) or never fires
// again.
std::optional<TimePoint> NextRunAt(const Job& job, TimePoint now);

// A run's data interval: what it loads is what happened in [start, end).
struct DataInterval {
  TimePoint start{};
  TimePoint end{};

  friend bool operator==(const DataInterval&, const DataInterval&) = default;
};

// The last fire time of `schedule` strictly before `time`; nullopt when it never fired before
// (within the years a schedule can name).
std::optional<TimePoint> PreviousFireBefore(const CronSchedule& schedule, TimePoint time);

// The interval of the slot `slot`: from the fire time before it to it, as Airflow's data interval.
// A slot without an earlier fire time (the first of a yearly schedule's range) gets an empty
// interval at the slot.
DataInterval SlotInterval(const CronSchedule& schedule, TimePoint slot);

// The interval a manual run of `job` gets when its caller names none: the latest completed one
// (the one ending at the last fire time at or before `now`); for a job without a schedule, or one
// that never fired, the empty interval at `now`.
DataInterval LatestInterval(const Job& job, TimePoint now);

}  // namespace orc
