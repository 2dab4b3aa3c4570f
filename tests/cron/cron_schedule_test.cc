#include "cron/cron_schedule.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace orc {
namespace {

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::string Next(const CronSchedule& schedule, const char* after) {
  std::optional<TimePoint> next = schedule.NextAfter(At(after));
  return next ? FormatRfc3339(*next) : "never";
}

CronSchedule MustParse(std::string_view expression, std::string_view zone = "UTC") {
  Result<CronSchedule> schedule = CronSchedule::Parse(expression, zone);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  return *schedule;
}

// The next `count` fire times after `after`, in RFC 3339.
std::vector<std::string> Fires(const CronSchedule& schedule, const char* after, int count) {
  std::vector<std::string> fires;
  TimePoint time = At(after);
  for (int i = 0; i < count; ++i) {
    std::optional<TimePoint> next = schedule.NextAfter(time);
    if (!next) break;
    fires.push_back(FormatRfc3339(*next));
    time = *next;
  }
  return fires;
}

TEST(CronScheduleTest, SixFieldsHaveSecondsFirst) {
  CronSchedule nine = MustParse("0 0 9 * * *");
  EXPECT_EQ(Next(nine, "2026-11-27T08:59:59Z"), "2026-11-27T09:00:00.000Z");
  EXPECT_EQ(Next(nine, "2026-11-27T09:00:00Z"), "2026-11-28T09:00:00.000Z");
  EXPECT_EQ(Next(MustParse("*/15 * * * * *"), "2026-11-27T09:00:07.5Z"),
            "2026-11-27T09:00:15.000Z");
}

TEST(CronScheduleTest, FiveFieldsFireAtSecondZero) {
  CronSchedule every_five = MustParse("*/5 * * * *");
  EXPECT_EQ(Next(every_five, "2026-11-27T09:00:00Z"), "2026-11-27T09:05:00.000Z");
  EXPECT_EQ(Next(every_five, "2026-11-27T09:04:59.999Z"), "2026-11-27T09:05:00.000Z");
  EXPECT_EQ(Next(MustParse("10-40/10 2 * * *"), "2026-11-27T02:35:00Z"),
            "2026-11-27T02:40:00.000Z");
}

TEST(CronScheduleTest, SevenFieldsHaveAYear) {
  CronSchedule once = MustParse("0 30 12 1 JAN * 2030");
  EXPECT_EQ(Next(once, "2026-11-27T00:00:00Z"), "2030-01-01T12:30:00.000Z");
  EXPECT_EQ(Next(once, "2030-01-01T12:30:00Z"), "never");
}

TEST(CronScheduleTest, NamesListsRangesAndStepsCombine) {
  CronSchedule schedule = MustParse("0 0 8-10/2,17 ? jan,Jul-AUG mon-fri");
  EXPECT_EQ(Fires(schedule, "2026-07-03T09:00:00Z", 4),
            (std::vector<std::string>{"2026-07-03T10:00:00.000Z", "2026-07-03T17:00:00.000Z",
                                      "2026-07-06T08:00:00.000Z", "2026-07-06T10:00:00.000Z"}));
}

TEST(CronScheduleTest, SundayIsZeroOrSeven) {
  const char* monday = "2026-11-30T00:00:00Z";
  EXPECT_EQ(Next(MustParse("0 12 * * 0"), monday), "2026-12-06T12:00:00.000Z");
  EXPECT_EQ(Next(MustParse("0 12 * * 7"), monday), "2026-12-06T12:00:00.000Z");
  EXPECT_EQ(Next(MustParse("0 12 * * SUN"), monday), "2026-12-06T12:00:00.000Z");
  EXPECT_EQ(Next(MustParse("0 12 * * 1"), monday), "2026-11-30T12:00:00.000Z");
  EXPECT_EQ(Next(MustParse("0 12 * * 5-7"), monday), "2026-12-04T12:00:00.000Z");
}

TEST(CronScheduleTest, RestrictedDayOfMonthAndWeekMatchEither) {
  // The 13th, and every Friday (Vixie cron): 2026-11-27 is a Friday, 2026-12-13 a Sunday.
  EXPECT_EQ(Fires(MustParse("0 0 13 * FRI"), "2026-11-27T00:00:00Z", 4),
            (std::vector<std::string>{"2026-12-04T00:00:00.000Z", "2026-12-11T00:00:00.000Z",
                                      "2026-12-13T00:00:00.000Z", "2026-12-18T00:00:00.000Z"}));
  // With "?" or "*" on one side only the other counts.
  EXPECT_EQ(Next(MustParse("0 0 13 * ?"), "2026-11-27T00:00:00Z"), "2026-12-13T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("0 0 * * FRI"), "2026-11-27T00:00:00Z"), "2026-12-04T00:00:00.000Z");
}

TEST(CronScheduleTest, LastDayOfMonth) {
  CronSchedule last = MustParse("0 0 18 L * *");
  EXPECT_EQ(Fires(last, "2028-01-31T18:00:00Z", 3),
            (std::vector<std::string>{"2028-02-29T18:00:00.000Z", "2028-03-31T18:00:00.000Z",
                                      "2028-04-30T18:00:00.000Z"}));
  EXPECT_EQ(Next(MustParse("0 0 0 L,15 2 *"), "2027-02-16T00:00:00Z"), "2027-02-28T00:00:00.000Z");
}

TEST(CronScheduleTest, Macros) {
  const char* after = "2026-11-27T09:30:00Z";
  EXPECT_EQ(Next(MustParse("@yearly"), after), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("@annually"), after), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("@monthly"), after), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("@weekly"), after), "2026-11-29T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("@daily"), after), "2026-11-28T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("@MIDNIGHT"), after), "2026-11-28T00:00:00.000Z");
  EXPECT_EQ(Next(MustParse("@hourly"), after), "2026-11-27T10:00:00.000Z");
}

