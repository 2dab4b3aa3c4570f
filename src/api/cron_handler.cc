#include "api/cron_handler.h"

#include "api/api_request.h"

#include <nlohmann/json.hpp>

#include "api/error_response.h"
#include "api/request_helpers.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "cron/cron_schedule.h"

namespace orc {
namespace {

constexpr int kDefaultCount = 5;
constexpr int kMaxCount = 1000;

void Preview(const Clock& clock, const ApiRequest& request, ApiResponse& response) {
  if (!request.HasParam("schedule")) {
    return WriteError(response,
                      InvalidArgumentError("schedule is required, e.g. ?schedule=0 9 * * MON-FRI")
                          .WithField("schedule"));
  }
  const std::string expression = request.Param("schedule");
  const std::string timezone = request.HasParam("timezone") ? request.Param("timezone") : "UTC";
  Result<int> count = IntParam(request, "count", kDefaultCount, 1, kMaxCount);
  if (!count.ok()) return WriteError(response, count.status());
  // ?after= lets a client list the slots of a past range (the dashboard's backfill preview).
  std::optional<TimePoint> at = clock.Now();
  if (request.HasParam("after")) {
    Result<TimePoint> after = ParseRfc3339(request.Param("after"));
    if (!after.ok()) return WriteError(response, Status(after.status()).WithField("after"));
    at = *after;
  }
  nlohmann::json fire_times = nlohmann::json::array();
  if (!IsManualSchedule(expression)) {
    Result<CronSchedule> schedule = CronSchedule::Parse(expression, timezone);
    if (!schedule.ok()) return WriteError(response, schedule.status());
    for (int i = 0; i < *count && (at = schedule->NextAfter(*at)); ++i) {
      fire_times.push_back(FormatRfc3339(*at));
    }
  }
  WriteJson(response, 200,
            {{"schedule", expression}, {"timezone", timezone}, {"fire_times", fire_times}});
}

}  // namespace

void InstallCronRoutes(Router& router, const Clock& clock) {
  router.Get("/cron/preview",
             "The next fire times of a schedule (?schedule, ?timezone, ?count, ?after), in UTC",
             [&clock](const ApiRequest& request, ApiResponse& response) {
               Preview(clock, request, response);
             });
}

}  // namespace orc
