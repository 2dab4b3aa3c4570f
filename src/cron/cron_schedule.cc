#include "cron/cron_schedule.h"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace orc {
namespace {

static_assert(CronSchedule::kMaxYear < TimeZone::kLastRuleYear,
              "every year a schedule can name needs its zone offsets");

using std::chrono::seconds;

// An error in the cron expression itself; the field lets the API name it without reading text.
Status ScheduleError(std::string message) {
  return InvalidArgumentError(std::move(message)).WithField("schedule");
}

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] is value min + i; nullptr when the field has none
  const char* names_hint;
  bool allows_question = false;
  bool allows_last = false;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
// 0-7 so that the names line up with the numbers; 7 (Sunday again) has no name of its own.
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};

constexpr FieldSpec kSecond{"second", 0, 59, nullptr, nullptr};
constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, nullptr};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, nullptr};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, nullptr, nullptr, true, true};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames, "JAN-DEC"};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, kDayNames, "SUN-SAT", true};
constexpr FieldSpec kYear{"year", CronSchedule::kMinYear, CronSchedule::kMaxYear, nullptr, nullptr};

struct ParsedField {
  std::vector<bool> allowed;  // index: value - spec.min
  bool any = false;           // "*" or "?" alone
  bool last = false;          // "L"
};

std::string Upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, int ordinal, int field_count)
      : spec_(spec), ordinal_(ordinal), field_count_(field_count) {}

  Result<ParsedField> Parse(std::string_view text) const {
    ParsedField field;
    field.allowed.assign(static_cast<size_t>(spec_.max - spec_.min + 1), false);
    if (text == "*" || (text == "?" && spec_.allows_question)) {
      field.any = true;
      std::fill(field.allowed.begin(), field.allowed.end(), true);
      return field;
    }
    size_t start = 0;
    while (true) {
      const size_t comma = text.find(',', start);
      const std::string_view item = text.substr(start, comma - start);
      ORC_RETURN_IF_ERROR(ParseItem(item, field));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return field;
  }

 private:
  Status Error(std::string_view token, std::string_view why) const {
    std::string message = "schedule: ";
    message.append(spec_.name).append(" field (").append(Ordinal()).append(" of ");
    message.append(std::to_string(field_count_)).append(") '").append(token).append("': ");
    message.append(why);
    return InvalidArgumentError(std::move(message)).WithField("schedule");
  }

  std::string Ordinal() const {
    static constexpr const char* kOrdinals[] = {"1st", "2nd", "3rd", "4th", "5th", "6th", "7th"};
    return kOrdinals[ordinal_];
  }

  Result<int> ParseValue(std::string_view token) const {
    if (token.empty()) return Error(token, "empty value");
    int value = 0;
    auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (error == std::errc() && end == token.data() + token.size()) {
      if (value < spec_.min || value > spec_.max) {
        return Error(token,
                     "out of range " + std::to_string(spec_.min) + "-" + std::to_string(spec_.max));
      }
      return value;
    }
    if (spec_.names != nullptr) {
      const std::string upper = Upper(token);
      for (int i = 0; i <= spec_.max - spec_.min; ++i) {
        if (spec_.names[i] != nullptr && upper == spec_.names[i]) return spec_.min + i;
      }
      return Error(token, std::string("not a number or a name (") + spec_.names_hint + ")");
    }
    return Error(token, "not a number");
  }

  Status ParseItem(std::string_view item, ParsedField& field) const {
    if (item.empty()) return Error(item, "empty list item (two commas, or a trailing comma)");
    if (item == "L" || item == "l") {
      if (!spec_.allows_last) return Error(item, "'L' is only allowed in day-of-month");
      field.last = true;
      return Status::Ok();
    }
    if (item == "?" || item == "*") {
      if (item == "?" && !spec_.allows_question) {
        return Error(item, "'?' is only allowed in day-of-month and day-of-week");
      }
      return Error(item, "'" + std::string(item) + "' cannot be combined with other values");
    }
    std::string_view range = item;
    int step = 1;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::string_view step_text = item.substr(slash + 1);
      auto [end, error] =
          std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || error != std::errc() || end != step_text.data() + step_text.size()) {
        return Error(item, "the step after '/' must be a number");
      }
      if (step < 1 || step > spec_.max - spec_.min + 1) {
        return Error(item, "the step must be 1 to " + std::to_string(spec_.max - spec_.min + 1));
      }
    }
    int first = spec_.min;
    int last = spec_.max;
    if (range != "*") {
      const size_t dash = range.find('-', 1);
      ORC_ASSIGN_OR_RETURN(first, ParseValue(range.substr(0, dash)));
      if (dash != std::string_view::npos) {
        ORC_ASSIGN_OR_RETURN(last, ParseValue(range.substr(dash + 1)));
        if (last < first) return Error(item, "the range starts after it ends");
      } else if (range.size() == item.size()) {
        last = first;  // a single value
      }
      // "N/S" without a range: from N to the end of the field.
    }
    for (int value = first; value <= last; value += step) {
      field.allowed[static_cast<size_t>(value - spec_.min)] = true;
    }
    return Status::Ok();
  }

  const FieldSpec& spec_;
  int ordinal_;
  int field_count_;
};

