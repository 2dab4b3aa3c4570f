// CronSchedule across daylight-saving changes, against an independent reference: cron(8)'s rule
// computed by brute force in Python over every minute of each window, with zoneinfo for the
// offsets. A wildcard schedule (the minute or the hour field starts with '*') fires at every
// instant whose wall clock matches; a fixed-time one fires, for each matching wall-clock time, at
// the first instant the wall clock reaches it (once: in a gap that is the gap's end, in a
// repeated hour its first occurrence).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "common/time_format.h"
#include "cron/cron_schedule.h"

namespace orc {
namespace {

constexpr const char* kReferenceScript = R"(
import bisect, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
def values(field, low, high):
    allowed = set()
    for item in field.split(','):
        body, _, step = item.partition('/')
        step = int(step) if step else 1
        if body == '*': first, last = low, high
        elif '-' in body: first, last = map(int, body.split('-'))
        else: first = last = int(body)
        allowed.update(range(first, last + 1, step))
    return allowed
for line in sys.stdin:
    expression, zone_name, start, end = line.strip().split('|')
    fields = expression.split()
    minutes, hours = values(fields[0], 0, 59), values(fields[1], 0, 23)
    wildcard = fields[0].startswith('*') or fields[1].startswith('*')
    zone = ZoneInfo(zone_name)
    first = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    last = datetime.fromisoformat(end).replace(tzinfo=timezone.utc)
    instants = [first + timedelta(minutes=i)
                for i in range(int((last - first).total_seconds()) // 60 + 1)]
    walls = [u.astimezone(zone).replace(tzinfo=None) for u in instants]
    fires = set()
    if wildcard:
        fires = {u for u, w in zip(instants, walls) if w.minute in minutes and w.hour in hours}
    else:
        reached = []  # the latest wall-clock time shown so far, at each instant
        for w in walls: reached.append(max(w, reached[-1]) if reached else w)
        wall = walls[0]
        while wall <= reached[-1]:
            if wall.minute in minutes and wall.hour in hours:
                fires.add(instants[bisect.bisect_left(reached, wall)])
            wall += timedelta(minutes=1)
    fires = sorted(u for u in fires if u > first)
    print(expression + '|' + zone_name + '|' + start + '|' +
          ' '.join(u.strftime('%Y-%m-%dT%H:%M:%S.000Z') for u in fires))
)";

// Twelve hours around each change: spring forward and fall back, before and after 2037, with
// 1-hour and 30-minute shifts, in both hemispheres.
struct Window {
  const char* zone;
  const char* start;  // UTC
  const char* end;
};
constexpr Window kWindows[] = {
    {"America/New_York", "2026-03-08T01:00:00", "2026-03-08T13:00:00"},
    {"America/New_York", "2026-11-01T00:00:00", "2026-11-01T12:00:00"},
    {"America/New_York", "2040-03-11T01:00:00", "2040-03-11T13:00:00"},
    {"America/New_York", "2040-11-04T00:00:00", "2040-11-04T12:00:00"},
    {"Europe/Berlin", "2026-03-28T19:00:00", "2026-03-29T07:00:00"},
    {"Europe/Berlin", "2061-10-29T19:00:00", "2061-10-30T07:00:00"},
    {"Australia/Sydney", "2050-04-02T10:00:00", "2050-04-02T22:00:00"},
    {"Australia/Lord_Howe", "2026-10-03T09:00:00", "2026-10-03T21:00:00"},
    {"Australia/Lord_Howe", "2026-04-04T09:00:00", "2026-04-04T21:00:00"},
    {"Australia/Lord_Howe", "2045-04-01T09:00:00", "2045-04-01T21:00:00"},
};
constexpr const char* kExpressions[] = {
    "*/20 * * * *", "15 * * * *",        "0 * * * *",  "*/20 2 * * *", "*/7 1-3 * * *",  // wildcard
    "30 2 * * *",   "30 1 * * *",        "10 2 * * *", "0,30 2 * * *", "45 1-3 * * *",   // fixed
    "0 12 * * *",   "0,20,40 1,2 * * *",
};

std::string Quote(const std::string& text) { return "'" + text + "'"; }

// The reference's fire times per "EXPRESSION|ZONE|START"; nullopt without python3 or zoneinfo.
std::optional<std::map<std::string, std::string>> ReferenceFires() {
  const std::string script_path = testing::TempDir() + "/cron_dst_reference.py";
  const std::string cases_path = testing::TempDir() + "/cron_dst_cases.txt";
  std::ofstream(script_path) << kReferenceScript;
  {
    std::ofstream cases(cases_path);
    for (const Window& window : kWindows) {
      for (const char* expression : kExpressions) {
        cases << expression << "|" << window.zone << "|" << window.start << "|" << window.end
              << "\n";
      }
    }
  }
  const std::string command =
      "python3 " + Quote(script_path) + " < " + Quote(cases_path) + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (size_t read = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
  if (pclose(pipe) != 0 || output.empty()) return std::nullopt;
  std::map<std::string, std::string> fires;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const size_t last_bar = line.rfind('|');
    fires[line.substr(0, last_bar)] = line.substr(last_bar + 1);
  }
  return fires;
}

std::string OrcFires(const CronSchedule& schedule, const Window& window) {
  const TimePoint end = *ParseRfc3339(std::string(window.end) + "Z");
  std::string fires;
  for (std::optional<TimePoint> at =
           schedule.NextAfter(*ParseRfc3339(std::string(window.start) + "Z"));
       at && *at <= end; at = schedule.NextAfter(*at)) {
    fires += (fires.empty() ? "" : " ") + FormatRfc3339(*at);
  }
  return fires;
}

TEST(CronDstTest, FireTimesAgreeWithCronsRuleComputedByPython) {
  const std::optional<std::map<std::string, std::string>> reference = ReferenceFires();
  if (!reference) GTEST_SKIP() << "python3 with the zoneinfo module is not available";
  for (const Window& window : kWindows) {
    for (const char* expression : kExpressions) {
      const std::string key = std::string(expression) + "|" + window.zone + "|" + window.start;
      SCOPED_TRACE(key);
      Result<CronSchedule> schedule = CronSchedule::Parse(expression, window.zone);
      ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
      ASSERT_TRUE(reference->count(key));
      EXPECT_EQ(OrcFires(*schedule, window), reference->at(key));
    }
  }
}

// The scheduler, catch-up and backfill start their walks at different instants (now, the last
// slot, the start of a range): from any instant, NextAfter gives the first slot after it of the
// one enumeration.
TEST(CronDstTest, NextAfterFromAnyInstantIsTheNextSlotOfTheWalk) {
  for (const Window& window : kWindows) {
    for (const char* expression : kExpressions) {
      SCOPED_TRACE(std::string(expression) + " in " + window.zone + " from " + window.start);
      const CronSchedule schedule = *CronSchedule::Parse(expression, window.zone);
      const TimePoint start = *ParseRfc3339(std::string(window.start) + "Z");
      const TimePoint end = *ParseRfc3339(std::string(window.end) + "Z");
      std::vector<TimePoint> slots;
      for (std::optional<TimePoint> at = schedule.NextAfter(start); at && *at <= end;
           at = schedule.NextAfter(*at)) {
        slots.push_back(*at);
      }
      for (TimePoint probe = start; probe < end; probe += std::chrono::seconds(150)) {
        const auto first_after = std::upper_bound(slots.begin(), slots.end(), probe);
        if (first_after == slots.end()) break;
        ASSERT_EQ(schedule.NextAfter(probe), *first_after) << FormatRfc3339(probe);
      }
    }
  }
}

}  // namespace
}  // namespace orc
