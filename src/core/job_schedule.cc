#include "core/job_schedule.h"

#include <utility>

#include <date/date.h>

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

std::optional<TimePoint> PreviousFireBefore(const CronSchedule& schedule, TimePoint time) {
  // Cron walks forward only: look back over a window that doubles until it holds a fire time,
  // then walk forward through the window to the last one before `time`. The window is at most
  // twice the gap before `time`, so the walk is short for any schedule but the densest bursts;
  // starting at a second (a fire time is a whole second), a schedule firing every few seconds,
  // whose slots the scheduler asks this of, finds its previous fire in a step or two.
  const TimePoint floor = TimePoint(date::sys_days(date::year(CronSchedule::kMinYear) / 1 / 1)) -
                          std::chrono::seconds(1);
  Duration window = std::chrono::seconds(1);
  while (true) {
    const TimePoint from = time - window > floor ? time - window : floor;
    std::optional<TimePoint> fire = schedule.NextAfter(from);
    if (fire && *fire < time) {
      TimePoint last = *fire;
      while (true) {
        std::optional<TimePoint> next = schedule.NextAfter(last);
        if (!next || *next >= time) return last;
        last = *next;
      }
    }
    if (from == floor) return std::nullopt;
    window *= 2;
  }
}

DataInterval SlotInterval(const CronSchedule& schedule, TimePoint slot) {
  return {.start = PreviousFireBefore(schedule, slot).value_or(slot), .end = slot};
}

DataInterval LatestInterval(const Job& job, TimePoint now) {
  Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
  if (!schedule.ok() || !*schedule) return {.start = now, .end = now};
  // The last fire at or before now: strictly before the next whole second after it.
  const TimePoint after_now =
      std::chrono::floor<std::chrono::seconds>(now) + std::chrono::seconds(1);
  const std::optional<TimePoint> end = PreviousFireBefore(**schedule, after_now);
  if (!end) return {.start = now, .end = now};
  return SlotInterval(**schedule, *end);
}

}  // namespace orc
