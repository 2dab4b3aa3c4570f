#include "plugins/plugin_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

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
  EXPECT_EQ(
      registry_.Types(PluginKind::kExtractor),
      (std::vector<std::string>{"api", "csv", "json", "mysql", "parquet", "postgres", "sqlite"}));
  EXPECT_EQ(registry_.Types(PluginKind::kLoader),
            (std::vector<std::string>{"duckdb", "files", "postgres"}));
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
       "api, csv, json, mysql, parquet"},
      {PluginKind::kExtractor, R"({"type": "ftp"})", "tasks[0].extractor_config.type",
       "unknown extractor_config type 'ftp': known types are api, csv, json, mysql, parquet"},
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

// Built in place: nlohmann's parser would build it too, but its copies and dump() recurse, and so
// do the plugins' readers. Validate and Make* refuse it before any of them runs.
TEST_F(PluginRegistryTest, ConfigurationsNestedTooDeeplyAreRefused) {
  json config = {{"type", "api"}, {"url", "https://example.com"}, {"body", json::array()}};
  json* innermost = &config["body"];
  for (int i = 0; i < 100000; ++i) {
    innermost->push_back(json::array());
    innermost = &innermost->back();
  }
  const Status status = Check(PluginKind::kExtractor, config);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "tasks[0].extractor_config") << status;
  EXPECT_NE(status.message().find("deeper than 64 levels"), std::string::npos) << status;
  const auto made = registry_.MakeExtractor(config, PathPolicy::Unrestricted("/tmp"));
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument) << made.status();
}

TEST_F(PluginRegistryTest, DuplicateNamesAreRefused) {
  Status again = registry_.Register({PluginKind::kLoader, "duckdb", {}});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  // The same name for another kind is a different plugin.
  EXPECT_TRUE(registry_.Register({PluginKind::kExtractor, "duckdb", {}}).ok());
}

// Confinement when a job is written, as orc serve sets it up: the data directory read-write, an
// operator's directory read-only, the state database beside them unreachable by any name.
class ConfinedConfigTest : public PluginRegistryTest {
 protected:
  void SetUp() override {
    PluginRegistryTest::SetUp();
    root_ = ResolvedPath(dir_.path());
    for (const char* sub : {"data", "inputs", "state"}) fs::create_directories(root_ / sub);
    std::ofstream(root_ / "state" / "orc.db") << "SQLite format 3";
    state_ = root_ / "state" / "orc.db";
    paths_.emplace(root_ / "data", std::vector<AllowedDirectory>{{root_ / "inputs", false}},
                   std::vector<fs::path>{state_, state_.string() + "-wal", state_.string() + "-shm",
                                         state_.string() + "-journal"});
  }

  Status Check(PluginKind kind, const json& config) {
    return registry_.Validate(kind, config, "tasks[0]." + std::string(ConfigFieldName(kind)),
                              {.paths = &*paths_, .secrets = &secrets_});
  }

  static json Csv(const std::string& path) { return {{"type", "csv"}, {"path", path}}; }
  static json DuckDb(const std::string& db_path) {
    return {{"type", "duckdb"}, {"db_path", db_path}, {"table_name", "t"}};
  }

  testing::TempDir dir_;
  fs::path root_;
  fs::path state_;
  std::optional<PathPolicy> paths_;
  SecretPolicy secrets_;
};

TEST_F(ConfinedConfigTest, PathsInTheAllowedDirectoriesAreAccepted) {
  for (const std::string& path :
       {std::string("orders.csv"), std::string("in/*.csv.gz"), std::string("lake/**/*.parquet"),
        (root_ / "data" / "x.csv").string(), (root_ / "inputs" / "a.csv").string()}) {
    EXPECT_TRUE(Check(PluginKind::kExtractor, Csv(path)).ok()) << path;
  }
  EXPECT_TRUE(Check(PluginKind::kLoader, DuckDb("warehouse.duckdb")).ok());
  EXPECT_TRUE(Check(PluginKind::kLoader, DuckDb(":memory:")).ok());
  EXPECT_TRUE(Check(PluginKind::kTransform,
                    {{"type", "sql"}, {"db_path", "sub/../w.duckdb"}, {"sql", "SELECT 1"}})
                  .ok());
}

