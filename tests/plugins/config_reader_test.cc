#include "plugins/config_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "support/printers.h"

namespace orc {
namespace {

using nlohmann::json;

constexpr const char* kPath = "tasks[0].extractor_config";

// Expects `status` to be InvalidArgument on `field` (under kPath) with `message` in its text.
void ExpectError(const Status& status, const std::string& field, const std::string& message) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.field(), std::string(kPath) + "." + field) << status;
  EXPECT_NE(status.message().find(message), std::string::npos) << status;
}

TEST(ConfigReaderTest, ReadsTypedValuesAndDefaults) {
  const json config = json::parse(R"({"s": "text", "b": true, "i": 7, "n": 2.5,
      "list": ["x", "y"], "map": {"a": "INTEGER"}, "scalars": {"n": 1, "t": true, "s": "v"},
      "scalar": 3, "body": {"k": [1, 2]}, "nested": {"inner": "deep"}, "absent": null})");
  ConfigReader reader(config, kPath);
  EXPECT_EQ(reader.RequiredString("s"), "text");
  EXPECT_EQ(reader.OptionalBool("b"), true);
  EXPECT_EQ(reader.Integer("i", 0, 10, 1), 7);
  EXPECT_EQ(reader.Number("n", 0, 10, 1), 2.5);
  EXPECT_EQ(reader.StringList("list"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(reader.StringMap("map", "a type"), (StringPairs{{"a", "INTEGER"}}));
  EXPECT_EQ(reader.ScalarMap("scalars"), (StringPairs{{"n", "1"}, {"s", "v"}, {"t", "true"}}));
  EXPECT_EQ(reader.OptionalScalar("scalar"), "3");
  EXPECT_EQ(reader.ObjectJson("body"), R"({"k":[1,2]})");
  std::optional<ConfigReader> nested = reader.Object("nested");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->RequiredString("inner"), "deep");
  // Absent and null fields take their defaults.
  EXPECT_EQ(reader.String("absent", "fallback"), "fallback");
  EXPECT_EQ(reader.OneOf("missing", {"a", "b"}, "b"), "b");
  EXPECT_FALSE(reader.OptionalInteger("missing_too", 0, 1));
  EXPECT_TRUE(reader.Finish().ok()) << reader.Finish();
}

TEST(ConfigReaderTest, AWrongTypeNamesTheFieldAndWhatItMustBe) {
  struct Case {
    const char* config;
    std::function<void(ConfigReader&)> read;
    const char* field;
    const char* message;
  } cases[] = {
      {R"({"f": 5})", [](ConfigReader& r) { r.RequiredString("f"); }, "f", "f must be a string"},
      {R"({"f": "yes"})", [](ConfigReader& r) { r.OptionalBool("f"); }, "f",
       "must be true or false"},
      {R"({"f": 1.5})", [](ConfigReader& r) { r.Integer("f", 0, 9, 0); }, "f",
       "must be an integer"},
      {R"({"f": "1"})", [](ConfigReader& r) { r.Number("f", 0, 9, 0); }, "f", "must be a number"},
      {R"({"f": "x"})", [](ConfigReader& r) { r.StringList("f"); }, "f",
       "must be an array of strings"},
      {R"({"f": ["x", 1]})", [](ConfigReader& r) { r.StringList("f"); }, "f[1]",
       "f[1] must be a string"},
      {R"({"columns": {"a": 1}})",
       [](ConfigReader& r) { r.StringMap("columns", "a DuckDB type name (a string)"); },
       "columns.a", "columns.a must be a DuckDB type name (a string)"},
      {R"({"f": {"a": [1]}})", [](ConfigReader& r) { r.ScalarMap("f"); }, "f.a",
       "must be a string, number or boolean"},
      {R"({"f": {}})", [](ConfigReader& r) { r.OptionalScalar("f"); }, "f",
       "must be a string, number or boolean"},
      {R"({"f": [1]})", [](ConfigReader& r) { r.ObjectJson("f"); }, "f", "must be an object"},
      {R"({"f": "x"})", [](ConfigReader& r) { r.Object("f"); }, "f", "must be an object"},
      {R"({"f": 5})",
       [](ConfigReader& r) {
         r.OneOf("f", {"a", "b"}, "a");
       },
       "f", "must be one of a, b (a string)"},
  };
  for (const Case& c : cases) {
    const json config = json::parse(c.config);
    ConfigReader reader(config, kPath);
    c.read(reader);
    EXPECT_FALSE(reader.ok()) << c.config;
    ExpectError(reader.Finish(), c.field, c.message);
  }
}