// next[i] = smallest allowed value >= i, or next.size() - 1 when none.
template <typename Table>
void FillNext(Table& next, const std::vector<bool>& allowed, int min) {
  const size_t none = next.size() - 1;
  next[none] = static_cast<typename Table::value_type>(none);
  for (size_t i = none; i-- > 0;) {
    const int index = static_cast<int>(i) - min;
    const bool ok = index >= 0 && static_cast<size_t>(index) < allowed.size() &&
                    allowed[static_cast<size_t>(index)];
    next[i] = ok ? static_cast<typename Table::value_type>(i) : next[i + 1];
  }
}

std::string_view ExpandMacro(std::string_view expression) {
  const std::string upper = Upper(expression);
  if (upper == "@YEARLY" || upper == "@ANNUALLY") return "0 0 0 1 1 *";
  if (upper == "@MONTHLY") return "0 0 0 1 * *";
  if (upper == "@WEEKLY") return "0 0 0 * * 0";
  if (upper == "@DAILY" || upper == "@MIDNIGHT") return "0 0 0 * * *";
  if (upper == "@HOURLY") return "0 0 * * * *";
  return expression;
}

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

unsigned DaysIn(int year, unsigned month) {
  return static_cast<unsigned>((date::year(year) / date::month(month) / date::last).day());
}

}  // namespace

bool IsManualSchedule(std::string_view expression) {
  const std::vector<std::string_view> fields = SplitFields(expression);
  return fields.empty() || (fields.size() == 1 && Upper(fields[0]) == "@MANUAL");
}

