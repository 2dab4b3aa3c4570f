#include "api/job_yaml.h"

#include <gtest/gtest.h>

#include "api/job_json.h"

#include <chrono>
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

using nlohmann::json;

const char* kTwoJobs = R"(# jobs kept in git
jobs:
  - job_name: orders
    schedule: "*/15 * * * *"
    is_active: true
    max_active_runs: 2
    tasks:
      - task_name: load
        extractor_config: {type: csv, path: data/orders.csv, header: true}
        loader_config:
          type: duckdb
          db_path: warehouse.duckdb
          table_name: orders
  - job_name: revenue
    tasks:
      - transform_config:
          type: sql
          db_path: warehouse.duckdb
          sql: |
            CREATE OR REPLACE TABLE revenue AS
            SELECT sum(amount) AS total FROM orders
)";

TEST(JobYamlTest, ReadsAJobsListWithTypedScalarsAndLines) {
  Result<std::vector<YamlJob>> jobs = ParseYamlJobs(kTwoJobs);
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 2u);
  const YamlJob& orders = (*jobs)[0];
  EXPECT_EQ(orders.body["job_name"], "orders");
  EXPECT_EQ(orders.body["schedule"], "*/15 * * * *");
  EXPECT_EQ(orders.body["is_active"], true);
  EXPECT_EQ(orders.body["max_active_runs"], 2);
  EXPECT_EQ(orders.body["tasks"][0]["extractor_config"]["header"], true);
  EXPECT_EQ(orders.line, 3);
  EXPECT_EQ(orders.LineOf("schedule"), 4);
  EXPECT_EQ(orders.LineOf("tasks[0].loader_config.table_name"), 13);
  // A field the file does not have falls back to the nearest one it does.
  EXPECT_EQ(orders.LineOf("tasks[0].loader_config.write_mode"), 11);
  EXPECT_EQ(orders.LineOf("nonexistent"), 3);
  const YamlJob& revenue = (*jobs)[1];
  EXPECT_EQ(revenue.body["tasks"][0]["transform_config"]["sql"],
            "CREATE OR REPLACE TABLE revenue AS\nSELECT sum(amount) AS total FROM orders\n");
}

TEST(JobYamlTest, ReadsOneJobAListAndSeveralDocuments) {
  const char* text = R"(job_name: a
tasks: []
---
- job_name: b
  tasks: []
- job_name: c
  tasks: []
---
)";
  Result<std::vector<YamlJob>> jobs = ParseYamlJobs(text);
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[2].body["job_name"], "c");
  EXPECT_EQ((*jobs)[2].line, 6);
}

TEST(JobYamlTest, QuotedScalarsStayStrings) {
  Result<std::vector<YamlJob>> jobs = ParseYamlJobs(
      "job_name: '123'\ndescription: \"true\"\ntimezone: null\ntimeout_s: 30\nx: 1.5\ny: ~\n"
      "z: yes\n");
  ASSERT_TRUE(jobs.ok());
  const json& body = (*jobs)[0].body;
  EXPECT_EQ(body["job_name"], "123");
  EXPECT_EQ(body["description"], "true");
  EXPECT_TRUE(body["timezone"].is_null());
  EXPECT_EQ(body["timeout_s"], 30);
  EXPECT_EQ(body["x"], 1.5);
  EXPECT_TRUE(body["y"].is_null());
  EXPECT_EQ(body["z"], "yes");  // YAML 1.2: only true/false are booleans
}

TEST(JobYamlTest, ErrorsNameTheLine) {
  Result<std::vector<YamlJob>> bad = ParseYamlJobs("job_name: a\ntasks: [\n  {x: 1\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("not valid YAML"), std::string::npos);
  EXPECT_EQ(bad.status().message().rfind("line ", 0), 0u) << bad.status().message();

  Result<std::vector<YamlJob>> duplicate = ParseYamlJobs("job_name: a\ntasks: []\njob_name: b\n");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().message(), "line 3: duplicate key 'job_name'");

  Result<std::vector<YamlJob>> scalar = ParseYamlJobs("- just a string\n");
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.status().message().find("line 1: a job must be a mapping"), std::string::npos);
}

TEST(JobYamlTest, JobToYamlReadsBackAsTheSameJob) {
  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  Result<std::vector<YamlJob>> parsed = ParseYamlJobs(kTwoJobs);
  ASSERT_TRUE(parsed.ok());
  for (const YamlJob& yaml : *parsed) {
    Result<Job> job = JobFromJson(yaml.body, plugins);
    ASSERT_TRUE(job.ok()) << job.status().message();
    const json encoded = JobToJson(*job, std::nullopt);
    const std::string text = JobToYaml(encoded);
    EXPECT_EQ(text.find("job_id"), std::string::npos) << "read-only fields are left out";
    EXPECT_EQ(text.find("~"), std::string::npos) << "null fields are left out";
    EXPECT_EQ(text.rfind("job_name: ", 0), 0u) << text;
    Result<std::vector<YamlJob>> again = ParseYamlJobs(text);
    ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << text;
    Result<Job> round_trip = JobFromJson((*again)[0].body, plugins);
    ASSERT_TRUE(round_trip.ok()) << round_trip.status().message() << "\n" << text;
    EXPECT_EQ(JobDefinition(JobToJson(*round_trip, std::nullopt)), JobDefinition(encoded)) << text;
  }
}