TEST(CronScheduleTest, ManualMeansNoSchedule) {
  EXPECT_TRUE(IsManualSchedule("@manual"));
  EXPECT_TRUE(IsManualSchedule(" @MANUAL "));
  EXPECT_TRUE(IsManualSchedule(""));
  EXPECT_FALSE(IsManualSchedule("@daily"));
  EXPECT_FALSE(CronSchedule::Parse("@manual").ok());
}

TEST(CronScheduleTest, Feb29FiresOnlyInLeapYears) {
  EXPECT_EQ(Next(MustParse("0 0 29 2 *"), "2026-11-27T00:00:00Z"), "2028-02-29T00:00:00.000Z");
}

// What a user sees for each kind of mistake: the field, the token and why.
TEST(CronScheduleTest, BadExpressionsNameFieldTokenAndReason) {
  struct Case {
    const char* expression;
    const char* message;
  } cases[] = {
      {"* * * *", "expected 5 fields"},
      {"* * * * * * * *", "got 8"},
      {"61 * * * *", "minute field (1st of 5) '61': out of range 0-59"},
      {"0 61 * * * *", "minute field (2nd of 6) '61': out of range 0-59"},
      {"* 24 * * *", "hour field (2nd of 5) '24': out of range 0-23"},
      {"* * 0 * *", "day-of-month field (3rd of 5) '0': out of range 1-31"},
      {"* * * 13 *", "month field (4th of 5) '13': out of range 1-12"},
      {"* * * JANUARY *", "month field (4th of 5) 'JANUARY': not a number or a name (JAN-DEC)"},
      {"* * * * FRY", "day-of-week field (5th of 5) 'FRY': not a number or a name (SUN-SAT)"},
      {"* * * * 8", "day-of-week field (5th of 5) '8': out of range 0-7"},
      {"*/0 * * * *", "'*/0': the step must be 1 to 60"},
      {"*/x * * * *", "'*/x': the step after '/' must be a number"},
      {"5-1 * * * *", "'5-1': the range starts after it ends"},
      {"1,,2 * * * *", "empty list item"},
      {"? * * * *", "'?' is only allowed in day-of-month and day-of-week"},
      {"* * * L *", "'L' is only allowed in day-of-month"},
      {"0 0 0 * * * 1969", "year field (7th of 7) '1969': out of range 1970-2199"},
      {"0 0 30 2 *", "never fires"},
      {"0 0 31 2 *", "never fires"},
      {"0 0 0 29 2 * 2027", "matches no date from 1970 to 2199, so it never fires"},
      {"0 0 0 29 2 * 2100", "never fires"},  // 2100 is not a leap year
      {"0 0 0 31 4,6 * 2030", "never fires"},
      {"@every_minute", "unknown macro"},
      {"*,5 * * * *", "cannot be combined"},
  };
  for (const Case& c : cases) {
    Result<CronSchedule> schedule = CronSchedule::Parse(c.expression);
    ASSERT_FALSE(schedule.ok()) << c.expression;
    EXPECT_EQ(schedule.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(schedule.status().message().find(c.message), std::string::npos)
        << c.expression << " -> " << schedule.status().message();
    EXPECT_EQ(schedule.status().message().rfind("schedule", 0), 0u) << schedule.status().message();
    EXPECT_EQ(schedule.status().field(), "schedule") << c.expression;
  }
}

TEST(CronScheduleTest, UnknownTimeZoneIsRejected) {
  Result<CronSchedule> schedule = CronSchedule::Parse("0 9 * * *", "Mars/Olympus_Mons");
  ASSERT_FALSE(schedule.ok());
  EXPECT_NE(schedule.status().message().find("timezone 'Mars/Olympus_Mons'"), std::string::npos);
  EXPECT_EQ(schedule.status().field(), "timezone");
  EXPECT_EQ(CronSchedule::Parse("0 9 * * *", "").status().field(), "timezone");
}

TEST(CronScheduleTest, TimeZonesShiftTheFireTime) {
  EXPECT_EQ(Next(MustParse("0 0 9 * * *", "Europe/Berlin"), "2026-11-27T00:00:00Z"),
            "2026-11-27T08:00:00.000Z");  // CET, UTC+1
  EXPECT_EQ(Next(MustParse("0 0 9 * * *", "Europe/Berlin"), "2026-07-01T00:00:00Z"),
            "2026-07-01T07:00:00.000Z");  // CEST, UTC+2
  EXPECT_EQ(Next(MustParse("0 0 9 * * *", "Asia/Kolkata"), "2026-11-27T00:00:00Z"),
            "2026-11-27T03:30:00.000Z");
}

// Spring forward: Berlin's clocks go from 02:00 to 03:00 on 2026-03-29 (01:00 UTC).
TEST(CronScheduleTest, FixedTimeInADstGapFiresOnceAtTheEndOfTheGap) {
  CronSchedule half_past_two = MustParse("0 30 2 * * *", "Europe/Berlin");
  EXPECT_EQ(Fires(half_past_two, "2026-03-28T12:00:00Z", 3),
            (std::vector<std::string>{"2026-03-29T01:00:00.000Z",  // the gap's end, 03:00 CEST
                                      "2026-03-30T00:30:00.000Z",  // 02:30 CEST
                                      "2026-03-31T00:30:00.000Z"}));
  // Several fixed times inside the missing hour collapse into one firing at the end of the gap.
  CronSchedule twice_at_two = MustParse("0 0,30 2 * * *", "Europe/Berlin");
  EXPECT_EQ(Fires(twice_at_two, "2026-03-29T00:58:30Z", 3),
            (std::vector<std::string>{"2026-03-29T01:00:00.000Z",  // the gap's end, once
                                      "2026-03-30T00:00:00.000Z",  // 02:00 CEST next day
                                      "2026-03-30T00:30:00.000Z"}));
}

// A wildcard schedule follows the clock: the local times the jump skips never come.
TEST(CronScheduleTest, WildcardScheduleSkipsTheDstGap) {
  CronSchedule every_minute_at_two = MustParse("0 * 2 * * *", "Europe/Berlin");
  EXPECT_EQ(Fires(every_minute_at_two, "2026-03-29T00:58:30Z", 2),
            (std::vector<std::string>{"2026-03-30T00:00:00.000Z",  // 02:00 CEST next day
                                      "2026-03-30T00:01:00.000Z"}));
  EXPECT_EQ(Fires(MustParse("*/20 * * * *", "Europe/Berlin"), "2026-03-29T00:30:00Z", 3),
            (std::vector<std::string>{"2026-03-29T00:40:00.000Z",  // 01:40 CET
                                      "2026-03-29T01:00:00.000Z",  // 03:00 CEST
                                      "2026-03-29T01:20:00.000Z"}));
}

// Fall back: New York's clocks go from 02:00 EDT back to 01:00 EST on 2026-11-01.
TEST(CronScheduleTest, FixedTimeInARepeatedHourFiresOnceAtItsFirstOccurrence) {
  CronSchedule half_past_one = MustParse("0 30 1 * * *", "America/New_York");
  EXPECT_EQ(Fires(half_past_one, "2026-10-31T12:00:00Z", 3),
            (std::vector<std::string>{"2026-11-01T05:30:00.000Z",  // 01:30 EDT
                                      "2026-11-02T06:30:00.000Z",  // 01:30 EST
                                      "2026-11-03T06:30:00.000Z"}));
  CronSchedule quarter_hours = MustParse("0 0,15,30,45 1 * * *", "America/New_York");
  EXPECT_EQ(Fires(quarter_hours, "2026-11-01T05:50:00Z", 2),
            (std::vector<std::string>{"2026-11-02T06:00:00.000Z",  // not 01:00 EST again
                                      "2026-11-02T06:15:00.000Z"}));
  // Starting inside the repeated hour (a restart at 01:10 EST) does not replay it either.
  EXPECT_EQ(Next(half_past_one, "2026-11-01T06:10:00Z"), "2026-11-02T06:30:00.000Z");
}

// A wildcard schedule fires in both occurrences of the repeated hour: in real time it keeps its
// rhythm.
TEST(CronScheduleTest, WildcardScheduleFiresInBothOccurrencesOfARepeatedHour) {
  EXPECT_EQ(Fires(MustParse("0 0 * * * *", "America/New_York"), "2026-11-01T04:30:00Z", 3),
            (std::vector<std::string>{"2026-11-01T05:00:00.000Z",  // 01:00 EDT
                                      "2026-11-01T06:00:00.000Z",  // 01:00 EST
                                      "2026-11-01T07:00:00.000Z"}));
  EXPECT_EQ(Fires(MustParse("0 */15 1 * * *", "America/New_York"), "2026-11-01T05:50:00Z", 3),
            (std::vector<std::string>{"2026-11-01T06:00:00.000Z",  // 01:00 EST
                                      "2026-11-01T06:15:00.000Z", "2026-11-01T06:30:00.000Z"}));
  // Starting inside the repeated hour's first occurrence, the second one follows.
  EXPECT_EQ(Next(MustParse("15 * * * *", "America/New_York"), "2026-11-01T05:20:00Z"),
            "2026-11-01T06:15:00.000Z");  // 01:15 EST
}

// Offsets after 2037 follow the zone's rule (they used to freeze at the last listed one).
TEST(CronScheduleTest, SummerTimeAfter2037) {
  EXPECT_EQ(Next(MustParse("0 12 * * *", "America/New_York"), "2038-07-04T00:00:00Z"),
            "2038-07-04T16:00:00.000Z");  // 12:00 EDT (zdump and Python's zoneinfo agree)
  EXPECT_EQ(Next(MustParse("0 12 * * *", "Australia/Sydney"), "2090-01-01T00:00:00Z"),
            "2090-01-01T01:00:00.000Z");  // 12:00 AEDT
}

// Southern hemisphere and a 30-minute shift: Lord Howe Island moves by 30 minutes.
TEST(CronScheduleTest, HalfHourDstShift) {
  // 2026-10-04 02:00 LHST (+10:30) becomes 02:30 (+11:00).
  CronSchedule schedule = MustParse("0 15 2 * * *", "Australia/Lord_Howe");
  EXPECT_EQ(Next(schedule, "2026-10-03T12:00:00Z"), "2026-10-03T15:30:00.000Z");
}

}  // namespace
}  // namespace orc