Result<CronSchedule> CronSchedule::Parse(std::string_view expression, std::string_view timezone) {
  CronSchedule schedule;
  schedule.expression_ = std::string(expression);
  schedule.timezone_ = std::string(timezone);
  ORC_ASSIGN_OR_RETURN(schedule.zone_, FindTimeZone(timezone));
  if (IsManualSchedule(expression)) {
    return ScheduleError("schedule '" + std::string(expression) +
                         "': a manual-only job has no cron schedule");
  }
  if (!expression.empty() && expression.front() == '@' && ExpandMacro(expression) == expression) {
    return ScheduleError("schedule '" + std::string(expression) +
                         "': unknown macro; use @yearly, @annually, @monthly, @weekly, "
                         "@daily, @midnight, @hourly or @manual");
  }
  std::vector<std::string_view> fields = SplitFields(ExpandMacro(expression));
  if (fields.size() < 5 || fields.size() > 7) {
    return ScheduleError("schedule '" + std::string(expression) +
                         "': expected 5 fields (min hour day month " +
                         "weekday), 6 (with seconds first) or 7 (with a year last), got " +
                         std::to_string(fields.size()));
  }
  if (fields.size() == 5) fields.insert(fields.begin(), "0");
  const int count = static_cast<int>(SplitFields(ExpandMacro(expression)).size());
  const int offset = count == 5 ? -1 : 0;  // the seconds field a 5-field expression lacks
  const FieldSpec* specs[] = {&kSecond, &kMinute,    &kHour, &kDayOfMonth,
                              &kMonth,  &kDayOfWeek, &kYear};
  ParsedField parsed[7];
  for (size_t i = 0; i < 7; ++i) {
    const std::string_view text = i < fields.size() ? fields[i] : "*";
    schedule.fields_[i] = std::string(text);
    ORC_ASSIGN_OR_RETURN(parsed[i],
                         FieldParser(*specs[i], static_cast<int>(i) + offset, count).Parse(text));
  }
  FillNext(schedule.next_second_, parsed[0].allowed, kSecond.min);
  FillNext(schedule.next_minute_, parsed[1].allowed, kMinute.min);
  FillNext(schedule.next_hour_, parsed[2].allowed, kHour.min);
  FillNext(schedule.next_month_, parsed[4].allowed, kMonth.min);
  FillNext(schedule.next_year_, parsed[6].allowed, 0);
  for (int day = 1; day <= 31; ++day) {
    schedule.days_of_month_[static_cast<size_t>(day)] =
        parsed[3].allowed[static_cast<size_t>(day - 1)];
  }
  for (int day = 0; day <= 7; ++day) {
    if (parsed[5].allowed[static_cast<size_t>(day)])
      schedule.days_of_week_[static_cast<size_t>(day % 7)] = true;
  }
  // cron(8)'s test for a job that follows the clock across daylight-saving changes.
  schedule.wildcard_ = schedule.fields_[1].front() == '*' || schedule.fields_[2].front() == '*';
  schedule.last_day_of_month_ = parsed[3].last;
  schedule.any_day_of_month_ = parsed[3].any;
  schedule.any_day_of_week_ = parsed[5].any;

  // A day-of-month that no allowed month has (e.g. 30 February) never fires: say so now, not
  // when the job silently never runs.
  if (schedule.any_day_of_week_ && !schedule.last_day_of_month_) {
    bool possible = false;
    for (unsigned month = 1; month <= 12 && !possible; ++month) {
      if (schedule.next_month_[month] != month) continue;
      for (unsigned day = 1; day <= DaysIn(2000, month) && !possible; ++day) {  // 2000: leap
        possible = schedule.days_of_month_[day];
      }
    }
    if (!possible) {
      return ScheduleError("schedule '" + std::string(expression) +
                           "': no allowed month has the allowed days of the month, so it "
                           "never fires");
    }
  }
  // Other dates that never come, e.g. 29 February in a year that is not a leap year.
  if (!schedule.NextAfter(
          TimePoint(date::sys_days(date::year(kMinYear) / 1 / 1).time_since_epoch() -
                    std::chrono::hours(24)))) {
    return ScheduleError("schedule '" + std::string(expression) + "': matches no date from " +
                         std::to_string(kMinYear) + " to " + std::to_string(kMaxYear) +
                         ", so it never fires");
  }
  return schedule;
}

bool CronSchedule::DayMatches(int year, unsigned month, unsigned day) const {
  const bool by_month_day =
      days_of_month_[day] || (last_day_of_month_ && day == DaysIn(year, month));
  const unsigned weekday =
      date::weekday(date::year(year) / date::month(month) / date::day(day)).c_encoding();
  const bool by_weekday = days_of_week_[weekday];
  if (any_day_of_month_ && any_day_of_week_) return true;
  if (any_day_of_week_) return by_month_day;
  if (any_day_of_month_) return by_weekday;
  return by_month_day || by_weekday;  // both restricted: either (Vixie cron)
}

