#include "api/job_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plugins/plugin_registry.h"
#include "support/printers.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using nlohmann::json;

// The job from orc's original design document, verbatim.
const char* kDesignExample = R"({
    "job_name": "My Daily Report",
    "description": "Extracts sales data and loads into DuckDB",
    "schedule": "0 0 9 * * *",
    "is_active": true,
    "tasks": [
        {
            "extractor_config": {"type": "api", "url": "https://api.example.com/sales"},
            "loader_config": {"type": "duckdb", "db_path": "data_warehouse.db",
                              "table_name": "daily_sales"}
        }
    ]
})";

class JobJsonTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinPlugins(plugins_); }

  Status Decode(const json& body) { return JobFromJson(body, plugins_).status(); }

  // kDesignExample with `path` (a JSON pointer) set to `value`.
  json Example(const std::string& path, const json& value) {
    json body = json::parse(kDesignExample);
    body[json::json_pointer(path)] = value;
    return body;
  }

  PluginRegistry plugins_;
};

TEST_F(JobJsonTest, DecodesTheDesignExampleWithDefaults) {
  Result<Job> job = JobFromJson(json::parse(kDesignExample), plugins_);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->job_name, "My Daily Report");
  EXPECT_EQ(job->schedule, "0 0 9 * * *");
  EXPECT_EQ(job->timezone, "UTC");
  EXPECT_TRUE(job->is_active);
  EXPECT_FALSE(job->catchup);
  EXPECT_EQ(job->max_active_runs, 1);
  EXPECT_EQ(job->retry, RetryPolicy{});
  ASSERT_EQ(job->tasks.size(), 1u);
  EXPECT_EQ(json::parse(job->tasks[0].extractor_config)["url"], "https://api.example.com/sales");
  EXPECT_TRUE(job->tasks[0].transform_config.empty());
}

TEST_F(JobJsonTest, WhatIsEncodedDecodesBackToTheSameJob) {
  Job job = *JobFromJson(json::parse(R"({
      "job_name": "sales", "schedule": "@hourly", "timezone": "Europe/Berlin",
      "is_active": false, "catchup": true, "max_active_runs": 3, "timeout_s": 600,
      "memory_mb": 4096,
      "retry": {"max_attempts": 5, "initial_delay_s": 2, "max_delay_s": 60},
      "tasks": [
        {"task_name": "extract", "extractor_config": {"type": "csv", "path": "s.csv"},
         "loader_config": {"type": "duckdb", "db_path": "w.duckdb", "table_name": "sales"}},
        {"task_name": "report", "depends_on": ["extract"], "timeout_s": 30, "memory_mb": 0,
         "retry": {"max_attempts": 1},
         "transform_config": {"type": "sql", "db_path": "w.duckdb", "sql": "select 1"}}]})"),
                         plugins_);
  job.job_id = "9b2f7c1e-4a55-4c4f-9e86-8f5d3b1f2a10";
  const json encoded = JobToJson(job, std::nullopt);
  EXPECT_TRUE(encoded["next_run_at"].is_null());
  EXPECT_EQ(encoded["tasks"][1]["depends_on"], json::array({"extract"}));
  Result<Job> decoded = JobFromJson(encoded, plugins_);  // read-only fields are accepted
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  Job expected = job;
  expected.job_id.clear();  // read-only: ignored on input
  for (Task& task : expected.tasks) task.task_id.clear();
  EXPECT_EQ(decoded->job_name, expected.job_name);
  EXPECT_EQ(decoded->retry, expected.retry);
  EXPECT_EQ(decoded->memory_mb, 4096);
  EXPECT_FALSE(decoded->tasks[0].memory_mb.has_value());
  EXPECT_EQ(decoded->tasks[1].memory_mb, 0);
  EXPECT_EQ(decoded->tasks[1].retry, expected.tasks[1].retry);
  EXPECT_EQ(decoded->tasks[1].depends_on, expected.tasks[1].depends_on);
  EXPECT_EQ(decoded->tasks[0].task_order, 1);
  EXPECT_EQ(decoded->tasks[1].task_order, 2);
  EXPECT_EQ(json::parse(decoded->tasks[0].loader_config), json::parse(job.tasks[0].loader_config));
}

