// What the client commands share: times printed with their zone, page notes and progress.
#include "cli/client_support.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

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

TEST(CliByteSizeTest, UsesBinaryUnits) {
  EXPECT_EQ(ByteSize(0), "0 B");
  EXPECT_EQ(ByteSize(1023), "1023 B");
  EXPECT_EQ(ByteSize(1536), "1.5 KiB");
  EXPECT_EQ(ByteSize(87 * 1048576), "87.0 MiB");
  EXPECT_EQ(ByteSize(int64_t{1288490189}), "1.2 GiB");
}

// A file load used to read "0 rows, 0 rows/s" until it ended: while rows are unknown, the share
// of bytes read and the time left at that pace are shown instead.
TEST(CliTaskProgressTextTest, ShowsTheShareOfBytesAndAnEtaWhileRowsAreUnknown) {
  const TimePoint now = *ParseRfc3339("2026-11-30T10:00:10Z");
  nlohmann::json task = {
      {"task_name", "load"}, {"status", "running"}, {"started_at", "2026-11-30T10:00:00Z"},
      {"rows_extracted", 0}, {"rows_loaded", 0},    {"bytes_read", 420},
      {"bytes_total", 1000}};
  EXPECT_EQ(TaskProgressText(task, now), "load: 42% of 1000 B, ETA 14s");
  task["bytes_read"] = 0;
  EXPECT_EQ(TaskProgressText(task, now), "load: 0% of 1000 B");
  // Rows where the reader counts them (Parquet), besides the bytes.
  task["rows_processed"] = 5000;
  task["bytes_read"] = 100;
  EXPECT_EQ(TaskProgressText(task, now), "load: 5,000 rows, 500 rows/s, 10% of 1000 B, ETA 1m30s");
}

TEST(CliTaskProgressTextTest, ShowsRowsAndBytesReadWithoutATotal) {
  const TimePoint now = *ParseRfc3339("2026-11-30T10:00:02Z");
  const nlohmann::json task = {{"task_name", "api"},
                               {"started_at", "2026-11-30T10:00:00Z"},
                               {"rows_extracted", 3000},
                               {"bytes_read", 3 * 1048576}};
  EXPECT_EQ(TaskProgressText(task, now), "api: 3,000 rows, 1,500 rows/s, 3.0 MiB read");
  EXPECT_EQ(TaskProgressText({{"task_name", "t"}}, now), "t: 0 rows");
}

}  // namespace
}  // namespace orc