std::optional<CronSchedule::LocalTime> CronSchedule::NextLocalMatch(LocalTime t) const {
  // Each step either accepts a field or moves to its next allowed value, resetting the smaller
  // fields; a field that runs out carries into the next larger one.
  while (true) {
    if (t.year < kMinYear) t = {kMinYear, 1, 1, 0, 0, 0};
    if (t.year > kMaxYear) return std::nullopt;
    const int year = next_year_[static_cast<size_t>(t.year - kMinYear)] + kMinYear;
    if (year > kMaxYear) return std::nullopt;
    if (year != t.year) t = {year, 1, 1, 0, 0, 0};
    const unsigned month = next_month_[t.month];
    if (month > 12) {
      t = {t.year + 1, 1, 1, 0, 0, 0};
      continue;
    }
    if (month != t.month) t = {t.year, month, 1, 0, 0, 0};
    if (t.day > DaysIn(t.year, t.month)) {
      t = {t.year, t.month + 1, 1, 0, 0, 0};
      continue;
    }
    if (!DayMatches(t.year, t.month, t.day)) {
      t = {t.year, t.month, t.day + 1, 0, 0, 0};
      continue;
    }
    const unsigned hour = next_hour_[t.hour];
    if (hour > 23) {
      t = {t.year, t.month, t.day + 1, 0, 0, 0};
      continue;
    }
    if (hour != t.hour) t = {t.year, t.month, t.day, hour, 0, 0};
    const unsigned minute = next_minute_[t.minute];
    if (minute > 59) {
      t = {t.year, t.month, t.day, t.hour + 1, 0, 0};
      if (t.hour > 23) t = {t.year, t.month, t.day + 1, 0, 0, 0};
      continue;
    }
    if (minute != t.minute) t = {t.year, t.month, t.day, t.hour, minute, 0};
    const unsigned second = next_second_[t.second];
    if (second > 59) {
      t = {t.year, t.month, t.day, t.hour, t.minute + 1, 0};
      if (t.minute > 59) t = {t.year, t.month, t.day, t.hour + 1, 0, 0};
      if (t.hour > 23) t = {t.year, t.month, t.day + 1, 0, 0, 0};
      continue;
    }
    t.second = second;
    return t;
  }
}

std::optional<date::local_seconds> CronSchedule::NextLocalMatch(date::local_seconds start) const {
  const auto day = std::chrono::floor<date::days>(start);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<seconds> clock(start - day);
  const std::optional<LocalTime> match = NextLocalMatch(
      {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
       static_cast<unsigned>(ymd.day()), static_cast<unsigned>(clock.hours().count()),
       static_cast<unsigned>(clock.minutes().count()),
       static_cast<unsigned>(clock.seconds().count())});
  if (!match) return std::nullopt;
  return date::local_days(date::year(match->year) / date::month(match->month) /
                          date::day(match->day)) +
         std::chrono::hours(match->hour) + std::chrono::minutes(match->minute) +
         seconds(match->second);
}

std::optional<date::sys_seconds> CronSchedule::NextFixedTime(date::sys_seconds after) const {
  // The search runs on the local wall clock, from the second after `after` as the clock shows it,
  // so a slot inside a spring-forward gap is still found (and fired at the end of the gap), and
  // the repeated hour of a fall-back is not searched a second time.
  date::local_seconds from = zone_->ToLocal(after) + seconds(1);
  while (true) {
    const std::optional<date::local_seconds> local = NextLocalMatch(from);
    if (!local) return std::nullopt;
    const date::local_info info = zone_->GetInfo(*local);
    if (info.result == date::local_info::unique) {
      return date::sys_seconds((*local - info.first.offset).time_since_epoch());
    }
    if (info.result == date::local_info::nonexistent) {
      return info.second.begin;  // the first instant after the gap
    }
    const date::sys_seconds first_occurrence((*local - info.first.offset).time_since_epoch());
    if (first_occurrence > after) return first_occurrence;
    from = *local + seconds(1);  // its first occurrence has passed: it does not fire again
  }
}

std::optional<date::sys_seconds> CronSchedule::NextWildcard(date::sys_seconds from) const {
  // Walks the periods of constant offset in real time and searches each on the wall clock it
  // shows: local times a jump forward skips are never shown, a repeated one is shown twice.
  while (true) {
    const date::sys_info period = zone_->GetInfo(from);
    const std::optional<date::local_seconds> local =
        NextLocalMatch(date::local_seconds((from + period.offset).time_since_epoch()));
    if (!local) return std::nullopt;
    const date::sys_seconds at((*local - period.offset).time_since_epoch());
    if (at < period.end) return at;
    from = period.end;
  }
}

std::optional<TimePoint> CronSchedule::NextAfter(TimePoint after) const {
  const auto after_seconds = std::chrono::floor<seconds>(after);
  std::optional<date::sys_seconds> next;
  if (zone_ == nullptr) {
    const std::optional<date::local_seconds> local =
        NextLocalMatch(date::local_seconds(after_seconds.time_since_epoch() + seconds(1)));
    if (local) next = date::sys_seconds(local->time_since_epoch());
  } else {
    next = wildcard_ ? NextWildcard(after_seconds + seconds(1)) : NextFixedTime(after_seconds);
  }
  if (!next) return std::nullopt;
  return TimePoint(next->time_since_epoch());
}

}  // namespace orc
