// The fixture of the CLI client's end-to-end tests: a real `orc serve` with an API token in a
// temporary directory, with the job file jobs.yaml and its data, and `orc` run as its client.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/orc_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace orc::testing {

inline constexpr const char* kToken = "cli-test-token";

inline constexpr const char* kJobs = R"(jobs:
  - job_name: orders
    schedule: "*/15 * * * *"
    tasks:
      - task_name: load
        extractor_config: {type: csv, path: orders.csv}
        loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: orders}
  - job_name: broken
    tasks:
      - task_name: load
        retry: {max_attempts: 1}
        extractor_config: {type: csv, path: missing.csv}
        loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: nothing}
)";

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

class CliClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Jobs' files are in the data directory, ./data by default.
    std::filesystem::create_directory(std::filesystem::path(directory_.path()) / "data");
    Write("data/orders.csv", "id,amount\n1,10\n2,20\n3,30\n");
    Write("jobs.yaml", kJobs);
    server_ = std::make_unique<Subprocess>(
        Orc({"serve", "--bind", "127.0.0.1:0", "--database-url", "sqlite:orc.db"}, directory_,
            {{"ORC_API_TOKEN", kToken}}));
    port_ = AwaitListening(*server_);
    ASSERT_GT(port_, 0) << server_->Stderr();
  }

  void TearDown() override {
    server_->Signal(SIGTERM);
    server_->Wait(kExitTimeout);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(std::filesystem::path(directory_.path()) / name) << text;
  }

  std::string Server() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Runs `orc ARGUMENTS...` as a client of the test's server (or of `server`).
  Outcome Cli(std::vector<std::string> arguments, std::string token = kToken,
              std::string server = "") {
    auto orc = RunToCompletion(
        Orc(std::move(arguments), directory_,
            {{"ORC_SERVER", server.empty() ? Server() : server}, {"ORC_API_TOKEN", token}}),
        std::chrono::seconds(60));
    return {orc->Wait(kExitTimeout).value_or(-1), orc->Stdout(), orc->Stderr()};
  }

  nlohmann::json Json(std::vector<std::string> arguments) {
    arguments.push_back("--output");
    arguments.push_back("json");
    Outcome outcome = Cli(std::move(arguments));
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    return nlohmann::json::parse(outcome.out, nullptr, false);
  }

  TempDir directory_;
  std::unique_ptr<Subprocess> server_;
  int port_ = -1;
};

}  // namespace orc::testing