TEST_F(JobJsonTest, ManualSchedulesAreAllowed) {
  EXPECT_TRUE(Decode(Example("/schedule", nullptr)).ok());
  EXPECT_TRUE(Decode(Example("/schedule", "@manual")).ok());
  // A manual job's time zone is still checked.
  json manual = Example("/schedule", nullptr);
  manual["timezone"] = "Mars/Base";
  const Status status = Decode(manual);
  EXPECT_EQ(status.field(), "timezone");
  EXPECT_NE(status.message().find("timezone 'Mars/Base': not an IANA time zone name"),
            std::string::npos)
      << status.message();
}

// Each bad input: the field reported and a piece of the message.
TEST_F(JobJsonTest, BadJobsNameTheField) {
  struct Case {
    const char* pointer;
    json value;
    const char* field;
    const char* message;
  } cases[] = {
      {"/job_name", nullptr, "job_name", "is required"},
      {"/job_name", "", "job_name", "must not be empty"},
      {"/job_name", 42, "job_name", "must be a string"},
      {"/is_active", "yes", "is_active", "must be true or false"},
      {"/max_active_runs", 0, "max_active_runs", "from 1 to 1000"},
      {"/schedule", "0 0 25 * * *", "schedule", "hour field (3rd of 6) '25': out of range"},
      {"/schedule", 9, "schedule", "must be a cron expression or null"},
      {"/timezone", "Mars/Base", "timezone", "not an IANA time zone name"},
      {"/shedule", "0 9 * * *", "shedule", "is not a known field"},
      {"/tasks", json::array(), "tasks", "at least one task"},
      {"/tasks", "all of them", "tasks", "must be an array"},
      {"/retry", json{{"max_attempts", 0}}, "retry.max_attempts", "from 1 to 100"},
      {"/retry", json{{"initial_delay_s", 10}, {"max_delay_s", 5}}, "retry.max_delay_s",
       "must not be less than initial_delay_s"},
      {"/tasks/0/extractor_config/type", "ftp", "tasks[0].extractor_config.type",
       "known types are api, csv, json, mysql, parquet"},
      {"/tasks/0/loader_config/table_name", nullptr, "tasks[0].loader_config.table_name",
       "is required"},
      {"/tasks/0/loader_config/table_name", "x; drop table y", "tasks[0].loader_config.table_name",
       "not a valid identifier"},
      {"/tasks/0/loader_config", nullptr, "tasks[0].loader_config", "is required"},
      {"/tasks/0/transform_config", json{{"type", "sql"}, {"db_path", "w"}, {"sql", "select 1"}},
       "tasks[0]", "not both"},
      {"/tasks/0/depends_on", json::array({"nope"}), "tasks[0].depends_on[0]",
       "'nope' is no task of this job"},
      {"/tasks/0/colour", "blue", "tasks[0].colour", "is not a known field"},
      {"/tasks/0/timeout_s", -1, "tasks[0].timeout_s", "from 1 to"},
      {"/memory_mb", -1, "memory_mb", "from 0 to"},
      {"/tasks/0/memory_mb", "2G", "tasks[0].memory_mb", "must be an integer"},
  };
  for (const Case& c : cases) {
    json body = json::parse(kDesignExample);
    if (c.value.is_null() && std::string(c.pointer) != "/schedule") {
      body[json::json_pointer(c.pointer).parent_pointer()].erase(
          json::json_pointer(c.pointer).back());
    } else {
      body[json::json_pointer(c.pointer)] = c.value;
    }
    const Status status = Decode(body);
    ASSERT_FALSE(status.ok()) << c.pointer;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.pointer;
    EXPECT_EQ(status.field(), c.field) << c.pointer << " -> " << status.message();
    EXPECT_NE(status.message().find(c.message), std::string::npos)
        << c.pointer << " -> " << status.message();
  }
}

