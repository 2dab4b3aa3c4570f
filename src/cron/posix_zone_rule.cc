#include "cron/posix_zone_rule.h"

#include <cctype>

namespace orc {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Reads a TZ string left to right; every failure names the position and what was expected there.
class PosixZoneRule::Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool AtEnd() const { return position_ == text_.size(); }
  bool Take(char c) {
    if (AtEnd() || text_[position_] != c) return false;
    ++position_;
    return true;
  }
  bool NextIsOffset() const {
    return !AtEnd() && (std::isdigit(static_cast<unsigned char>(text_[position_])) ||
                        text_[position_] == '+' || text_[position_] == '-');
  }

  Status Error(std::string_view expected) const {
    return InvalidArgumentError("TZ string '" + std::string(text_) + "': expected " +
                                std::string(expected) + " at position " +
                                std::to_string(position_ + 1));
  }

  Result<std::string> Abbreviation() {
    std::string name;
    if (Take('<')) {
      while (!AtEnd() && text_[position_] != '>' && text_[position_] != '<') {
        name.push_back(text_[position_++]);
      }
      if (!Take('>')) return Error("'>' closing the abbreviation");
    } else {
      while (!AtEnd() && std::isalpha(static_cast<unsigned char>(text_[position_]))) {
        name.push_back(text_[position_++]);
      }
    }
    if (name.size() < 3) return Error("an abbreviation of at least 3 characters");
    return name;
  }

  Result<unsigned> Number(unsigned max, std::string_view what) {
    const size_t start = position_;
    unsigned value = 0;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(text_[position_])) &&
           position_ - start < 3) {
      value = value * 10 + static_cast<unsigned>(text_[position_++] - '0');
    }
    if (position_ == start || value > max) return Error(what);
    return value;
  }

  // [+-]h[:mm[:ss]] with at most `max_hours` hours.
  Result<seconds> SignedTime(unsigned max_hours) {
    const bool negative = Take('-');
    if (!negative) Take('+');
    ORC_ASSIGN_OR_RETURN(unsigned h, Number(max_hours, "hours"));
    seconds time = hours(h);
    if (Take(':')) {
      ORC_ASSIGN_OR_RETURN(unsigned m, Number(59, "minutes (00-59)"));
      time += minutes(m);
      if (Take(':')) {
        ORC_ASSIGN_OR_RETURN(unsigned s, Number(59, "seconds (00-59)"));
        time += seconds(s);
      }
    }
    return negative ? -time : time;
  }

  Result<DayRule> Day() {
    DayRule rule;
    if (Take('J')) {
      rule.kind = DayRule::Kind::kJulianNoLeap;
      ORC_ASSIGN_OR_RETURN(rule.day, Number(365, "a day of the year 1-365 after 'J'"));
      if (rule.day == 0) return Error("a day of the year 1-365 after 'J'");
    } else if (Take('M')) {
      rule.kind = DayRule::Kind::kMonthWeekDay;
      ORC_ASSIGN_OR_RETURN(rule.month, Number(12, "a month 1-12 after 'M'"));
      if (rule.month == 0) return Error("a month 1-12 after 'M'");
      if (!Take('.')) return Error("'.' after the month");
      ORC_ASSIGN_OR_RETURN(rule.week, Number(5, "a week 1-5"));
      if (rule.week == 0) return Error("a week 1-5");
      if (!Take('.')) return Error("'.' after the week");
      ORC_ASSIGN_OR_RETURN(rule.weekday, Number(6, "a day of the week 0-6"));
    } else {
      rule.kind = DayRule::Kind::kZeroBased;
      ORC_ASSIGN_OR_RETURN(rule.day, Number(365, "'J', 'M' or a day of the year 0-365"));
    }
    if (Take('/')) {
      ORC_ASSIGN_OR_RETURN(rule.time, SignedTime(167));
    }
    return rule;
  }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

Result<PosixZoneRule> PosixZoneRule::Parse(std::string_view text) {
  Reader reader(text);
  PosixZoneRule rule;
  ORC_ASSIGN_OR_RETURN(rule.standard_abbreviation_, reader.Abbreviation());
  if (!reader.NextIsOffset()) return reader.Error("the standard time's offset");
  ORC_ASSIGN_OR_RETURN(seconds standard, reader.SignedTime(24));
  rule.standard_offset_ = -standard;
  rule.daylight_offset_ = rule.standard_offset_;
  if (reader.AtEnd()) return rule;
  rule.has_daylight_saving_ = true;
  ORC_ASSIGN_OR_RETURN(rule.daylight_abbreviation_, reader.Abbreviation());
  rule.daylight_offset_ = rule.standard_offset_ + hours(1);
  if (reader.NextIsOffset()) {
    ORC_ASSIGN_OR_RETURN(seconds daylight, reader.SignedTime(24));
    rule.daylight_offset_ = -daylight;
  }
  if (!reader.Take(',')) return reader.Error("',' and the rule for daylight-saving time");
  ORC_ASSIGN_OR_RETURN(rule.start_, reader.Day());
  if (!reader.Take(',')) return reader.Error("',' and the day daylight-saving time ends");
  ORC_ASSIGN_OR_RETURN(rule.end_, reader.Day());
  if (!reader.AtEnd()) return reader.Error("the end of the string");
  return rule;
}

date::local_seconds PosixZoneRule::DayRule::In(int year) const {
  const date::year y(year);
  date::local_days day;
  switch (kind) {
    case Kind::kJulianNoLeap:  // 29 February is never counted: J60 is always 1 March
      day = date::local_days(y / date::January / 0) + date::days(this->day) +
            date::days(y.is_leap() && this->day > 59 ? 1 : 0);
      break;
    case Kind::kZeroBased:
      day = date::local_days(y / date::January / 1) + date::days(this->day);
      break;
    case Kind::kMonthWeekDay: {
      const date::month m(month);
      const date::weekday wd(weekday);
      day =
          week == 5 ? date::local_days(y / m / wd[date::last]) : date::local_days(y / m / wd[week]);
      break;
    }
  }
  return day + time;
}

std::array<PosixZoneRule::Transition, 2> PosixZoneRule::TransitionsIn(int year) const {
  // Each change happens on the wall clock in force before it: the start on standard time, the
  // end on daylight-saving time.
  const Transition start{date::sys_seconds((start_.In(year) - standard_offset_).time_since_epoch()),
                         true};
  const Transition end{date::sys_seconds((end_.In(year) - daylight_offset_).time_since_epoch()),
                       false};
  if (end.at < start.at) return {end, start};
  return {start, end};
}

}  // namespace orc
