// What the client commands share: times printed with their zone, and page notes.
#include "cli/client_support.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

TEST(CliShortTimeTest, SaysUtc) {
  EXPECT_EQ(ShortTime("2026-11-27T09:00:00.123Z"), "2026-11-27 09:00:00Z");
  EXPECT_EQ(ShortTime(nullptr), "-");
}

// A 06:30 Europe/Berlin job used to show "next run 05:30:00", without a zone.
TEST(CliTimeInZoneTest, ShowsTheJobsZoneAndUtc) {
  EXPECT_EQ(TimeInZone("2026-12-01T05:30:00.000Z", "Europe/Berlin"),
            "2026-12-01 06:30 Europe/Berlin (05:30 UTC)");
  EXPECT_EQ(TimeInZone("2026-07-01T04:30:00.000Z", "Europe/Berlin"),
            "2026-07-01 06:30 Europe/Berlin (04:30 UTC)");
  // Another day in UTC: the UTC date is said too.
  EXPECT_EQ(TimeInZone("2026-11-30T23:30:00.000Z", "Europe/Berlin"),
            "2026-12-01 00:30 Europe/Berlin (2026-11-30 23:30 UTC)");
  EXPECT_EQ(TimeInZone("2026-12-01T05:30:00.000Z", "UTC"), "2026-12-01 05:30 UTC");
  EXPECT_EQ(TimeInZone(nullptr, "Europe/Berlin"), "-");
}

TEST(CliPageNoteTest, SaysWhenItemsAreLeftOut) {
  ::testing::internal::CaptureStderr();
  PrintPageNote(20, 20, {.limit = 20}, "runs");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ::testing::internal::CaptureStderr();
  PrintPageNote(20, 57, {.limit = 20, .offset = 20}, "runs");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "showing 21-40 of 57 runs (--offset 40 for the next ones)\n");
}

}  // namespace
}  // namespace orc