TEST(JobYamlTest, StringsThatLookLikeOtherTypesAreQuoted) {
  const json value = {{"a", "true"}, {"b", "12"}, {"c", "null"}, {"d", ""}, {"e", "plain"}};
  Result<std::vector<YamlJob>> back = ParseYamlJobs(JsonToYaml(value));
  ASSERT_TRUE(back.ok()) << JsonToYaml(value);
  EXPECT_EQ((*back)[0].body, value) << JsonToYaml(value);
}

// Multi-line text is a literal block (`|`) only where it reads back unchanged; yaml-cpp writes the
// block without chomping or indentation indicators. Found by the job_yaml fuzzer: SQL without a
// final newline came back with one.
TEST(JobYamlTest, MultiLineStringsReadBackUnchanged) {
  const json value = {{"no_final_newline", "select 1\nfrom t"},
                      {"one_final_newline", "select 1\nfrom t\n"},
                      {"two_final_newlines", "select 1\n\n"},
                      {"indented_first_line", "  select 1\nfrom t\n"},
                      {"leading_newline", "\nselect 1\n"},
                      {"control_character", "select 1\n\x01\n"},
                      {"carriage_returns", "select 1\r\nfrom t\r\n"},
                      {"comment_like", "select 'x' # not a comment\n--- not a document\n"},
                      {"not_ascii", "select '\xc3\xa9t\xc3\xa9'\n"}};
  const std::string text = JsonToYaml(value);
  Result<std::vector<YamlJob>> back = ParseYamlJobs(text);
  ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << text;
  EXPECT_EQ((*back)[0].body, value) << text;
  EXPECT_NE(text.find("one_final_newline: |"), std::string::npos) << "kept readable: " << text;
}

// Mappings and sequences nest at most 64 levels, in flow and in block style; far deeper input
// is stopped by yaml-cpp's own guard before it builds anything.
TEST(JobYamlTest, DeepNestingIsRefused) {
  std::string block = "job_name: deep\nx:\n";
  for (int i = 0; i < 70; ++i) block += std::string(2 * i + 2, ' ') + "k:\n";
  for (const std::string& text :
       {"job_name: deep\nx: " + std::string(70, '[') + std::string(70, ']'), block,
        "job_name: deep\nx: " + std::string(100000, '['),
        "job_name: deep\nx: " + std::string(100000, '{')}) {
    Result<std::vector<YamlJob>> jobs = ParseYamlJobs(text);
    ASSERT_FALSE(jobs.ok()) << text.substr(0, 60);
    EXPECT_EQ(jobs.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(jobs.status().message().rfind("line ", 0), 0u) << jobs.status().message();
  }
  Result<std::vector<YamlJob>> fits =
      ParseYamlJobs("job_name: deep\nx: " + std::string(60, '[') + std::string(60, ']'));
  EXPECT_TRUE(fits.ok()) << fits.status().message();
}

// "Billion laughs": 272 bytes of nested aliases stand for 9^7 strings. The expansion stops at
// its budget, at once.
TEST(JobYamlTest, AliasExpansionIsBounded) {
  std::string text = "job_name: lol\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char name = 'b'; name <= 'h'; ++name) {
    const std::string previous = "*" + std::string(1, static_cast<char>(name - 1));
    text += std::string(1, name) + ": &" + std::string(1, name) + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ", " : "") + previous;
    text += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<YamlJob>> jobs = ParseYamlJobs(text);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.status().message().find("too many values"), std::string::npos)
      << jobs.status().message();
  EXPECT_LT(took, std::chrono::milliseconds(200));

  // An alias inside its own anchor would nest without end.
  Result<std::vector<YamlJob>> cycle = ParseYamlJobs("job_name: loop\nx: &a [*a]\n");
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.status().message().find("deeper than the limit"), std::string::npos);

  // Aliases used a few times, as a person writes them, are fine.
  Result<std::vector<YamlJob>> shared = ParseYamlJobs(
      "job_name: shared\nbase: &base {type: csv, path: a.csv}\nfirst: *base\nsecond: *base\n");
  ASSERT_TRUE(shared.ok()) << shared.status().message();
  EXPECT_EQ((*shared)[0].body["second"]["path"], "a.csv");
}

