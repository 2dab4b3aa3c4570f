#include "cli/cron_command.h"

#include <date/tz.h>

#include <iostream>

#include "common/time_format.h"
#include "cron/cron_describe.h"
#include "cron/cron_schedule.h"

namespace orc {

int PreviewCronCommand(const ClientOptions& options, const CronOptions& cron, const Clock& clock) {
  Result<CronSchedule> schedule = CronSchedule::Parse(cron.expression, cron.timezone);
  if (!schedule.ok()) {
    ReportFailure(schedule.status());
    return 2;  // the expression or the zone given on the command line: a usage error
  }
  const Result<const TimeZone*> zone = FindTimeZone(cron.timezone);
  std::vector<TimePoint> times;
  TimePoint after = clock.Now();
  for (int i = 0; i < cron.count; ++i) {
    std::optional<TimePoint> next = schedule->NextAfter(after);
    if (!next) break;
    times.push_back(*next);
    after = *next;
  }
  if (times.empty()) {
    // A schedule that parses but has no date to fire on (February 30th): an input error, as an
    // expression that does not parse is.
    ReportFailure(InvalidArgumentError("'" + cron.expression +
                                       "' never fires (no fire time before " +
                                       std::to_string(CronSchedule::kMaxYear) + ")"));
    return 2;
  }
  const std::string words = DescribeSchedule(*schedule);
  if (options.format() == OutputFormat::kJson) {
    nlohmann::json fire_times = nlohmann::json::array();
    for (TimePoint time : times) fire_times.push_back(FormatRfc3339(time));
    std::cout << nlohmann::json{{"schedule", cron.expression},
                                {"timezone", cron.timezone},
                                {"description", words},
                                {"fire_times", fire_times}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << cron.expression << ": " << words
            << (cron.timezone == "UTC" ? "" : " (" + cron.timezone + " time)") << "\n";
  std::vector<std::vector<std::string>> rows;
  for (TimePoint time : times) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    std::vector<std::string> row = {date::format("%a %F %T", seconds)};
    if (zone.ok() && *zone != nullptr) {
      const date::sys_info info = (*zone)->GetInfo(seconds);
      row.push_back(
          date::format("%a %F %T ", date::local_seconds(seconds.time_since_epoch()) + info.offset) +
          info.abbrev);
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> headers = {"UTC"};
  if (zone.ok() && *zone != nullptr) headers.push_back(cron.timezone);
  PrintTable(std::cout, headers, rows);
  return 0;
}

}  // namespace orc