TEST(ConfigReaderTest, RangesChoicesAndRequiredFields) {
  const json config = json::parse(R"({"low": 0, "high": 18446744073709551615, "rate": 0.5,
                                      "mode": "upsert", "empty": ""})");
  auto first_error = [&](const std::function<void(ConfigReader&)>& read) {
    ConfigReader reader(config, kPath, "loader_config type duckdb");
    for (const char* name : {"low", "high", "rate", "mode", "empty"}) reader.Skip(name);
    read(reader);
    return reader.Finish();
  };
  ExpectError(first_error([](ConfigReader& r) { r.Integer("low", 1, 3600, 30); }), "low",
              "low must be from 1 to 3600, not 0");
  ExpectError(first_error([](ConfigReader& r) { r.Integer("high", 0, 20, 5); }), "high",
              "must be from 0 to 20, not 18446744073709551615");
  ExpectError(first_error([](ConfigReader& r) { r.Number("rate", 1, 1e6, 1); }), "rate",
              "must be from 1 to 1000000, not 0.5");
  ExpectError(first_error([](ConfigReader& r) {
                r.OneOf("mode", {"replace", "append"}, "replace");
              }),
              "mode", "mode: 'upsert' is not one of replace, append");
  ExpectError(first_error([](ConfigReader& r) { r.RequiredString("empty", NotEmpty); }), "empty",
              "empty: must not be empty");
  ExpectError(first_error([](ConfigReader& r) { r.RequiredString("table_name"); }), "table_name",
              "table_name is required for loader_config type duckdb");
  ExpectError(first_error([](ConfigReader& r) {
                r.OneOf("type", {"a", "b"}, std::nullopt);
              }),
              "type", "type is required for loader_config type duckdb: one of a, b");
}

TEST(ConfigReaderTest, TheFirstErrorIsKeptAndLaterReadsReturnDefaults) {
  const json config = json::parse(R"({"a": 1, "b": 2})");
  ConfigReader reader(config, kPath);
  EXPECT_EQ(reader.RequiredString("a"), "");
  EXPECT_EQ(reader.String("b", "default"), "default");
  reader.Fail("c", "a rule across fields");
  ExpectError(reader.Finish(), "a", "a must be a string");
}

TEST(ConfigReaderTest, AnUnknownFieldComesFirstAndListsTheAllowedOnes) {
  const json config = json::parse(R"({"type": "duckdb", "db_path": "w", "tabel": "t"})");
  ConfigReader reader(config, kPath, "loader_config type duckdb");
  reader.Skip("type");
  reader.RequiredString("db_path");
  reader.RequiredString("table_name");  // missing: the misspelt field explains why
  ExpectError(reader.Finish(), "tabel",
              "unknown field 'tabel' in tasks[0].extractor_config (loader_config type duckdb); "
              "allowed: db_path, table_name");
}

TEST(ConfigReaderTest, NestedObjectsShareTheErrorAndTheUnknownFieldCheck) {
  const json config =
      json::parse(R"({"pagination": {"type": "offset", "offset_param": "o", "page": 1}})");
  ConfigReader reader(config, kPath);
  std::optional<ConfigReader> pagination = reader.Object("pagination");
  ASSERT_TRUE(pagination);
  const std::string type = pagination->OneOf("type", {"offset", "cursor"}, std::nullopt);
  pagination->Describe("pagination type " + type);
  pagination->RequiredString("offset_param");
  ExpectError(reader.Finish(), "pagination.page",
              "unknown field 'page' in tasks[0].extractor_config.pagination (pagination type "
              "offset); allowed: type, offset_param");

  // When the type itself is wrong, the fields of its branch were never read: the type is the
  // error, not the fields that look unknown.
  const json wrong = json::parse(R"({"pagination": {"type": 5, "cursor_path": "x"}})");
  ConfigReader wrong_reader(wrong, kPath);
  std::optional<ConfigReader> wrong_pagination = wrong_reader.Object("pagination");
  ASSERT_TRUE(wrong_pagination);
  wrong_pagination->OneOf("type", {"offset", "cursor"}, std::nullopt);
  ExpectError(wrong_reader.Finish(), "pagination.type",
              "pagination.type must be one of offset, cursor (a string)");
}

TEST(ConfigReaderTest, ANonObjectIsAnError) {
  ConfigReader reader(json::array(), kPath);
  EXPECT_EQ(reader.RequiredString("x"), "");
  const Status status = reader.Finish();
  EXPECT_EQ(status.field(), kPath);
  EXPECT_NE(status.message().find("must be an object"), std::string::npos) << status;
}

TEST(ConfigReaderTest, SqlNames) {
  EXPECT_TRUE(SqlIdentifier("_order_2").ok());
  EXPECT_FALSE(SqlIdentifier("2x").ok());
  EXPECT_FALSE(SqlIdentifier("a.b").ok());
  EXPECT_FALSE(SqlIdentifier(std::string(64, 'a')).ok());
  EXPECT_TRUE(SqlTableName("analytics.sales").ok());
  EXPECT_NE(SqlTableName("a.b.c").message().find("too many dots"), std::string::npos);
  EXPECT_NE(SqlTableName("sales; DROP TABLE users").message().find("not a valid identifier"),
            std::string::npos);
}

}  // namespace
}  // namespace orc
