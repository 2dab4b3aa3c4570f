// `orc cron` with an injected clock: the fire times it prints start from that clock's now.
#include "cli/cron_command.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/time_format.h"

namespace orc {
namespace {

TEST(PreviewCronCommandTest, FireTimesStartFromTheClocksNow) {
  const FakeClock clock(*ParseRfc3339("2031-05-06T07:08:09Z"));
  const ClientOptions options{.output = "json"};
  ::testing::internal::CaptureStdout();
  const int exit_code = PreviewCronCommand(options, {.expression = "0 9 * * *", .count = 2}, clock);
  const std::string printed = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(exit_code, 0) << printed;
  EXPECT_EQ(nlohmann::json::parse(printed)["fire_times"],
            nlohmann::json({"2031-05-06T09:00:00.000Z", "2031-05-07T09:00:00.000Z"}));
}

TEST(RunDurationTest, ARunningRunCountsToTheGivenNow) {
  const nlohmann::json running = {{"started_at", "2031-05-06T07:00:00.000Z"}};
  EXPECT_EQ(RunDuration(running, *ParseRfc3339("2031-05-06T07:03:04Z")), "3m04s");
  const nlohmann::json finished = {{"started_at", "2031-05-06T07:00:00.000Z"},
                                   {"finished_at", "2031-05-06T07:00:01.500Z"}};
  EXPECT_EQ(RunDuration(finished, *ParseRfc3339("2031-05-06T09:00:00Z")), "1.50s");
}

}  // namespace
}  // namespace orc
