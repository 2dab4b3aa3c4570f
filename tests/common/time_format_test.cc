#include "common/time_format.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

using namespace std::chrono;

TimePoint Utc(int year, unsigned month, unsigned day, int hour, int minute, int second,
              int millis = 0) {
  return TimePoint(sys_days(std::chrono::year(year) / month / day) + hours(hour) + minutes(minute) +
                   seconds(second) + milliseconds(millis));
}

TEST(FormatRfc3339Test, UtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Utc(2026, 11, 27, 9, 5, 7, 123)), "2026-11-27T09:05:07.123Z");
  EXPECT_EQ(FormatRfc3339(Utc(1970, 1, 1, 0, 0, 0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(Utc(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
}

TEST(FormatRfc3339Test, TruncatesSubMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Utc(2026, 1, 1, 0, 0, 0, 5) + microseconds(999)),
            "2026-01-01T00:00:00.005Z");
  // Before the epoch, truncation still goes towards the past.
  EXPECT_EQ(FormatRfc3339(TimePoint(microseconds(-1))), "1969-12-31T23:59:59.999Z");
}

TEST(ParseRfc3339Test, AcceptsTheForms) {
  EXPECT_EQ(*ParseRfc3339("2026-11-27T09:05:07Z"), Utc(2026, 11, 27, 9, 5, 7));
  EXPECT_EQ(*ParseRfc3339("2026-11-27t09:05:07.5z"), Utc(2026, 11, 27, 9, 5, 7, 500));
  EXPECT_EQ(*ParseRfc3339("2026-11-27 09:05:07.123456Z"),
            Utc(2026, 11, 27, 9, 5, 7, 123) + microseconds(456));
  EXPECT_EQ(*ParseRfc3339("2026-11-27T10:05:07+01:00"), Utc(2026, 11, 27, 9, 5, 7));
  EXPECT_EQ(*ParseRfc3339("2026-11-26T23:35:07-09:30"), Utc(2026, 11, 27, 9, 5, 7));
  // Digits past the microsecond are ignored.
  EXPECT_EQ(*ParseRfc3339("2026-11-27T09:05:07.1234567891Z"),
            Utc(2026, 11, 27, 9, 5, 7, 123) + microseconds(456));
}

TEST(ParseRfc3339Test, TakesTheYearsATimePointHolds) {
  for (const char* text : {"1678-01-01T00:00:00+23:59", "2261-12-31T23:59:59.999999-23:59"}) {
    Result<TimePoint> parsed = ParseRfc3339(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  }
  EXPECT_LT(*ParseRfc3339("1678-01-01T00:00:00Z"), *ParseRfc3339("2261-12-31T00:00:00Z"));
}

TEST(ParseRfc3339Test, RoundTripsFormattedTimes) {
  const TimePoint time = Utc(2031, 7, 4, 13, 14, 15, 161);
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(time)), time);
}

TEST(ParseRfc3339Test, RejectsMalformedWithAReason) {
  const char* bad[] = {
      "", "2026-11-27", "2026-11-27T09:05:07", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
      "2026-11-27T24:00:00Z", "2026-11-27T09:60:00Z", "2026-11-27T09:05:07.Z",
      "2026-11-27T09:05:07+0100", "2026-11-27T09:05:07Z trailing", "26-11-27T09:05:07Z",
      "2026/11/27T09:05:07Z",
      // Outside what a TimePoint (64-bit nanoseconds) holds: once, they overflowed.
      "0001-01-01T00:00:00Z", "1677-12-31T23:59:59Z", "2262-01-01T00:00:00Z",
      "9999-12-31T23:59:59Z"};
  for (const char* text : bad) {
    Result<TimePoint> parsed = ParseRfc3339(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(std::string("'") + text + "'"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(TimeFormatTest, SecondsHaveMilliseconds) {
  EXPECT_EQ(FormatSeconds(std::chrono::milliseconds(500)), "0.500 s");
  EXPECT_EQ(FormatSeconds(std::chrono::seconds(90)), "90.000 s");
}

}  // namespace
}  // namespace orc
