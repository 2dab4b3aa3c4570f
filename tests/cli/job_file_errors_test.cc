// Every error of a job at once, with "did you mean" for misspelled fields.
#include "cli/job_file_errors.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

using nlohmann::json;

class CliJobFileErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinPlugins(plugins_); }
  PluginRegistry plugins_;
};

TEST_F(CliJobFileErrorsTest, ReportsEveryMistakeWithDidYouMean) {
  const json job = json::parse(R"({
    "job_name": "orders", "shedule": "0 * * * *", "max_active_runs": "two",
    "tasks": [{"task_name": "load",
               "extractor_config": {"type": "csv", "paht": "orders.csv"},
               "loader_config": {"type": "duckdb", "db_path": "w.duckdb", "table_nam": "orders",
                                 "colour": "red"}}]})");
  const std::vector<Status> errors = AllJobErrors(job, plugins_);
  std::vector<std::string> fields;
  for (const Status& error : errors) fields.push_back(error.field());
  std::string all;
  for (const Status& error : errors) all += error.message() + "\n";
  EXPECT_EQ(fields.size(), 5u) << all;
  for (const char* field : {"shedule", "max_active_runs", "tasks[0].extractor_config.paht",
                            "tasks[0].loader_config.table_nam", "tasks[0].loader_config.colour"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end()) << field;
  }
  for (const Status& error : errors) {
    if (error.field() == "shedule") {
      EXPECT_NE(error.message().find("did you mean 'schedule'?"), std::string::npos)
          << error.message();
    }
    if (error.field() == "tasks[0].loader_config.table_nam") {
      EXPECT_NE(error.message().find("did you mean 'table_name'?"), std::string::npos)
          << error.message();
    }
    if (error.field() == "tasks[0].extractor_config.paht") {
      EXPECT_NE(error.message().find("did you mean 'path'?"), std::string::npos) << error.message();
    }
    if (error.field() == "tasks[0].loader_config.colour") {
      EXPECT_EQ(error.message().find("did you mean"), std::string::npos) << error.message();
    }
  }
}

TEST_F(CliJobFileErrorsTest, AValidJobHasNone) {
  const json job = json::parse(R"({"job_name": "x", "tasks": [{"task_name": "load",
      "extractor_config": {"type": "csv", "path": "o.csv"},
      "loader_config": {"type": "duckdb", "db_path": "w.duckdb", "table_name": "o"}}]})");
  EXPECT_TRUE(AllJobErrors(job, plugins_).empty());
}

TEST(CliEditDistanceTest, CountsEdits) {
  EXPECT_EQ(EditDistance("table_nam", "table_name"), 1u);
  EXPECT_EQ(EditDistance("shedule", "schedule"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("paht", "path"), 1u);  // a swap is one edit
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);
  EXPECT_EQ(ClosestName("timzone", {"schedule", "timezone"}), "timezone");
  EXPECT_EQ(ClosestName("colour", {"type", "db_path", "table_name"}), "");
}

}  // namespace
}  // namespace orc