// A value deeper than anything ParseYamlJobs accepts (a job stored before the limits) is written
// without growing the call stack (far deeper than 2,000 levels is impractical to write anyway: each
// level indents the next). nlohmann's copies recurse, so the value is built in place.
TEST(JobYamlTest, JsonToYamlWritesDeepValuesWithoutRecursion) {
  json value = {{"job_name", "deep"}, {"tasks", json::array()}};
  json* innermost = &value["tasks"];
  for (int i = 0; i < 2000; ++i) {
    innermost->push_back(json::object({{"x", nullptr}, {"k", json::array()}}));
    innermost = &innermost->back()["k"];
  }
  const std::string text = JsonToYaml(value);
  EXPECT_EQ(text.rfind("job_name: deep", 0), 0u);
  EXPECT_NE(text.find("x: ~"), std::string::npos);
  // JobToYaml drops the null fields of the job and its tasks, and keeps those deeper down.
  json shallower = {{"job_name", "deep"}, {"tasks", json::array()}};
  innermost = &shallower["tasks"];
  for (int i = 0; i < 1000; ++i) {
    innermost->push_back(json::object({{"x", nullptr}, {"k", json::array()}}));
    innermost = &innermost->back()["k"];
  }
  const std::string shallower_text = JobToYaml(shallower);
  size_t kept = 0;
  for (size_t at = shallower_text.find("x: ~"); at != std::string::npos;
       at = shallower_text.find("x: ~", at + 1)) {
    ++kept;
  }
  EXPECT_EQ(kept, 999u);
}

// A null inside a setting's value (an api extractor's body) is data: it reaches the upstream as
// null, so the YAML keeps it. A null setting means the default and is left out.
TEST(JobYamlTest, NullsInsideSettingsSurviveTheRoundTrip) {
  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  Result<std::vector<YamlJob>> parsed = ParseYamlJobs(R"(job_name: body_with_null
tasks:
  - task_name: fetch
    extractor_config:
      type: api
      url: https://example.com/search
      method: POST
      body: {filter: null, page: {size: 10, after: ~}}
      max_pages: null
    loader_config: {type: duckdb, db_path: w.duckdb, table_name: results}
)");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  Result<Job> job = JobFromJson((*parsed)[0].body, plugins);
  ASSERT_TRUE(job.ok()) << job.status().message();
  const std::string text = JobToYaml(JobToJson(*job, std::nullopt));
  EXPECT_EQ(text.find("max_pages"), std::string::npos) << text;
  Result<std::vector<YamlJob>> again = ParseYamlJobs(text);
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << text;
  const json body = (*again)[0].body["tasks"][0]["extractor_config"]["body"];
  EXPECT_EQ(body, json::parse(R"({"filter": null, "page": {"size": 10, "after": null}})")) << text;
}

// yaml-cpp passes bytes through; JSON, the store and every client need UTF-8.
TEST(JobYamlTest, TextThatIsNotUtf8IsRefused) {
  for (const std::string& text : {std::string("job_name: a\ndescription: caf\xe9\n"),
                                  std::string("job_name: a\nx: {\xff\xfe: 1}\n")}) {
    Result<std::vector<YamlJob>> jobs = ParseYamlJobs(text);
    ASSERT_FALSE(jobs.ok()) << text;
    EXPECT_EQ(jobs.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(jobs.status().message().find("not valid UTF-8"), std::string::npos)
        << jobs.status().message();
    EXPECT_EQ(jobs.status().message().rfind("line 2: ", 0), 0u) << jobs.status().message();
  }
  Result<std::vector<YamlJob>> fine = ParseYamlJobs("job_name: café ☕\n");
  ASSERT_TRUE(fine.ok()) << fine.status().message();
  EXPECT_EQ((*fine)[0].body["job_name"], "café ☕");
}

// yaml-cpp 0.7's LoadAll never returns on these (jbeder/yaml-cpp#1040): it collects empty
// documents until memory runs out. Two bytes of a request body would take the server down.
TEST(JobYamlTest, TextTheParserLoopsOnIsRefusedAtOnce) {
  for (const std::string& text :
       {std::string(",\n"), std::string(", x\n"), std::string("job_name: a\n---\n,\n")}) {
    const auto start = std::chrono::steady_clock::now();
    Result<std::vector<YamlJob>> jobs = ParseYamlJobs(text);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
    ASSERT_FALSE(jobs.ok()) << text;
    EXPECT_NE(jobs.status().message().find("not valid YAML"), std::string::npos)
        << jobs.status().message();
  }
  // Empty documents still read as no jobs.
  Result<std::vector<YamlJob>> empty = ParseYamlJobs("---\n---\n# nothing\n");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(empty->empty());
}

// `schedule: * * * * *` unquoted made yaml-cpp say "alias not found after *": the error says to
// quote the value, and how.
TEST(JobYamlTest, AnUnquotedStarSaysToQuoteTheValue) {
  Result<std::vector<YamlJob>> star =
      ParseYamlJobs("job_name: a\nschedule: * * * * *  # every minute\ntasks: []\n", "j.yaml");
  ASSERT_FALSE(star.ok());
  EXPECT_NE(star.status().message().find("j.yaml:2: not valid YAML"), std::string::npos)
      << star.status().message();
  EXPECT_NE(
      star.status().message().find(
          "must be quoted, as in schedule: \"* * * * *\" (unquoted, YAML reads * as an alias)"),
      std::string::npos)
      << star.status().message();
  Result<std::vector<YamlJob>> step =
      ParseYamlJobs("jobs:\n  - job_name: a\n    schedule: */5 * * * *\n");
  ASSERT_FALSE(step.ok());
  EXPECT_NE(step.status().message().find("as in schedule: \"*/5 * * * *\""), std::string::npos)
      << step.status().message();
}

}  // namespace
}  // namespace orc
