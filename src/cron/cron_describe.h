// A cron schedule in words, for people reading a job list: "every 15 minutes",
// "at 09:00 on weekdays", "at 02:30 on day 1 of the month".
//
// Common shapes get a sentence; anything else is spelled out field by field ("at second 0,
// minute 5,35, hour 9-17, on day-of-week 1-5"), so the result is never wrong, only plainer.
#pragma once

#include <string>
#include <string_view>

#include "cron/cron_schedule.h"

namespace orc {

std::string DescribeSchedule(const CronSchedule& schedule);

// "manual only" for a manual schedule; the description of a valid cron expression; the empty
// string for one that does not parse.
std::string DescribeSchedule(std::string_view expression);

}  // namespace orc
