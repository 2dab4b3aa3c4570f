#include "core/job_schedule.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace orc {
namespace {

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

Job WithSchedule(std::optional<std::string> schedule, std::string timezone = "UTC") {
  Job job;
  job.schedule = std::move(schedule);
  job.timezone = std::move(timezone);
  return job;
}

// Unset, empty and "@manual" all mean the same: the job runs only when asked.
TEST(JobScheduleTest, NoScheduleHasThreeSpellings) {
  for (const std::optional<std::string>& none :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>("@manual"), std::optional<std::string>(" @MANUAL ")}) {
    const Job job = WithSchedule(none);
    EXPECT_FALSE(HasSchedule(job)) << none.value_or("(unset)");
    Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
    ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
    EXPECT_FALSE(schedule->has_value());
    EXPECT_EQ(NextRunAt(job, At("2026-01-01T00:00:00Z")), std::nullopt);
  }
}

TEST(JobScheduleTest, ScheduleIsReadInTheJobsTimeZone) {
  const Job job = WithSchedule("0 9 * * *", "Europe/Berlin");
  EXPECT_TRUE(HasSchedule(job));
  Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  ASSERT_TRUE(schedule->has_value());
  EXPECT_EQ((*schedule)->NextAfter(At("2026-01-01T00:00:00Z")), At("2026-01-01T08:00:00Z"));
  EXPECT_EQ(NextRunAt(job, At("2026-01-01T00:00:00Z")), At("2026-01-01T08:00:00Z"));
}

TEST(JobScheduleTest, UnreadableScheduleIsInvalidArgument) {
  const Job job = WithSchedule("0 25 * * *");
  EXPECT_TRUE(HasSchedule(job));
  EXPECT_EQ(ScheduleOf(job).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NextRunAt(job, At("2026-01-01T00:00:00Z")), std::nullopt);
}

TEST(JobScheduleTest, UnknownTimeZoneIsInvalidArgument) {
  EXPECT_EQ(ScheduleOf(WithSchedule("@daily", "Mars/Olympus")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(JobScheduleTest, PausedJobHasNoNextRunButKeepsItsSchedule) {
  Job job = WithSchedule("@hourly");
  job.is_active = false;
  EXPECT_TRUE(HasSchedule(job));
  EXPECT_EQ(NextRunAt(job, At("2026-01-01T00:30:00Z")), std::nullopt);
  job.is_active = true;
  EXPECT_EQ(NextRunAt(job, At("2026-01-01T00:30:00Z")), At("2026-01-01T01:00:00Z"));
}

TEST(JobScheduleTest, ScheduleThatNeverFiresAgainHasNoNextRun) {
  const Job job = WithSchedule("0 0 0 1 1 * 2030");
  EXPECT_EQ(NextRunAt(job, At("2029-06-01T00:00:00Z")), At("2030-01-01T00:00:00Z"));
  EXPECT_EQ(NextRunAt(job, At("2030-06-01T00:00:00Z")), std::nullopt);
}

// A scheduled run's data interval is from the slot before its slot to its slot.
TEST(JobScheduleTest, SlotIntervalRunsFromThePreviousSlot) {
  const CronSchedule daily = *CronSchedule::Parse("0 0 * * *");
  EXPECT_EQ(SlotInterval(daily, At("2026-11-30T00:00:00Z")),
            (DataInterval{At("2026-11-29T00:00:00Z"), At("2026-11-30T00:00:00Z")}));
  const CronSchedule weekdays = *CronSchedule::Parse("30 6 * * MON-FRI");
  // Monday's slot follows Friday's.
  EXPECT_EQ(SlotInterval(weekdays, At("2026-11-30T06:30:00Z")).start, At("2026-11-27T06:30:00Z"));
  const CronSchedule every_second = *CronSchedule::Parse("* * * * * *");
  EXPECT_EQ(SlotInterval(every_second, At("2026-11-30T10:00:00Z")).start,
            At("2026-11-30T09:59:59Z"));
}

// A local-midnight schedule's interval spans the 23-hour day of a jump forward.
TEST(JobScheduleTest, SlotIntervalFollowsTheJobsTimeZone) {
  const CronSchedule paris = *CronSchedule::Parse("0 0 * * *", "Europe/Paris");
  const DataInterval interval = SlotInterval(paris, At("2026-03-29T22:00:00Z"));
  EXPECT_EQ(interval.start, At("2026-03-28T23:00:00Z"));
}

// A time before the schedule's first fire has no previous fire; the yearly schedule's answer is
// a year back, found without walking slot by slot.
TEST(JobScheduleTest, PreviousFireBeforeLooksBackAsFarAsItMust) {
  const CronSchedule yearly = *CronSchedule::Parse("0 0 1 1 *");
  EXPECT_EQ(PreviousFireBefore(yearly, At("2026-06-01T00:00:00Z")), At("2026-01-01T00:00:00Z"));
  EXPECT_EQ(PreviousFireBefore(yearly, At("2026-01-01T00:00:00Z")), At("2025-01-01T00:00:00Z"));
  EXPECT_EQ(PreviousFireBefore(yearly, At("1970-01-01T00:00:00Z")), std::nullopt);
  const CronSchedule once = *CronSchedule::Parse("0 0 0 1 1 * 2030");
  EXPECT_EQ(PreviousFireBefore(once, At("2029-12-31T00:00:00Z")), std::nullopt);
}

// A manual run's default interval is the latest completed one; a job without a schedule gets the
// empty interval at now.
TEST(JobScheduleTest, LatestIntervalIsTheLastCompletedOne) {
  EXPECT_EQ(LatestInterval(WithSchedule("0 0 * * *"), At("2026-11-30T15:00:00Z")),
            (DataInterval{At("2026-11-29T00:00:00Z"), At("2026-11-30T00:00:00Z")}));
  // A slot exactly at now has completed.
  EXPECT_EQ(LatestInterval(WithSchedule("0 0 * * *"), At("2026-11-30T00:00:00Z")).end,
            At("2026-11-30T00:00:00Z"));
  EXPECT_EQ(LatestInterval(WithSchedule(std::nullopt), At("2026-11-30T15:00:00Z")),
            (DataInterval{At("2026-11-30T15:00:00Z"), At("2026-11-30T15:00:00Z")}));
}

}  // namespace
}  // namespace orc
