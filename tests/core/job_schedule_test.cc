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

}  // namespace
}  // namespace orc
