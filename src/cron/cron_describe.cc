#include "cron/cron_describe.h"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace orc {
namespace {

constexpr std::array<const char*, 7> kDayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
std::string Upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

// A field that is one plain number (not a range, step or list); -1 otherwise.
int Number(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : -1;
}

bool IsAny(const std::string& field) { return field == "*" || field == "?"; }

// "*/N" or "0/N": N; -1 otherwise.
int EveryStep(const std::string& field) {
  for (const char* prefix : {"*/", "0/"}) {
    if (field.rfind(prefix, 0) == 0) return Number(std::string_view(field).substr(2));
  }
  return -1;
}

std::string TwoDigits(int value) { return (value < 10 ? "0" : "") + std::to_string(value); }

// A day-of-week token (0-7 or SUN-SAT) as its index 0-6; -1 when it is something else.
int DayIndex(std::string_view token) {
  const int number = Number(token);
  if (number >= 0 && number <= 7) return number % 7;
  static constexpr std::array<const char*, 7> kShort = {"SUN", "MON", "TUE", "WED",
                                                        "THU", "FRI", "SAT"};
  for (size_t i = 0; i < kShort.size(); ++i) {
    if (Upper(token) == kShort[i]) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string DaysOfWeek(const std::string& field) {
  const std::string upper = Upper(field);
  if (upper == "1-5" || upper == "MON-FRI") return "on weekdays";
  if (upper == "0,6" || upper == "6,0" || upper == "SAT,SUN" || upper == "SUN,SAT" ||
      upper == "6,7" || upper == "6-7") {
    return "on weekends";
  }
  std::string names;
  for (std::string_view token : Split(field, ',')) {
    const std::vector<std::string_view> range = Split(token, '-');
    const int first = DayIndex(range[0]);
    const int last = range.size() == 2 ? DayIndex(range[1]) : first;
    if (range.size() > 2 || first < 0 || last < 0) return "on day-of-week " + field;
    if (!names.empty()) names += ", ";
    names += kDayNames[static_cast<size_t>(first)];
    if (last != first) names += std::string(" to ") + kDayNames[static_cast<size_t>(last)];
  }
  return "on " + names;
}

std::string DaysOfMonth(const std::string& field) {
  if (Upper(field) == "L") return "on the last day of the month";
  return "on day " + field + " of the month";
}

std::string Months(const std::string& field) {
  const int month = Number(field);
  static constexpr std::array<const char*, 12> kInOrder = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  if (month >= 1 && month <= 12)
    return std::string("in ") + kInOrder[static_cast<size_t>(month - 1)];
  return "in month " + field;
}

// The time of day part; empty when the fields are not one of the shapes put in words.
std::string TimeOfDay(const std::string& second, const std::string& minute,
                      const std::string& hour) {
  const int sec = Number(second);
  const int min = Number(minute);
  if (IsAny(second)) return IsAny(minute) && IsAny(hour) ? "every second" : "";
  if (const int step = EveryStep(second); step > 0 && IsAny(minute) && IsAny(hour)) {
    return "every " + std::to_string(step) + " seconds";
  }
  if (sec != 0) return "";
  if (IsAny(minute) && IsAny(hour)) return "every minute";
  if (const int step = EveryStep(minute); step > 0 && IsAny(hour)) {
    return "every " + std::to_string(step) + " minutes";
  }
  if (min < 0) return "";
  if (IsAny(hour)) return min == 0 ? "every hour" : "every hour at minute " + std::to_string(min);
  if (const int step = EveryStep(hour); step > 0) {
    return "every " + std::to_string(step) + " hours at minute " + std::to_string(min);
  }
  std::string times;
  for (std::string_view token : Split(hour, ',')) {
    const int h = Number(token);
    if (h < 0) return "";
    times += (times.empty() ? "at " : ", ") + TwoDigits(h) + ":" + TwoDigits(min);
  }
  return times;
}

}  // namespace

std::string DescribeSchedule(const CronSchedule& schedule) {
  const std::array<std::string, 7>& f = schedule.fields();
  std::string words = TimeOfDay(f[0], f[1], f[2]);
  if (words.empty()) {
    words = "at second " + f[0] + ", minute " + f[1] + ", hour " + f[2];
  }
  const bool any_day_of_month = IsAny(f[3]);
  const bool any_day_of_week = IsAny(f[5]);
  if (!any_day_of_month && !any_day_of_week) {
    words += " " + DaysOfMonth(f[3]) + " and " + DaysOfWeek(f[5]);
  } else if (!any_day_of_month) {
    words += " " + DaysOfMonth(f[3]);
  } else if (!any_day_of_week) {
    words += " " + DaysOfWeek(f[5]);
  } else if (words.rfind("at ", 0) == 0) {
    words += " every day";
  }
  if (!IsAny(f[4])) words += " " + Months(f[4]);
  if (!IsAny(f[6])) words += " in " + f[6];
  return words;
}

std::string DescribeSchedule(std::string_view expression) {
  if (IsManualSchedule(expression)) return "manual only";
  Result<CronSchedule> schedule = CronSchedule::Parse(expression);
  return schedule.ok() ? DescribeSchedule(*schedule) : std::string();
}

}  // namespace orc