TEST_F(ConfinedConfigTest, PathsElsewhereAreRefusedNamingTheField) {
  fs::create_symlink(state_, root_ / "data" / "link.duckdb");
  fs::create_hard_link(state_, root_ / "data" / "copy.duckdb");
  struct Case {
    PluginKind kind;
    json config;
    const char* field;
    const char* message;
  } cases[] = {
      {PluginKind::kExtractor, Csv("/etc/passwd"), "extractor_config.path",
       "'/etc/passwd' is outside the directories jobs may use"},
      {PluginKind::kExtractor, Csv("../state/*.db"), "extractor_config.path", "is outside"},
      {PluginKind::kExtractor, Csv("*/../../state/orc.db"), "extractor_config.path",
       "may not use .. after a wildcard"},
      {PluginKind::kExtractor, Csv(state_.string()), "extractor_config.path",
       "is orc's own state database"},
      {PluginKind::kLoader, DuckDb("/etc/x.duckdb"), "loader_config.db_path",
       "tasks[0].loader_config.db_path: '/etc/x.duckdb' is outside the directories jobs may use"},
      {PluginKind::kLoader, DuckDb("../x.duckdb"), "loader_config.db_path", "is outside"},
      {PluginKind::kLoader, DuckDb("../state/orc.db"), "loader_config.db_path",
       "is orc's own state database"},
      {PluginKind::kLoader, DuckDb(state_.string() + "-wal"), "loader_config.db_path",
       "is orc's own state database"},
      {PluginKind::kLoader, DuckDb("link.duckdb"), "loader_config.db_path",
       "is orc's own state database"},
      {PluginKind::kLoader, DuckDb("copy.duckdb"), "loader_config.db_path",
       "is orc's own state database"},
      {PluginKind::kLoader, DuckDb((root_ / "inputs" / "w.duckdb").string()),
       "loader_config.db_path", "which jobs may only read"},
      {PluginKind::kTransform,
       {{"type", "sql"}, {"db_path", "/tmp/w.duckdb"}, {"sql", "SELECT 1"}},
       "transform_config.db_path",
       "is outside"},
  };
  for (const Case& c : cases) {
    const Status status = Check(c.kind, c.config);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.config;
    EXPECT_EQ(status.field(), "tasks[0]." + std::string(c.field)) << status;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status;
  }
}

TEST_F(ConfinedConfigTest, APathWithAReferenceIsCheckedWhenItRuns) {
  EXPECT_TRUE(Check(PluginKind::kExtractor, Csv("${env:ORC_SECRET_INBOX}/orders.csv")).ok());
  EXPECT_TRUE(Check(PluginKind::kLoader, DuckDb("${env:ORC_SECRET_WAREHOUSE}")).ok());
}

TEST_F(ConfinedConfigTest, ReferencesToVariablesJobsMayNotReadAreRefused) {
  const Status home =
      Check(PluginKind::kExtractor, {{"type", "api"},
                                     {"url", "https://x"},
                                     {"auth", {{"type", "bearer"}, {"token", "${env:HOME}"}}}});
  EXPECT_EQ(home.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(home.field(), "tasks[0].extractor_config.auth.token") << home;
  EXPECT_NE(
      home.message().find("${env:HOME} is not a variable jobs may read; allowed: ORC_SECRET_*"),
      std::string::npos)
      << home;
  const Status malformed = Check(PluginKind::kLoader, DuckDb("${env:ORC_SECRET_X"));
  EXPECT_EQ(malformed.field(), "tasks[0].loader_config.db_path") << malformed;
  EXPECT_TRUE(Check(PluginKind::kExtractor, {{"type", "api"},
                                             {"url", "https://x"},
                                             {"headers", {{"X-Key", "${env:ORC_SECRET_KEY}"}}}})
                  .ok());
}

TEST_F(ConfinedConfigTest, WithoutChecksOnlyTheFieldsAreChecked) {
  // orc apply checks files locally, where the server's directories mean nothing.
  EXPECT_TRUE(registry_.Validate(PluginKind::kExtractor, Csv("/etc/passwd"), "c").ok());
  EXPECT_TRUE(registry_.Validate(PluginKind::kLoader, DuckDb("${env:HOME}"), "c").ok());
}

TEST_F(ConfinedConfigTest, MakingAPluginChecksItsPathsAgain) {
  Result<std::unique_ptr<Loader>> loader = registry_.MakeLoader(DuckDb("/etc/x.duckdb"), *paths_);
  ASSERT_FALSE(loader.ok());
  EXPECT_EQ(loader.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(loader.status().field(), "loader_config.db_path");
  Result<std::unique_ptr<Extractor>> extractor =
      registry_.MakeExtractor(Csv("../state/orc.db"), *paths_);
  ASSERT_FALSE(extractor.ok());
  EXPECT_EQ(extractor.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(registry_.MakeExtractor(Csv("x.csv"), *paths_).ok());
}

TEST_F(ConfinedConfigTest, DatabasesWrittenAreTheResolvedDatabaseFiles) {
  Result<std::vector<fs::path>> loader =
      registry_.DatabasesWritten(PluginKind::kLoader, DuckDb("sub/../w.duckdb"), *paths_);
  ASSERT_TRUE(loader.ok()) << loader.status();
  EXPECT_EQ(*loader, std::vector<fs::path>{root_ / "data" / "w.duckdb"});
  fs::create_symlink(root_ / "data" / "w.duckdb", root_ / "data" / "alias.duckdb");
  Result<std::vector<fs::path>> alias = registry_.DatabasesWritten(
      PluginKind::kTransform, {{"type", "sql"}, {"db_path", "alias.duckdb"}, {"sql", "SELECT 1"}},
      *paths_);
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_EQ(*alias, std::vector<fs::path>{root_ / "data" / "w.duckdb"}) << "one file, one name";
  EXPECT_TRUE(
      registry_.DatabasesWritten(PluginKind::kLoader, DuckDb(":memory:"), *paths_)->empty());
  EXPECT_TRUE(registry_.DatabasesWritten(PluginKind::kExtractor, Csv("x.csv"), *paths_)->empty());
  EXPECT_EQ(registry_.DatabasesWritten(PluginKind::kLoader, DuckDb("/etc/x.duckdb"), *paths_)
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(registry_.DatabasesWritten(PluginKind::kLoader, DuckDb(""), *paths_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace orc
