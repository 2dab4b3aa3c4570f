#include "core/job_schedule.h"

#include <utility>

namespace orc {

bool HasSchedule(const Job& job) { return job.schedule && !IsManualSchedule(*job.schedule); }

Result<std::optional<CronSchedule>> ScheduleOf(const Job& job) {
  if (!HasSchedule(job)) return std::optional<CronSchedule>();
  ORC_ASSIGN_OR_RETURN(CronSchedule schedule, CronSchedule::Parse(*job.schedule, job.timezone));
  return std::optional<CronSchedule>(std::move(schedule));
}

std::optional<TimePoint> NextRunAt(const Job& job, TimePoint now) {
  if (!job.is_active) return std::nullopt;
  Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
  if (!schedule.ok() || !*schedule) return std::nullopt;
  return (*schedule)->NextAfter(now);
}

}  // namespace orc
