#include "common/time_format.h"

#include <date/date.h>

#include <charconv>
#include <cstdio>

namespace orc {
namespace {

using std::chrono::floor;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Reads exactly `digits` decimal digits at text[*pos] into *value.
bool ReadDigits(std::string_view text, size_t* pos, int digits, int* value) {
  if (*pos + static_cast<size_t>(digits) > text.size()) return false;
  const char* begin = text.data() + *pos;
  const char* end = begin + digits;
  auto [ptr, error] = std::from_chars(begin, end, *value);
  if (error != std::errc() || ptr != end) return false;
  *pos += static_cast<size_t>(digits);
  return true;
}

bool Expect(std::string_view text, size_t* pos, std::string_view one_of) {
  if (*pos >= text.size() || one_of.find(text[*pos]) == std::string_view::npos) return false;
  ++*pos;
  return true;
}

Status Malformed(std::string_view text, std::string_view why) {
  std::string message = "invalid RFC 3339 timestamp '";
  message.append(text).append("': ").append(why);
  message.append(" (expected e.g. 2026-01-31T09:00:00Z or 2026-01-31T10:00:00.5+01:00)");
  return InvalidArgumentError(std::move(message));
}

}  // namespace

std::string FormatRfc3339(TimePoint time) {
  const auto millis = floor<milliseconds>(time);
  const auto day = floor<date::days>(millis);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<milliseconds> clock_time(millis - day);
  char buffer[64];  // 24 characters in practice; room for what the format could print
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(clock_time.hours().count()),
                static_cast<int>(clock_time.minutes().count()),
                static_cast<int>(clock_time.seconds().count()),
                static_cast<int>(clock_time.subseconds().count()));
  return buffer;
}

Result<TimePoint> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, "-") ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, "-") ||
      !ReadDigits(text, &pos, 2, &day)) {
    return Malformed(text, "the date must be YYYY-MM-DD");
  }
  if (!Expect(text, &pos, "Tt ")) return Malformed(text, "expected 'T' after the date");
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ":") ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ":") ||
      !ReadDigits(text, &pos, 2, &second)) {
    return Malformed(text, "the time must be HH:MM:SS");
  }
  const date::year_month_day ymd{date::year(year), date::month(static_cast<unsigned>(month)),
                                 date::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return Malformed(text, "no such date");
  // A TimePoint counts nanoseconds in 64 bits: from 1677-09-21 to 2262-04-11. Years outside
  // 1678-2261 would overflow it (and an offset moves a time by less than a day).
  if (year < 1678 || year > 2261) return Malformed(text, "the year must be from 1678 to 2261");
  // 60 is allowed for a leap second and folded into the next second, as most systems do.
  if (hour > 23 || minute > 59 || second > 60) return Malformed(text, "no such time of day");

  microseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t first_digit = pos;
    int64_t micros = 0;
    int kept = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (kept < 6) {
        micros = micros * 10 + (text[pos] - '0');
        ++kept;
      }
      ++pos;
    }
    if (pos == first_digit) return Malformed(text, "expected digits after '.'");
    for (; kept < 6; ++kept) micros *= 10;
    fraction = microseconds(micros);
  }

  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours = 0, offset_minutes = 0;
    if (!ReadDigits(text, &pos, 2, &offset_hours) || !Expect(text, &pos, ":") ||
        !ReadDigits(text, &pos, 2, &offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return Malformed(text, "the offset must be +HH:MM or -HH:MM");
    }
    offset = std::chrono::minutes(sign * (offset_hours * 60 + offset_minutes));
  } else {
    return Malformed(text, "missing time zone: end with 'Z' or an offset like +02:00");
  }
  if (pos != text.size()) return Malformed(text, "unexpected text after the time zone");

  const auto local = date::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                     std::chrono::seconds(second) + fraction;
  return TimePoint(std::chrono::duration_cast<Duration>((local - offset).time_since_epoch()));
}

// H. Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::string FormatSeconds(Duration duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", std::chrono::duration<double>(duration).count());
  return text;
}

}  // namespace orc
