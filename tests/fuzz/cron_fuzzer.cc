// Fuzz target cron: a schedule and its time zone through CronSchedule::Parse, then its fire times.
//
// Input: one byte picks the time zone among zones with unusual rules (or, with its high bit set,
// the zone is the text up to the first newline), four bytes give an instant of their own, the rest
// is the expression.
//
// Properties: parsing never throws or crashes and fails with an input error; for a schedule that
// parses, from each of a few instants (daylight-saving changes among them) the next fire times
// are whole seconds, each strictly later than the one before, none skipped (from any instant
// between two fire times the next is the later one), and the same as those of the schedule read
// back from its fields(); DescribeSchedule says something about it.
#include <chrono>
#include <string>

#include "common/time_format.h"
#include "cron/cron_describe.h"
#include "cron/cron_schedule.h"
#include "fuzz/fuzz_support.h"

namespace {

using orc::TimePoint;
using std::chrono::seconds;

constexpr const char* kZones[] = {
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  // daylight saving moves the clock by 30 minutes
    "Asia/Kathmandu",       // +05:45
    "Pacific/Apia",         // skipped 30 December 2011 entirely
    "America/Santiago",     // changes at midnight: some days start at 01:00
    "Africa/Casablanca",    // daylight saving suspended each Ramadan
    "Antarctica/Troll",     // a 2-hour daylight saving change
    "Pacific/Chatham",      // +12:45 / +13:45
};

// Instants around which schedules go wrong if they do: the epoch, daylight-saving changes, the
// skipped day in Apia, a fraction of a second, the last years the schedules cover, before them.
constexpr const char* kStarts[] = {
    "1970-01-01T00:00:00Z",     "2024-03-31T00:59:59Z", "2024-10-27T00:30:00Z",
    "2024-03-10T06:59:59Z",     "2024-11-03T05:30:00Z", "2011-12-29T09:59:59Z",
    "2026-11-27T09:00:07.500Z", "2199-12-31T23:59:58Z", "1960-01-01T00:00:00Z",
};

std::string Text(std::optional<TimePoint> time) {
  return time ? orc::FormatRfc3339(*time) : std::string("never");
}

// Follows the fire times of `schedule` from `start`, checking each against `reread`.
void CheckFireTimes(const orc::CronSchedule& schedule, const orc::CronSchedule& reread,
                    TimePoint start) {
  const std::string where = "'" + schedule.expression() + "' in " + schedule.timezone() + " from ";
  TimePoint after = start;
  for (int fire = 0; fire < 4; ++fire) {
    const std::optional<TimePoint> next = schedule.NextAfter(after);
    FUZZ_CHECK(reread.NextAfter(after) == next, where + Text(after) + ": " + Text(next) +
                                                    " but read back from its fields " +
                                                    Text(reread.NextAfter(after)));
    if (!next) return;
    FUZZ_CHECK(*next > after, where + Text(after) + ": " + Text(next) + " is not later");
    FUZZ_CHECK(std::chrono::floor<seconds>(*next) == *next,
               where + Text(after) + ": " + Text(next) + " is not a whole second");
    const TimePoint between = after + (*next - after) / 2;
    FUZZ_CHECK(schedule.NextAfter(between) == next,
               where + Text(between) + ": " + Text(schedule.NextAfter(between)) + ", but from " +
                   Text(after) + ": " + Text(next));
    FUZZ_CHECK(schedule.NextAfter(*next - seconds(1)) == next,
               where + Text(*next - seconds(1)) + ": " +
                   Text(schedule.NextAfter(*next - seconds(1))) + ", but from " + Text(after) +
                   ": " + Text(next));
    after = *next;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  orc::fuzz::FuzzInput input(data, size);
  const uint8_t zone_choice = input.Byte();
  uint32_t own_start = 0;
  for (int i = 0; i < 4; ++i) own_start = own_start << 8 | input.Byte();
  const std::string zone = (zone_choice & 0x80) != 0
                               ? std::string(input.Until('\n'))
                               : std::string(kZones[zone_choice % std::size(kZones)]);
  const std::string_view expression = input.Rest();

  (void)orc::DescribeSchedule(expression);
  const orc::Result<orc::CronSchedule> schedule = orc::CronSchedule::Parse(expression, zone);
  if (!schedule.ok()) {
    FUZZ_CHECK(orc::fuzz::IsInputError(schedule.status()), schedule.status().ToString());
    return 0;
  }
  FUZZ_CHECK(!orc::DescribeSchedule(*schedule).empty(), "no description");

  std::string fields;
  for (const std::string& field : schedule->fields()) fields += (fields.empty() ? "" : " ") + field;
  const orc::Result<orc::CronSchedule> reread = orc::CronSchedule::Parse(fields, zone);
  FUZZ_CHECK(reread.ok(),
             "its fields '" + fields + "' do not parse: " + reread.status().ToString());

  for (const char* start : kStarts) CheckFireTimes(*schedule, *reread, *orc::ParseRfc3339(start));
  CheckFireTimes(*schedule, *reread, TimePoint(seconds(own_start)));
  return 0;
}