TEST_F(JobJsonTest, TheServersPoliciesApplyToEveryPluginConfiguration) {
  testing::TempDir data_dir;
  const PathPolicy paths(data_dir.path(), {}, {data_dir.File("orc.db")});
  const SecretPolicy secrets;
  const ConfigChecks checks{.paths = &paths, .secrets = &secrets};
  EXPECT_TRUE(JobFromJson(json::parse(kDesignExample), plugins_, checks).ok());

  const json state = Example("/tasks/0/loader_config/db_path", "orc.db");
  const Status refused = JobFromJson(state, plugins_, checks).status();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.field(), "tasks[0].loader_config.db_path") << refused;
  EXPECT_NE(refused.message().find("is orc's own state database"), std::string::npos) << refused;
  EXPECT_TRUE(JobFromJson(state, plugins_).ok()) << "without checks, the fields alone";

  const json home = Example("/tasks/0/extractor_config/url", "https://${env:HOME}.example.com");
  const Status secret = JobFromJson(home, plugins_, checks).status();
  EXPECT_EQ(secret.field(), "tasks[0].extractor_config.url") << secret;
  EXPECT_NE(secret.message().find("not a variable jobs may read"), std::string::npos) << secret;

  Job job = *JobFromJson(json::parse(kDesignExample), plugins_);
  job.tasks[0].loader_config = R"({"type": "duckdb", "db_path": "../x.duckdb", "table_name": "t"})";
  EXPECT_EQ(ValidateJob(job, plugins_, checks).field(), "tasks[0].loader_config.db_path");
}

// A decoded configuration is stored as text (dump(), which recurses): depth is checked first.
TEST_F(JobJsonTest, ConfigurationsNestedTooDeeplyAreRefused) {
  json body = json::parse(kDesignExample);
  json* innermost = &body["tasks"][0]["extractor_config"]["params"];
  *innermost = json::object();
  for (int i = 0; i < 100000; ++i) innermost = &(*innermost)["a"];
  const Status status = Decode(body);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "tasks[0].extractor_config") << status;
  EXPECT_NE(status.message().find("deeper than 64 levels"), std::string::npos) << status;
}

TEST_F(JobJsonTest, TaskGraphMistakesAreRefused) {
  const json sql = {{"type", "sql"}, {"db_path", "w.duckdb"}, {"sql", "select 1"}};
  auto job = [&](json tasks) { return json{{"job_name", "graph"}, {"tasks", std::move(tasks)}}; };
  Status duplicate = Decode(job({{{"task_name", "a"}, {"transform_config", sql}},
                                 {{"task_name", "a"}, {"transform_config", sql}}}));
  EXPECT_EQ(duplicate.field(), "tasks[1].task_name");
  Status self =
      Decode(job({{{"task_name", "a"}, {"depends_on", {"a"}}, {"transform_config", sql}}}));
  EXPECT_NE(self.message().find("cannot depend on itself"), std::string::npos);
  Status cycle =
      Decode(job({{{"task_name", "a"}, {"depends_on", {"c"}}, {"transform_config", sql}},
                  {{"task_name", "b"}, {"depends_on", {"a"}}, {"transform_config", sql}},
                  {{"task_name", "c"}, {"depends_on", {"b"}}, {"transform_config", sql}}}));
  EXPECT_NE(cycle.message().find("makes a cycle"), std::string::npos) << cycle.message();
  Status empty_task = Decode(job({json::object()}));
  EXPECT_EQ(empty_task.field(), "tasks[0]");
  EXPECT_FALSE(Decode(json::array()).ok());
}

