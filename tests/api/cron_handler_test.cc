// GET /cron/preview through the router: fire times from the injected clock, and errors that name
// the query parameter at fault.
#include "api/cron_handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/router.h"
#include "common/clock.h"
#include "common/time_format.h"

namespace orc {
namespace {

using nlohmann::json;

class CronHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { InstallCronRoutes(router_, clock_); }

  ApiResponse Get(const std::string& path, std::vector<std::pair<std::string, std::string>> query) {
    ApiRequest request;
    request.method = "GET";
    request.path = path;
    request.query = std::move(query);
    ApiResponse response;
    router_.Dispatch(request, response);
    return response;
  }

  FakeClock clock_{*ParseRfc3339("2031-05-06T07:08:09Z")};
  Router router_;
};

TEST_F(CronHandlerTest, PreviewStartsFromTheClocksNow) {
  const ApiResponse response = Get("/cron/preview", {{"schedule", "0 9 * * *"}, {"count", "2"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["fire_times"],
            json({"2031-05-06T09:00:00.000Z", "2031-05-07T09:00:00.000Z"}));

  clock_.Advance(std::chrono::hours(24));
  const ApiResponse later = Get("/cron/preview", {{"schedule", "0 9 * * *"}, {"count", "1"}});
  EXPECT_EQ(json::parse(later.body)["fire_times"], json({"2031-05-07T09:00:00.000Z"}));
}

TEST_F(CronHandlerTest, AfterListsTheSlotsFollowingAnInstantInThePast) {
  const ApiResponse response =
      Get("/cron/preview",
          {{"schedule", "0 9 * * *"}, {"after", "2026-01-01T09:00:00Z"}, {"count", "2"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["fire_times"],
            json({"2026-01-02T09:00:00.000Z", "2026-01-03T09:00:00.000Z"}));
}

TEST_F(CronHandlerTest, ABadAfterNamesTheAfterParameter) {
  const ApiResponse response = Get("/cron/preview", {{"schedule", "0 9 * * *"}, {"after", "May"}});
  ASSERT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(json::parse(response.body)["error"]["field"], "after") << response.body;
}

TEST_F(CronHandlerTest, ABadTimeZoneNamesTheTimezoneParameter) {
  const ApiResponse response =
      Get("/cron/preview", {{"schedule", "* * * * *"}, {"timezone", "Mars/Olympus"}});
  ASSERT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(json::parse(response.body)["error"]["field"], "timezone") << response.body;
}

TEST_F(CronHandlerTest, ABadScheduleNamesTheScheduleParameter) {
  const ApiResponse response = Get("/cron/preview", {{"schedule", "61 * * * *"}});
  ASSERT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(json::parse(response.body)["error"]["field"], "schedule") << response.body;
}

}  // namespace
}  // namespace orc
