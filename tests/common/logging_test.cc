#include "common/logging.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

TEST(ParseLogLevelTest, KnowsEveryLevelInAnyCase) {
  EXPECT_EQ(*ParseLogLevel("trace"), LogLevel::kTrace);
  EXPECT_EQ(*ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("Info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
}

TEST(ParseLogLevelTest, RejectsUnknownNamingTheChoices) {
  Result<LogLevel> parsed = ParseLogLevel("loud");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("'loud'"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("trace, debug, info, warn or error"), std::string::npos);
}

}  // namespace
}  // namespace orc
