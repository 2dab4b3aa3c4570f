// CronSchedule: a parsed cron expression in a time zone, and the times it fires.
//
// Syntax
//   5 fields  "min hour day-of-month month day-of-week"           (fires at second 0)
//   6 fields  "sec min hour day-of-month month day-of-week"       e.g. "0 0 9 * * *"
//   7 fields  "sec min hour day-of-month month day-of-week year"  (year 1970-2199)
//   Each field: "*", a number, a range "1-5", a step "*/15", "10-40/10" or "5/15" (from 5 to the
//   end), or a comma list of those. Months JAN-DEC and days SUN-SAT by name, any case. "?" means
//   "any" in day-of-month and day-of-week; "L" in day-of-month is the last day of the month.
//   Macros: @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
//   "@manual" (or no schedule at all) means never by schedule: see IsManualSchedule().
//
// Day of week is numbered as in Unix cron: 0 or 7 is Sunday, 1 is Monday ... 6 is Saturday.
// When day-of-month and day-of-week are both restricted (neither is "*" or "?"), a day matches
// when EITHER matches (the Vixie cron rule): "0 0 1 * MON" fires on the 1st and on every Monday.
//
// Time zones: any IANA name ("Europe/Berlin"); the fields are read as local wall-clock time (see
// TimeZone for where the offsets come from). Across daylight-saving changes, as cron(8) does:
//   - a fixed-time schedule (neither the minute nor the hour field starts with '*') fires once
//     for a local time skipped by a jump forward, at the first instant after the gap (every slot
//     inside the gap collapses into that one firing), and once for a local time repeated by a
//     jump back, at its first occurrence;
//   - a wildcard schedule (the minute or the hour field starts with '*': "*/20 * * * *",
//     "15 * * * *", @hourly) follows the clock in real time: it does not fire for local times a
//     jump forward skips, and fires at both occurrences of a repeated local time.
// Either way each fire time is a distinct instant.
//
// Values are immutable after parsing and safe to share between threads.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "cron/time_zone.h"

namespace orc {

// True for a schedule that never fires by itself: "@manual" (any case) or an empty string.
bool IsManualSchedule(std::string_view expression);

class CronSchedule {
 public:
  static constexpr int kMinYear = 1970;
  static constexpr int kMaxYear = 2199;

  // Parses `expression` for `timezone`. InvalidArgument whose field() is "schedule" or
  // "timezone", and whose message names that field, the token at fault and why, e.g.
  //   schedule: day-of-week field (5th) 'FRY': not a number or a day name (SUN-SAT)
  // An expression that never fires between kMinYear and the end of kMaxYear (the years a
  // schedule can name), such as the 29th of February of 2027, is refused too.
  static Result<CronSchedule> Parse(std::string_view expression, std::string_view timezone = "UTC");

  // The first fire time strictly after `after`, or nullopt when there is none before the end of
  // kMaxYear. Fire times are whole seconds.
  std::optional<TimePoint> NextAfter(TimePoint after) const;

  const std::string& expression() const { return expression_; }
  // The seven fields as written, macros expanded: second, minute, hour, day-of-month, month,
  // day-of-week, year ("0" and "*" stand in for the ones a shorter expression leaves out).
  const std::array<std::string, 7>& fields() const { return fields_; }
  const std::string& timezone() const { return timezone_; }

 private:
  struct LocalTime {
    int year;
    unsigned month, day, hour, minute, second;
  };

  CronSchedule() = default;
  bool DayMatches(int year, unsigned month, unsigned day) const;
  // The first local time >= start that matches every field; nullopt past kMaxYear.
  std::optional<LocalTime> NextLocalMatch(LocalTime start) const;
  std::optional<date::local_seconds> NextLocalMatch(date::local_seconds start) const;
  // NextAfter in a zone with offset changes, for the two kinds of schedule (see the top).
  std::optional<date::sys_seconds> NextFixedTime(date::sys_seconds after) const;
  std::optional<date::sys_seconds> NextWildcard(date::sys_seconds from) const;

  static constexpr int kYears = kMaxYear - kMinYear + 1;

  std::string expression_;
  std::string timezone_;
  std::array<std::string, 7> fields_;
  const TimeZone* zone_ = nullptr;  // null for UTC; zones live for the whole process
  bool wildcard_ = false;           // the minute or the hour field starts with '*'
  // next_X[i]: the smallest allowed value >= i; the table's last index (one past the largest
  // value) when there is none. Finding the next match jumps instead of stepping.
  std::array<uint8_t, 61> next_second_{};
  std::array<uint8_t, 61> next_minute_{};
  std::array<uint8_t, 25> next_hour_{};
  std::array<uint8_t, 14> next_month_{};          // values 1-12, 13 = none
  std::array<uint16_t, kYears + 1> next_year_{};  // offsets from kMinYear, kYears = none
  std::bitset<32> days_of_month_;                 // bit d for day d (1-31)
  std::bitset<7> days_of_week_;                   // bit 0 Sunday ... 6 Saturday
  bool last_day_of_month_ = false;                // "L" in day-of-month
  bool any_day_of_month_ = true;                  // "*" or "?"
  bool any_day_of_week_ = true;                   // "*" or "?"
};

}  // namespace orc
