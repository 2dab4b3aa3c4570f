// TimeZone and PosixZoneRule: the offsets after the last transition a TZif file lists come from its
// footer's rule, checked against Python's zoneinfo (an independent reader of the same files).
#include "cron/time_zone.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "common/time_format.h"
#include "cron/posix_zone_rule.h"

namespace orc {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

date::sys_seconds Utc(const char* rfc3339) {
  return std::chrono::floor<seconds>(*ParseRfc3339(rfc3339));
}

const TimeZone& Zone(std::string_view name) {
  Result<const TimeZone*> zone = FindTimeZone(name);
  EXPECT_TRUE(zone.ok() && *zone != nullptr) << name;
  return **zone;
}

// Zones whose footers cover the rule shapes in use: northern and southern hemisphere, 30- and
// 15-minute offsets, a 30-minute shift, negative daylight saving (Dublin's winter time), rule
// times past midnight (Gaza's /50, Jerusalem's /26) and before it (Nuuk's /-1), no daylight
// saving at all.
constexpr const char* kZones[] = {
    "America/New_York",    "Europe/London",    "Europe/Berlin",  "Australia/Sydney",
    "Australia/Lord_Howe", "Europe/Dublin",    "Asia/Tokyo",     "America/St_Johns",
    "Pacific/Chatham",     "America/Santiago", "America/Nuuk",   "Asia/Jerusalem",
    "Asia/Gaza",           "Pacific/Auckland", "America/Havana", "Africa/Casablanca",
};

// Each zone's offset changes from 2037 to 2100 as Python's zoneinfo reads them: lines
// "ZONE EPOCH OFFSET", the first per zone the offset at the start.
constexpr const char* kZoneinfoScript = R"(
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
start = int(datetime(2037, 1, 1, tzinfo=timezone.utc).timestamp())
end = int(datetime(2101, 1, 1, tzinfo=timezone.utc).timestamp())
def offset(zone, t):
    return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())
for name in sys.argv[1:]:
    zone = ZoneInfo(name)
    print(name, start, offset(zone, start))
    t = start
    while t < end:
        step = min(t + 7 * 86400, end)
        if offset(zone, step) != offset(zone, t):
            low, high = t, step
            while high - low > 1:
                middle = (low + high) // 2
                if offset(zone, middle) == offset(zone, t): low = middle
                else: high = middle
            print(name, high, offset(zone, high))
        t = step
)";

using Changes = std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>;

// Runs kZoneinfoScript; nullopt when python3 or its zoneinfo module is missing.
std::optional<Changes> ZoneinfoChanges() {
  const std::string script_path = testing::TempDir() + "/zoneinfo_changes.py";
  std::ofstream(script_path) << kZoneinfoScript;
  std::string command = "python3 " + script_path;
  for (const char* zone : kZones) command += std::string(" ") + zone;
  command += " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (size_t read = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
  if (pclose(pipe) != 0 || output.empty()) return std::nullopt;
  Changes changes;
  std::istringstream lines(output);
  std::string zone;
  int64_t epoch = 0;
  int64_t offset = 0;
  while (lines >> zone >> epoch >> offset) changes[zone].emplace_back(epoch, offset);
  return changes;
}

// The same list as TimeZone sees it, by walking its periods.
std::vector<std::pair<int64_t, int64_t>> OrcChanges(const TimeZone& zone) {
  const date::sys_seconds start = Utc("2037-01-01T00:00:00Z");
  const date::sys_seconds end = Utc("2101-01-01T00:00:00Z");
  std::vector<std::pair<int64_t, int64_t>> changes;
  for (date::sys_seconds t = start; t < end;) {
    const date::sys_info info = zone.GetInfo(t);
    if (changes.empty() || changes.back().second != info.offset.count()) {
      changes.emplace_back(t.time_since_epoch().count(), info.offset.count());
    }
    t = info.end;
  }
  return changes;
}

TEST(TimeZoneTest, OffsetsUntil2100AgreeWithPythonZoneinfo) {
  const std::optional<Changes> expected = ZoneinfoChanges();
  if (!expected) GTEST_SKIP() << "python3 with the zoneinfo module is not available";
  for (const char* name : kZones) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(expected->count(name));
    const std::vector<std::pair<int64_t, int64_t>> orc = OrcChanges(Zone(name));
    if (std::string(name) != "Asia/Tokyo") {
      EXPECT_GT(orc.size(), 100u);  // two changes a year
    }
    EXPECT_EQ(orc, expected->at(name));
  }
}

// The figures the problem was reported with, confirmed with zdump and Python's zoneinfo: New
// York keeps switching to EDT after 2037.
TEST(TimeZoneTest, NewYorkHasSummerTimeAfter2037) {
  const TimeZone& new_york = Zone("America/New_York");
  const date::sys_info july = new_york.GetInfo(Utc("2038-07-04T16:00:00Z"));
  EXPECT_EQ(july.offset, -hours(4));
  EXPECT_EQ(july.abbrev, "EDT");
  EXPECT_EQ(july.begin, Utc("2038-03-14T07:00:00Z"));
  EXPECT_EQ(july.end, Utc("2038-11-07T06:00:00Z"));
  EXPECT_EQ(new_york.GetInfo(Utc("2099-12-25T12:00:00Z")).abbrev, "EST");
}