TEST_F(JobJsonTest, RunsEncodeWithTheirTaskRuns) {
  orc::Run run;
  run.run_id = "0190f5c2-0000-7000-8000-000000000000";
  run.job_id = "job";
  run.status = RunStatus::kFailed;
  run.error_message = "task extract: HTTP 503";
  TaskRun task_run{.run_id = run.run_id,
                   .task_id = "t",
                   .task_name = "extract",
                   .task_order = 1,
                   .status = TaskRunStatus::kFailed,
                   .attempts = 2,
                   .errors = {"HTTP 503", "HTTP 503"}};
  const json body = RunToJson(run, {task_run});
  EXPECT_EQ(body["status"], "failed");
  EXPECT_EQ(body["triggered_by"], "manual");
  EXPECT_TRUE(body["started_at"].is_null());
  EXPECT_EQ(body["task_runs"][0]["attempts"], 2);
  EXPECT_EQ(body["task_runs"][0]["errors"].size(), 2u);
  EXPECT_TRUE(RunToJson(orc::Run{})["error_message"].is_null());
}

// Templates are checked when the job is written, with the parameters it declares: a name it does
// not know is refused then, naming the field, never when a run starts.
TEST_F(JobJsonTest, TemplatesAreCheckedWhenTheJobIsWritten) {
  json job = json::parse(kDesignExample);
  job["params"] = {{"region", {{"type", "string"}, {"default", "eu"}}}};
  job["tasks"][0]["extractor_config"]["url"] =
      "https://api.example.com/{{ params.region }}/sales?day={{ interval_start | "
      "date('%Y-%m-%d') }}";
  job["tasks"][0]["loader_config"]["table_name"] = "sales_{{ params.region }}";
  EXPECT_TRUE(Decode(job).ok()) << Decode(job).ToString();

  json unknown = job;
  unknown["tasks"][0]["extractor_config"]["url"] = "https://api.example.com/{{ params.regoin }}";
  const Status refused = Decode(unknown);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.field(), "tasks[0].extractor_config.url");
  EXPECT_NE(refused.message().find("params.regoin"), std::string::npos) << refused.message();

  json misspelt = job;
  misspelt["tasks"][0]["loader_config"]["table_name"] = "sales_{{ interval_strat }}";
  EXPECT_EQ(Decode(misspelt).field(), "tasks[0].loader_config.table_name");

  // What a template renders to must still be a valid value of its field.
  json bad_table = job;
  bad_table["tasks"][0]["loader_config"]["table_name"] = "sales {{ run_id }}";
  EXPECT_EQ(Decode(bad_table).field(), "tasks[0].loader_config.table_name");
}

// In SQL a template is a literal orc quotes: one written inside quotes is refused with the hint.
TEST_F(JobJsonTest, SqlTemplatesAreLiteralsOrcQuotes) {
  json job = json::parse(kDesignExample);
  job["tasks"][0] = {{"transform_config",
                      {{"type", "sql"},
                       {"db_path", "w.duckdb"},
                       {"sql", "DELETE FROM t WHERE day = {{ interval_start }}::TIMESTAMPTZ"}}}};
  EXPECT_TRUE(Decode(job).ok()) << Decode(job).ToString();
  job["tasks"][0]["transform_config"]["sql"] = "DELETE FROM t WHERE day = '{{ interval_start }}'";
  const Status quoted = Decode(job);
  EXPECT_EQ(quoted.field(), "tasks[0].transform_config.sql");
}

// A file path holding a template is known only when the task runs, which checks it then.
TEST_F(JobJsonTest, TemplatedPathsAreCheckedWhenTheTaskRuns) {
  testing::TempDir data;
  const PathPolicy paths(data.path(), {}, {});
  json job = json::parse(kDesignExample);
  job["params"] = {{"file", {{"type", "string"}, {"default", "../../etc/passwd"}}}};
  job["tasks"][0]["extractor_config"] = {{"type", "csv"}, {"path", "{{ params.file }}"}};
  EXPECT_TRUE(JobFromJson(job, plugins_, {.paths = &paths}).ok());
  job["tasks"][0]["extractor_config"]["path"] = "../../etc/passwd";
  EXPECT_EQ(JobFromJson(job, plugins_, {.paths = &paths}).status().field(),
            "tasks[0].extractor_config.path");
}

}  // namespace
}  // namespace orc
