#include "cron/cron_describe.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

TEST(CronDescribeTest, CommonShapesInWords) {
  const std::pair<const char*, const char*> cases[] = {
      {"* * * * *", "every minute"},
      {"*/15 * * * *", "every 15 minutes"},
      {"0 * * * *", "every hour"},
      {"30 * * * *", "every hour at minute 30"},
      {"0 */6 * * *", "every 6 hours at minute 0"},
      {"0 9 * * *", "at 09:00 every day"},
      {"30 2 * * *", "at 02:30 every day"},
      {"0 9,17 * * *", "at 09:00, 17:00 every day"},
      {"0 9 * * MON-FRI", "at 09:00 on weekdays"},
      {"0 9 * * 1-5", "at 09:00 on weekdays"},
      {"0 10 * * SAT,SUN", "at 10:00 on weekends"},
      {"0 8 * * 1", "at 08:00 on Monday"},
      {"0 8 * * MON,WED", "at 08:00 on Monday, Wednesday"},
      {"0 0 1 * *", "at 00:00 on day 1 of the month"},
      {"0 0 L * *", "at 00:00 on the last day of the month"},
      {"0 0 1 1 *", "at 00:00 on day 1 of the month in January"},
      {"0 0 9 * * *", "at 09:00 every day"},
      {"*/10 * * * * *", "every 10 seconds"},
      {"@daily", "at 00:00 every day"},
      {"@hourly", "every hour"},
      {"@weekly", "at 00:00 on Sunday"},
      {"0 0 1 * MON", "at 00:00 on day 1 of the month and on Monday"},
      {"5,35 9-17 * * *", "at second 0, minute 5,35, hour 9-17 every day"},
      {"@manual", "manual only"},
      {"", "manual only"},
      {"not cron", ""},
  };
  for (const auto& [expression, words] : cases) {
    EXPECT_EQ(DescribeSchedule(expression), words) << expression;
  }
}

}  // namespace
}  // namespace orc