TEST(TimeZoneTest, LocalTimesAfter2037AreSkippedOrRepeated) {
  const TimeZone& new_york = Zone("America/New_York");
  // 2040-03-11 02:30 does not exist; 2040-11-04 01:30 happens twice.
  const date::local_info gap =
      new_york.GetInfo(date::local_days(date::year(2040) / 3 / 11) + hours(2) + minutes(30));
  EXPECT_EQ(gap.result, date::local_info::nonexistent);
  EXPECT_EQ(gap.second.begin, Utc("2040-03-11T07:00:00Z"));
  const date::local_info repeated =
      new_york.GetInfo(date::local_days(date::year(2040) / 11 / 4) + hours(1) + minutes(30));
  EXPECT_EQ(repeated.result, date::local_info::ambiguous);
  EXPECT_EQ(repeated.first.offset, -hours(4));
  EXPECT_EQ(repeated.second.offset, -hours(5));
  const date::local_info noon =
      new_york.GetInfo(date::local_days(date::year(2040) / 7 / 4) + hours(12));
  EXPECT_EQ(noon.result, date::local_info::unique);
  EXPECT_EQ(noon.first.offset, -hours(4));
}

TEST(TimeZoneTest, UtcNeedsNoZoneAndUnknownNamesAreRefused) {
  Result<const TimeZone*> utc = FindTimeZone("UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(*utc, nullptr);
  for (const char* bad : {"", "Mars/Olympus_Mons", "../../etc/passwd"}) {
    EXPECT_FALSE(FindTimeZone(bad).ok()) << bad;
  }
  EXPECT_EQ(*FindTimeZone("Europe/Berlin"), *FindTimeZone("Europe/Berlin"));  // loaded once
}

TEST(PosixZoneRuleTest, ReadsTheRuleShapesInUse) {
  Result<PosixZoneRule> new_york = PosixZoneRule::Parse("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(new_york.ok()) << new_york.status().ToString();
  EXPECT_EQ(new_york->standard_offset(), -hours(5));
  EXPECT_EQ(new_york->daylight_offset(), -hours(4));
  EXPECT_EQ(new_york->daylight_abbreviation(), "EDT");
  const auto transitions = new_york->TransitionsIn(2038);
  EXPECT_EQ(transitions[0].at, Utc("2038-03-14T07:00:00Z"));
  EXPECT_TRUE(transitions[0].to_daylight_saving);
  EXPECT_EQ(transitions[1].at, Utc("2038-11-07T06:00:00Z"));

  Result<PosixZoneRule> lord_howe = PosixZoneRule::Parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  ASSERT_TRUE(lord_howe.ok()) << lord_howe.status().ToString();
  EXPECT_EQ(lord_howe->standard_abbreviation(), "+1030");
  EXPECT_EQ(lord_howe->daylight_offset() - lord_howe->standard_offset(), minutes(30));
  // Southern hemisphere: the year's first change is the end of daylight saving, in April.
  EXPECT_FALSE(lord_howe->TransitionsIn(2040)[0].to_daylight_saving);

  Result<PosixZoneRule> nuuk = PosixZoneRule::Parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  ASSERT_TRUE(nuuk.ok()) << nuuk.status().ToString();
  // The last Sunday of March 2040 is the 25th; one hour before its midnight, at 23:00 on the
  // 24th at -02, is 01:00 UTC on the 25th.
  EXPECT_EQ(nuuk->TransitionsIn(2040)[0].at, Utc("2040-03-25T01:00:00Z"));

  for (const char* text : {"JST-9", "EET-2EEST,M3.4.4/50,M10.4.4/50", "IST-1GMT0,M10.5.0,M3.5.0/1",
                           "XXX3YYY,J60/2:30,300/167"}) {
    EXPECT_TRUE(PosixZoneRule::Parse(text).ok()) << text;
  }
  EXPECT_FALSE(PosixZoneRule::Parse("JST-9")->has_daylight_saving());
}

TEST(PosixZoneRuleTest, RefusesMalformedStrings) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "an abbreviation"},
      {"E5", "an abbreviation of at least 3 characters"},
      {"EST", "the standard time's offset"},
      {"EST5EDT", "',' and the rule for daylight-saving time"},
      {"EST5EDT,M3.2.0", "',' and the day daylight-saving time ends"},
      {"EST5EDT,M13.2.0,M11.1.0", "a month 1-12"},
      {"EST5EDT,M3.6.0,M11.1.0", "a week 1-5"},
      {"EST5EDT,M3.2.7,M11.1.0", "a day of the week 0-6"},
      {"EST5EDT,J0,M11.1.0", "a day of the year 1-365"},
      {"EST5EDT,M3.2.0/168,M11.1.0", "hours"},
      {"EST5EDT,M3.2.0,M11.1.0x", "the end of the string"},
      {"<EST5", "'>' closing the abbreviation"},
  };
  for (const Case& c : cases) {
    Result<PosixZoneRule> rule = PosixZoneRule::Parse(c.text);
    ASSERT_FALSE(rule.ok()) << c.text;
    EXPECT_NE(rule.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << rule.status().message();
  }
}

}  // namespace
}  // namespace orc
