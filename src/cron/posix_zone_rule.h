// PosixZoneRule: the recurring rule of a POSIX TZ string, as the footer of a TZif file carries it
// (RFC 8536 section 3.3): "EST5EDT,M3.2.0,M11.1.0", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0".
// TimeZone uses it for the instants after the last transition a TZif file lists.
//
// Accepted: abbreviations of letters, or anything but '<' and '>' inside <...>; offsets
// [+-]hh[:mm[:ss]] (west of Greenwich positive, as POSIX writes them); the rules Jn (1-365, never
// counting 29 February), n (0-365, counting it) and Mm.w.d (week 5 means the last), each with an
// optional time [+-]h[:mm[:ss]] of -167 to 167 hours (the RFC's extension; "M3.4.4/50" is the
// Saturday after the 4th Thursday, at 02:00). A TZ string with a daylight-saving abbreviation but
// no rule is refused: POSIX leaves that rule to the implementation.
//
// Values are immutable after parsing and safe to share between threads.
#pragma once

#include <date/date.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orc {

class PosixZoneRule {
 public:
  // One change of offset: from `at` on, daylight-saving time is (or is not) in force.
  struct Transition {
    date::sys_seconds at;
    bool to_daylight_saving;
  };

  // InvalidArgument quoting `text` and saying what is wrong at which position.
  static Result<PosixZoneRule> Parse(std::string_view text);

  bool has_daylight_saving() const { return has_daylight_saving_; }
  // Offsets east of UTC (the opposite sign of the TZ string's).
  std::chrono::seconds standard_offset() const { return standard_offset_; }
  std::chrono::seconds daylight_offset() const { return daylight_offset_; }
  const std::string& standard_abbreviation() const { return standard_abbreviation_; }
  const std::string& daylight_abbreviation() const { return daylight_abbreviation_; }

  // The start and the end of daylight-saving time in `year`, in the order they happen; only for a
  // rule with daylight saving.
  std::array<Transition, 2> TransitionsIn(int year) const;

 private:
  // When in the year a change happens, on the local wall clock in force before it.
  struct DayRule {
    enum class Kind { kJulianNoLeap, kZeroBased, kMonthWeekDay };
    Kind kind = Kind::kMonthWeekDay;
    unsigned day = 0;  // Jn: 1-365; n: 0-365
    unsigned month = 0, week = 0, weekday = 0;
    std::chrono::seconds time = std::chrono::hours(2);
    date::local_seconds In(int year) const;
  };
  class Reader;

  PosixZoneRule() = default;

  bool has_daylight_saving_ = false;
  std::string standard_abbreviation_;
  std::string daylight_abbreviation_;
  std::chrono::seconds standard_offset_{0};
  std::chrono::seconds daylight_offset_{0};
  DayRule start_;
  DayRule end_;
};

}  // namespace orc
