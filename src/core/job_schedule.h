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

}  // namespace orc
