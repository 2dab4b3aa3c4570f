#include "plugins/plugin_registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace orc {
namespace {

using nlohmann::json;

class PluginRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinPlugins(registry_); }

  // The error for `config`, checked as tasks[0]'s config of `kind`.
  Status Check(PluginKind kind, const json& config) {
    return registry_.Validate(kind, config, "tasks[0]." + std::string(ConfigFieldName(kind)));
  }

  PluginRegistry registry_;
};

TEST_F(PluginRegistryTest, KnowsTheBuiltinTypes) {
  EXPECT_EQ(registry_.Types(PluginKind::kExtractor),
            (std::vector<std::string>{"api", "csv", "json", "parquet"}));
  EXPECT_EQ(registry_.Types(PluginKind::kLoader), std::vector<std::string>{"duckdb"});
  EXPECT_EQ(registry_.Types(PluginKind::kTransform), std::vector<std::string>{"sql"});
}

TEST_F(PluginRegistryTest, TheOriginalDesignsExampleIsValid) {
  EXPECT_TRUE(
      Check(PluginKind::kExtractor, {{"type", "api"}, {"url", "https://api.example.com/sales"}})
          .ok());
  EXPECT_TRUE(
      Check(PluginKind::kLoader,
            {{"type", "duckdb"}, {"db_path", "warehouse.duckdb"}, {"table_name", "daily_sales"}})
          .ok());
}

TEST_F(PluginRegistryTest, RichConfigsAreValid) {
  EXPECT_TRUE(Check(PluginKind::kExtractor,
                    json::parse(R"({"type": "api", "url": "http://127.0.0.1:8080/runs",
                      "method": "GET", "headers": {"Accept": "application/json"},
                      "params": {"limit": 100}, "timeout_s": 30,
                      "auth": {"type": "bearer", "token": "${env:API_TOKEN}"},
                      "records_path": "data.items",
                      "pagination": {"type": "cursor", "cursor_path": "meta.next_cursor",
                                     "cursor_param": "cursor"},
                      "incremental": {"cursor_field": "updated_at", "param": "since"}})"))
                  .ok());
  EXPECT_TRUE(Check(PluginKind::kExtractor, json::parse(R"({"type": "csv", "path": "data/*.csv.gz",
                      "delimiter": ";", "header": true, "skip_rows": 2,
                      "ignore_errors": true})"))
                  .ok());
  EXPECT_TRUE(Check(PluginKind::kLoader, json::parse(R"({"type": "duckdb", "db_path": ":memory:",
                      "table_name": "analytics.sales", "write_mode": "merge",
                      "primary_key": ["id", "region"]})"))
                  .ok());
  EXPECT_TRUE(
      Check(PluginKind::kTransform, {{"type", "sql"}, {"db_path", "w.duckdb"}, {"sql", "select 1"}})
          .ok());
}

// Each bad config: the field reported and a piece of the message.
TEST_F(PluginRegistryTest, BadConfigsNameTheField) {
  struct Case {
    PluginKind kind;
    const char* config;
    const char* field;
    const char* message;
  } cases[] = {
      {PluginKind::kExtractor, R"("csv")", "tasks[0].extractor_config", "must be an object"},
      {PluginKind::kExtractor, R"({})", "tasks[0].extractor_config.type",
       "api, csv, json, parquet"},
      {PluginKind::kExtractor, R"({"type": "ftp"})", "tasks[0].extractor_config.type",
       "unknown extractor_config type 'ftp': known types are api, csv, json, parquet"},
      {PluginKind::kLoader, R"({"type": "duckdb", "db_path": "w.duckdb"})",
       "tasks[0].loader_config.table_name", "is required"},
      {PluginKind::kLoader, R"({"type": "duckdb", "db_path": 7, "table_name": "t"})",
       "tasks[0].loader_config.db_path", "must be a string"},
      {PluginKind::kLoader,
       R"({"type": "duckdb", "db_path": "w", "table_name": "sales; DROP TABLE users"})",
       "tasks[0].loader_config.table_name", "not a valid identifier"},
      {PluginKind::kLoader, R"({"type": "duckdb", "db_path": "w", "table_name": "a.b.c"})",
       "tasks[0].loader_config.table_name", "too many dots"},
      {PluginKind::kLoader, R"({"type": "duckdb", "db_path": "w", "table_name": "t", "tabel": 1})",
       "tasks[0].loader_config.tabel", "unknown field 'tabel'"},
      {PluginKind::kLoader,
       R"({"type": "duckdb", "db_path": "w", "table_name": "t", "write_mode": "upsert"})",
       "tasks[0].loader_config.write_mode", "not one of replace, append, merge"},
      {PluginKind::kLoader,
       R"({"type": "duckdb", "db_path": "w", "table_name": "t", "write_mode": "merge"})",
       "tasks[0].loader_config.primary_key", "needs a primary_key"},
      {PluginKind::kLoader,
       R"({"type": "duckdb", "db_path": "w", "table_name": "t", "primary_key": ["id", "1x"]})",
       "tasks[0].loader_config.primary_key[1]", "not a valid identifier"},
      {PluginKind::kExtractor, R"({"type": "api", "url": "ftp://x"})",
       "tasks[0].extractor_config.url", "not an http:// or https:// URL"},
      {PluginKind::kExtractor, R"({"type": "api", "url": "http://x", "auth": {"type": "basic"}})",
       "tasks[0].extractor_config.auth.username", "is required"},
      {PluginKind::kExtractor,
       R"({"type": "api", "url": "http://x", "pagination": {"type": "offset"}})",
       "tasks[0].extractor_config.pagination.offset_param", "is required"},
      {PluginKind::kExtractor, R"({"type": "api", "url": "http://x", "timeout_s": 0})",
       "tasks[0].extractor_config.timeout_s", "from 1 to 3600"},
      {PluginKind::kExtractor, R"({"type": "csv", "path": ""})", "tasks[0].extractor_config.path",
       "must not be empty"},
      {PluginKind::kExtractor, R"({"type": "csv", "path": "x", "delimiter": ";;"})",
       "tasks[0].extractor_config.delimiter", "one character"},
      {PluginKind::kTransform, R"({"type": "sql", "db_path": "w"})",
       "tasks[0].transform_config.sql", "is required"},
  };
  for (const Case& c : cases) {
    const Status status = Check(c.kind, json::parse(c.config));
    ASSERT_FALSE(status.ok()) << c.config;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.config;
    EXPECT_EQ(status.field(), c.field) << c.config << " -> " << status.message();
    EXPECT_NE(status.message().find(c.message), std::string::npos)
        << c.config << " -> " << status.message();
  }
}

TEST_F(PluginRegistryTest, DuplicateNamesAreRefused) {
  Status again = registry_.Register({PluginKind::kLoader, "duckdb", {}});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  // The same name for another kind is a different plugin.
  EXPECT_TRUE(registry_.Register({PluginKind::kExtractor, "duckdb", {}}).ok());
}

}  // namespace
}  // namespace orc
