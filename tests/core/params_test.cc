#include "core/params.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace orc {
namespace {

using nlohmann::json;

std::vector<ParamSpec> Declared() {
  return *ParamsFromJson(json::parse(R"({
    "region": {"type": "string", "default": "eu", "description": "where"},
    "limit": {"type": "integer"},
    "ratio": {"type": "number", "default": 0.5},
    "full": {"type": "boolean", "default": false},
    "day": {"type": "date", "default": "2026-11-30"}
  })"),
                         "params");
}

std::string FieldOf(const Status& status) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  return status.field();
}

TEST(ParamsTest, WrittenFormRoundTrips) {
  const std::vector<ParamSpec> params = Declared();
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0].name, "day");  // by name
  EXPECT_EQ(params[2].name, "limit");
  EXPECT_TRUE(params[2].default_value.empty());
  EXPECT_EQ(*ParamsFromJson(ParamsToJson(params), "params"), params);
}

TEST(ParamsTest, DeclarationsAreReadStrictly) {
  auto field = [](const char* text) {
    return FieldOf(ParamsFromJson(json::parse(text), "params").status());
  };
  EXPECT_EQ(field(R"([])"), "params");
  EXPECT_EQ(field(R"({"9lives": {"type": "string"}})"), "params.9lives");
  EXPECT_EQ(field(R"({"a-b": {"type": "string"}})"), "params.a-b");
  EXPECT_EQ(field(R"({"a": {"type": "text"}})"), "params.a.type");
  EXPECT_EQ(field(R"({"a": {}})"), "params.a.type");
  EXPECT_EQ(field(R"({"a": {"type": "string", "defualt": "x"}})"), "params.a.defualt");
  EXPECT_EQ(field(R"({"a": {"type": "integer", "default": "many"}})"), "params.a.default");
  EXPECT_EQ(field(R"({"a": {"type": "date", "default": "2026-02-30"}})"), "params.a.default");
  EXPECT_EQ(field(R"({"a": "string"})"), "params.a");
}

// Hostile sizes: a value past the limit, more parameters than a job may declare, a name nobody
// would type; each refused naming where.
TEST(ParamsTest, OversizedInputIsRefused) {
  const std::string huge(kMaxParamValueBytes + 1, 'x');
  EXPECT_EQ(FieldOf(RunParams(Declared(), json{{"limit", 1}, {"region", huge}}).status()),
            "params.region");
  EXPECT_EQ(FieldOf(RunParams(Declared(), json{{"limit", huge}}).status()), "params.limit");
  json many = json::object();
  for (size_t i = 0; i <= kMaxParams; ++i) many["p" + std::to_string(i)] = {{"type", "string"}};
  EXPECT_EQ(FieldOf(ParamsFromJson(many, "params").status()), "params");
  const std::string long_name(kMaxParamNameLength + 1, 'a');
  EXPECT_EQ(FieldOf(ParamsFromJson(json{{long_name, {{"type", "string"}}}}, "params").status()),
            "params." + long_name);
  EXPECT_EQ(FieldOf(RunParams(Declared(), json{{"limit", json::array({1})}}).status()),
            "params.limit");
  EXPECT_EQ(FieldOf(RunParams(Declared(), json{{"limit", 1}, {"region", json::object()}}).status()),
            "params.region");
}

TEST(ParamsTest, RunValuesTakeDefaultsAndText) {
  const json values = *RunParams(Declared(), json{{"limit", "25"}, {"full", "true"}});
  EXPECT_EQ(values, json::parse(R"({"region": "eu", "limit": 25, "ratio": 0.5, "full": true,
                                    "day": "2026-11-30"})"));
  EXPECT_EQ((*RunParams(Declared(), json{{"limit", 3}, {"ratio", "2.5"}}))["ratio"], 2.5);
}

TEST(ParamsTest, WrongNamesAndTypesAreRefusedNamingTheParameter) {
  auto field = [](json given) { return FieldOf(RunParams(Declared(), given).status()); };
  EXPECT_EQ(field(json{{"limit", 1}, {"regoin", "us"}}), "params.regoin");
  EXPECT_EQ(field(json{{"limit", "ten"}}), "params.limit");
  EXPECT_EQ(field(json{{"limit", 1.5}}), "params.limit");
  EXPECT_EQ(field(json{{"limit", 1}, {"region", 5}}), "params.region");
  EXPECT_EQ(field(json{{"limit", 1}, {"ratio", "nan"}}), "params.ratio");
  EXPECT_EQ(field(json{{"limit", 1}, {"full", "yes"}}), "params.full");
  EXPECT_EQ(field(json{{"limit", 1}, {"day", "30/11/2026"}}), "params.day");
  EXPECT_EQ(field(json{{"limit", 1}, {"region", std::string("a\0b", 3)}}), "params.region");
  EXPECT_EQ(field(json::object()), "params.limit");  // required, no default
  EXPECT_EQ(FieldOf(RunParams(Declared(), json::array()).status()), "params");
  const Status unknown = RunParams({}, json{{"x", 1}}).status();
  EXPECT_NE(unknown.message().find("declares no parameters"), std::string::npos);
}

}  // namespace
}  // namespace orc
