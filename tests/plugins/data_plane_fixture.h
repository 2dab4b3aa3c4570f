// DataPlaneFixture: plugins run the way a worker runs them, on a temp data directory, without a
// worker: secrets resolved, MakeExtractor/MakeLoader from JSON configurations, then Load() with a
// TaskContext whose log lines the test can read. Paths are not confined unless a test calls
// Confine().
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/path_policy.h"
#include "engine/duckdb_engine.h"
#include "plugins/plugin_registry.h"
#include "plugins/secrets.h"
#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc::testing {

class DataPlaneFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinPlugins(registry_);
    context_.run_id = "run-1";
    context_.task_id = "task-1";
    context_.task_name = "load";
    context_.paths = &paths_;
    context_.engine = &engine_;
    context_.progress = &progress_;
    context_.interrupter = &interrupter_;
    context_.clock = &SystemClock::Instance();  // the tests talk to real local servers
    context_.log = [this](std::string_view level, std::string message) {
      logs_.push_back(std::string(level) + ": " + message);
    };
  }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_.File(name)) << content;
  }

  // Jobs may use the data directory only, and never `protected_files`, as under orc serve.
  void Confine(std::vector<std::filesystem::path> protected_files = {}) {
    paths_ = PathPolicy(dir_.path(), {}, std::move(protected_files));
  }

  // `config` with its ${env:NAME} references resolved (tests may use ORC_TEST_* variables).
  static Result<nlohmann::json> Resolved(const nlohmann::json& config) {
    Result<ResolvedSecrets> resolved =
        ResolveSecrets(config, SecretPolicy({"ORC_SECRET_*", "ORC_TEST_*"}));
    if (!resolved.ok()) return resolved.status();
    return resolved->config;
  }

  Result<std::unique_ptr<Extractor>> MakeExtractor(const nlohmann::json& config) {
    Result<nlohmann::json> resolved = Resolved(config);
    if (!resolved.ok()) return resolved.status();
    return registry_.MakeExtractor(*resolved, paths_);
  }

  Result<std::unique_ptr<Loader>> MakeLoader(const nlohmann::json& config) {
    Result<nlohmann::json> resolved = Resolved(config);
    if (!resolved.ok()) return resolved.status();
    return registry_.MakeLoader(*resolved, paths_);
  }

  Result<std::unique_ptr<Transform>> MakeTransform(const nlohmann::json& config) {
    Result<nlohmann::json> resolved = Resolved(config);
    if (!resolved.ok()) return resolved.status();
    return registry_.MakeTransform(*resolved, paths_);
  }

  Result<LoadResult> Load(const nlohmann::json& extractor_config,
                          const nlohmann::json& loader_config) {
    Result<std::unique_ptr<Extractor>> extractor = MakeExtractor(extractor_config);
    if (!extractor.ok()) return extractor.status();
    Result<std::unique_ptr<Loader>> loader = MakeLoader(loader_config);
    if (!loader.ok()) return loader.status();
    return (*loader)->Load(context_, **extractor);
  }

  nlohmann::json DuckDb(const std::string& table, const std::string& mode = "replace") {
    return {
        {"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", table}, {"write_mode", mode}};
  }

  // Rows of `sql` in out.duckdb, each as "a|b|c".
  std::vector<std::string> Rows(const std::string& sql) {
    auto connection = engine_.Connect(dir_.File("out.duckdb"));
    EXPECT_TRUE(connection.ok()) << connection.status();
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::vector<std::string> lines;
    for (const auto& row : rows->rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + row[i].value_or("NULL");
      lines.push_back(line);
    }
    return lines;
  }

  TempDir dir_;
  PathPolicy paths_ = PathPolicy::Unrestricted(dir_.path());
  DuckDbEngine engine_;
  PluginRegistry registry_;
  TaskProgress progress_;
  Interrupter interrupter_;
  TaskContext context_;
  std::vector<std::string> logs_;
};

}  // namespace orc::testing
