// Randomized checks of CronSchedule against an independent brute-force matcher, and a parser fuzz.
#include <gtest/gtest.h>

#include <date/date.h>

#include <random>
#include <set>

#include "common/time_format.h"
#include "cron/cron_schedule.h"

namespace orc {
namespace {

using std::chrono::seconds;

// One random field: the set of values it allows, and the text that says so.
struct Field {
  std::set<int> values;
  std::string text;
  bool any = false;
  bool last = false;  // day-of-month "L"
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : random_(seed) {}

  int Between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  // Biased towards schedules that fire often, so the brute force finds them quickly.
  Field Make(int min, int max, int any_weight, bool day_of_month = false) {
    Field field;
    const int kind = Between(0, 9);
    if (kind < any_weight) {
      field.any = true;
      field.text = (day_of_month && Between(0, 1) == 0) ? "?" : "*";
      for (int v = min; v <= max; ++v) field.values.insert(v);
      return field;
    }
    if (day_of_month && kind == 9) {
      field.last = true;
      field.text = "L";
      return field;
    }
    const int parts = Between(1, 3);
    for (int p = 0; p < parts; ++p) {
      if (!field.text.empty()) field.text += ",";
      const int shape = Between(0, 3);
      int first = Between(min, max);
      if (shape == 0) {
        field.values.insert(first);
        field.text += std::to_string(first);
      } else {
        const int last = Between(first, max);
        const int step = Between(1, std::max(1, (max - min) / 3));
        for (int v = first; v <= last; v += step) field.values.insert(v);
        field.text += std::to_string(first) + "-" + std::to_string(last);
        if (step > 1) field.text += "/" + std::to_string(step);
      }
    }
    return field;
  }

 private:
  std::mt19937 random_;
};

struct Expression {
  Field second, minute, hour, day_of_month, month, day_of_week;
  std::string text;
};

Expression RandomExpression(Generator& generator) {
  Expression e;
  e.second = generator.Make(0, 59, 5);
  e.minute = generator.Make(0, 59, 5);
  e.hour = generator.Make(0, 23, 6);
  e.day_of_month = generator.Make(1, 31, 7, /*day_of_month=*/true);
  e.month = generator.Make(1, 12, 8);
  e.day_of_week = generator.Make(0, 6, 7);
  e.text = e.second.text + " " + e.minute.text + " " + e.hour.text + " " + e.day_of_month.text +
           " " + e.month.text + " " + e.day_of_week.text;
  return e;
}

bool DayMatches(const Expression& e, date::year_month_day ymd) {
  const unsigned day = static_cast<unsigned>(ymd.day());
  const bool last_day = day == static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
  const bool by_month_day =
      e.day_of_month.values.count(static_cast<int>(day)) > 0 || (e.day_of_month.last && last_day);
  const bool by_weekday =
      e.day_of_week.values.count(static_cast<int>(date::weekday(ymd).c_encoding())) > 0;
  if (e.day_of_month.any && e.day_of_week.any) return true;
  if (e.day_of_week.any) return by_month_day;
  if (e.day_of_month.any) return by_weekday;
  return by_month_day || by_weekday;
}

// The first second after `after` (UTC) that every field allows, looking at most `horizon` ahead.
std::optional<TimePoint> BruteForceNext(const Expression& e, TimePoint after, seconds horizon) {
  auto t = std::chrono::floor<seconds>(after) + seconds(1);
  const auto end = t + horizon;
  date::sys_days current_day{};
  bool day_ok = false;
  for (; t < end; t += seconds(1)) {
    const auto day = std::chrono::floor<date::days>(t);
    if (day != current_day) {
      current_day = day;
      const date::year_month_day ymd(day);
      day_ok = e.month.values.count(static_cast<int>(static_cast<unsigned>(ymd.month()))) > 0 &&
               DayMatches(e, ymd);
    }
    if (!day_ok) {
      t = current_day + date::days(1) - seconds(1);  // nothing today: on to the next day
      continue;
    }
    const date::hh_mm_ss<seconds> clock(t - current_day);
    if (e.hour.values.count(static_cast<int>(clock.hours().count())) &&
        e.minute.values.count(static_cast<int>(clock.minutes().count())) &&
        e.second.values.count(static_cast<int>(clock.seconds().count()))) {
      return TimePoint(t.time_since_epoch());
    }
  }
  return std::nullopt;
}

TEST(CronRandomTest, NextFireAgreesWithBruteForce) {
  constexpr int kExpressions = 3000;
  constexpr seconds kHorizon = std::chrono::hours(24 * 40);
  Generator generator(20261127);
  int compared = 0;
  for (int i = 0; i < kExpressions; ++i) {
    const Expression expression = RandomExpression(generator);
    Result<CronSchedule> schedule = CronSchedule::Parse(expression.text);
    if (!schedule.ok()) {
      // Only "never fires" (e.g. 31 in a month set without 31-day months) may be refused.
      EXPECT_NE(schedule.status().message().find("never fires"), std::string::npos)
          << expression.text << ": " << schedule.status().message();
      continue;
    }
    // A start anywhere from 2000 to 2040, at any second.
    TimePoint after = TimePoint(seconds(946684800 + generator.Between(0, 40 * 365 * 24) * 3600LL +
                                        generator.Between(0, 3599)));
    for (int fire = 0; fire < 3; ++fire) {
      const std::optional<TimePoint> expected = BruteForceNext(expression, after, kHorizon);
      const std::optional<TimePoint> actual = schedule->NextAfter(after);
      if (expected) {
        ASSERT_TRUE(actual) << expression.text << " after " << FormatRfc3339(after);
        ASSERT_EQ(FormatRfc3339(*actual), FormatRfc3339(*expected))
            << expression.text << " after " << FormatRfc3339(after);
        ++compared;
        after = *expected;
      } else {
        ASSERT_TRUE(!actual || *actual >= after + kHorizon)
            << expression.text << " after " << FormatRfc3339(after) << ": brute force found none "
            << "within the horizon but the schedule says " << FormatRfc3339(*actual);
        break;
      }
    }
  }
  EXPECT_GT(compared, kExpressions);  // most expressions fire within the horizon
}

// Random bytes and near-miss tokens: parsing never crashes or hangs, and whatever parses has a
// next fire time (or none) computed in bounded time.
TEST(CronRandomTest, ParserSurvivesGarbage) {
  static const char* kTokens[] = {
      "*",    "?",    "L",  "/",  "-",   ",",   "0",   "7",   "59",   "60",
      "99",   "-1",   "*/", "/5", "1-",  "JAN", "sun", "MON", "@",    "@hourly",
      "2199", "1969", "  ", "\t", "L-2", "5/0", "3-1", "x",   "\xff", "99999999999999999999"};
  std::mt19937 random(7);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  const TimePoint after = *ParseRfc3339("2026-11-27T00:00:00Z");
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 100000; ++i) {
    std::string text;
    const int tokens = pick(12);
    for (int t = 0; t < tokens; ++t) {
      if (pick(4) == 0) {
        text.push_back(static_cast<char>(pick(256)));
      } else {
        text += kTokens[pick(sizeof(kTokens) / sizeof(kTokens[0]))];
        if (pick(2) == 0) text += " ";
      }
    }
    Result<CronSchedule> schedule =
        CronSchedule::Parse(text, pick(3) == 0 ? "Europe/Berlin" : "UTC");
    if (schedule.ok()) (void)schedule->NextAfter(after);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

}  // namespace
}  // namespace orc
