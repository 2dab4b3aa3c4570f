#include "api/bounded_json.h"

#include <gtest/gtest.h>

#include <string>

namespace orc {
namespace {

std::string Nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(BoundedJsonTest, ParsesWhatNlohmannParses) {
  const char* text = R"({"a": [1, -2, 3.5, 18446744073709551615, -9223372036854775808, "x", null,
                        true, {"b": {}}], "c": 1e300})";
  Result<nlohmann::json> parsed = ParseBoundedJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, nlohmann::json::parse(text)) << "the same value as nlohmann's own parser";
}

TEST(BoundedJsonTest, DepthIsLimitedAtParseTime) {
  EXPECT_TRUE(ParseBoundedJson(Nested(kMaxJsonDepth)).ok());
  Result<nlohmann::json> deep = ParseBoundedJson(Nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(deep.status().message().find("deeper than the limit of 64"), std::string::npos);
  // Far deeper input is refused as cheaply: nothing past the limit is built.
  EXPECT_FALSE(ParseBoundedJson(Nested(1000000)).ok());
  EXPECT_FALSE(ParseBoundedJson(std::string(1000000, '[')).ok());
  std::string objects;
  for (int i = 0; i < 150000; ++i) objects += "{\"a\":";
  EXPECT_FALSE(ParseBoundedJson(objects + "1" + std::string(150000, '}')).ok());
}

TEST(BoundedJsonTest, NumbersThatDoNotFitAreRefused) {
  for (const char* text : {"1e400", "-1e400", "[1E+999]", "100000000000000000000",
                           "-9223372036854775809", "{\"a\": 18446744073709551616}"}) {
    Result<nlohmann::json> parsed = ParseBoundedJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(parsed.status().message().find("not accepted"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(BoundedJsonTest, MalformedJsonNamesTheByte) {
  for (const char* text : {"", "{", "{\"a\": }", "[1,]", "\"\xff\"", "nul", "1 2"}) {
    Result<nlohmann::json> parsed = ParseBoundedJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.status().message().find("at byte"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(BoundedJsonTest, TextDepthCountsBracketsOutsideStrings) {
  EXPECT_EQ(JsonTextDepth("1"), 0u);
  EXPECT_EQ(JsonTextDepth(R"({"a": [1, {"b": "[[[{{"}]})"), 3u);
  EXPECT_EQ(JsonTextDepth(R"(["\"[[", ["\\"]])"), 2u);
  EXPECT_EQ(JsonTextDepth(Nested(100000)), 100000u);
}

}  // namespace
}  // namespace orc
