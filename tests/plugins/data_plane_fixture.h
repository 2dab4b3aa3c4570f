// DataPlaneFixture: plugins run the way a worker runs them, on a temp data directory, without a
// worker: MakeExtractor/MakeLoader from JSON configurations, then Load() with a TaskContext whose
// log lines the test can read.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/duckdb_engine.h"
#include "plugins/plugin_registry.h"
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
    context_.data_dir = dir_.path();
    context_.engine = &engine_;
    context_.progress = &progress_;
    context_.interrupter = &interrupter_;
    context_.log = [this](std::string_view level, std::string message) {
      logs_.push_back(std::string(level) + ": " + message);
    };
  }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_.File(name)) << content;
  }

  Result<LoadResult> Load(const nlohmann::json& extractor_config,
                          const nlohmann::json& loader_config) {
    Result<std::unique_ptr<Extractor>> extractor = registry_.MakeExtractor(extractor_config.dump());
    if (!extractor.ok()) return extractor.status();
    Result<std::unique_ptr<Loader>> loader = registry_.MakeLoader(loader_config.dump());
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
  DuckDbEngine engine_;
  PluginRegistry registry_;
  TaskProgress progress_;
  Interrupter interrupter_;
  TaskContext context_;
  std::vector<std::string> logs_;
};

}  // namespace orc::testing
