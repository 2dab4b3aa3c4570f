// End-to-end tests of `orc run -p NAME=VALUE`, `orc runs retry` and `orc runs clear` against a
// real server: a run's parameters and data interval, a re-run from failure once the missing file
// arrives (the tasks that succeeded are skipped), and clearing a task with and without the tasks
// downstream of it.
#include <gtest/gtest.h>

#include <regex>

#include "integration/cli_client_fixture.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::CliClientTest;
using testing::Outcome;

// load_returns reads a file that is not there yet; summary depends on load_orders only.
constexpr const char* kLateJob = R"(job_name: late
params:
  limit: {type: integer, default: 10, description: rows to keep}
  day: {type: date, default: "2026-11-01"}
tasks:
  - task_name: load_orders
    extractor_config: {type: csv, path: orders.csv}
    loader_config: {type: duckdb, db_path: late_orders.duckdb, table_name: orders}
  - task_name: summary
    depends_on: [load_orders]
    transform_config:
      type: sql
      db_path: late_orders.duckdb
      sql: CREATE OR REPLACE TABLE summary AS SELECT count(*) AS n FROM orders
  - task_name: load_returns
    retry: {max_attempts: 1}
    extractor_config: {type: csv, path: returns.csv}
    loader_config: {type: duckdb, db_path: late_returns.duckdb, table_name: returns}
)";

class CliRerunTest : public CliClientTest {
 protected:
  void SetUp() override {
    CliClientTest::SetUp();
    Write("late.yaml", kLateJob);
    ASSERT_EQ(Cli({"apply", "-f", "late.yaml"}).exit_code, 0);
  }

  // The run id of "queued run ID ..." on the first line of `outcome`'s stdout.
  static std::string QueuedRunId(const Outcome& outcome) {
    std::smatch match;
    EXPECT_TRUE(std::regex_search(outcome.out, match, std::regex(R"(^queued run (\S+) )")))
        << outcome.out << outcome.err;
    return match.size() > 1 ? match[1].str() : "";
  }

  // Each task's status in the run, by name.
  std::map<std::string, std::string> TaskStatuses(const std::string& run_id) {
    std::map<std::string, std::string> statuses;
    const json run = Json({"runs", "show", run_id});
    for (const json& task : run["task_runs"]) {
      statuses[task["task_name"]] = task["status"];
    }
    return statuses;
  }
};

TEST_F(CliRerunTest, RunSetsParametersAndIntervalAndShowsThem) {
  Write("data/returns.csv", "id,amount\n1,5\n");
  Outcome run = Cli({"run", "late", "-p", "limit=25", "--interval-start", "2026-11-01",
                     "--interval-end", "2026-11-02T00:00:00Z", "--wait"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string run_id = QueuedRunId(run);
  const json shown = Json({"runs", "show", run_id});
  // Sent as text, stored as the declared type; the parameter not given takes its default.
  EXPECT_EQ(shown["params"], json({{"limit", 25}, {"day", "2026-11-01"}})) << shown.dump();
  EXPECT_EQ(shown["interval_start"], "2026-11-01T00:00:00.000Z");
  EXPECT_EQ(shown["interval_end"], "2026-11-02T00:00:00.000Z");

  Outcome show = Cli({"runs", "show", run_id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("interval:       2026-11-01 00:00:00Z to 2026-11-02 00:00:00Z"),
            std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find(R"(params:         {"day":"2026-11-01","limit":25})"), std::string::npos)
      << show.out;
  EXPECT_EQ(show.out.find("retry of:"), std::string::npos) << show.out;
}

TEST_F(CliRerunTest, RunRefusesAWrongParameterNamingItsField) {
  Outcome wrong_type = Cli({"run", "late", "-p", "limit=lots"});
  EXPECT_EQ(wrong_type.exit_code, 1);
  EXPECT_NE(wrong_type.err.find("params.limit"), std::string::npos) << wrong_type.err;
  Outcome unknown = Cli({"run", "late", "-p", "limti=5"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("params.limti"), std::string::npos) << unknown.err;
  Outcome half_interval = Cli({"run", "late", "--interval-start", "2026-11-01"});
  EXPECT_EQ(half_interval.exit_code, 1);
  EXPECT_NE(half_interval.err.find("interval_end"), std::string::npos) << half_interval.err;
  // Mistakes the CLI sees itself are usage errors, and nothing is sent.
  Outcome no_value = Cli({"run", "late", "-p", "limit"});
  EXPECT_EQ(no_value.exit_code, 2);
  EXPECT_NE(no_value.err.find("NAME=VALUE"), std::string::npos) << no_value.err;
  EXPECT_EQ(Cli({"run", "late", "-p", "limit=1", "-p", "limit=2"}).exit_code, 2);
  EXPECT_EQ(Cli({"run", "late", "--interval-start", "soon", "--interval-end", "later"}).exit_code,
            2);
  EXPECT_TRUE(Json({"runs"}).empty()) << "no run was queued";
}

TEST_F(CliRerunTest, RetryRunsOnlyTheFailedTaskOnceItsFileArrives) {
  Outcome first = Cli({"run", "late", "-p", "limit=7", "--wait"});
  ASSERT_EQ(first.exit_code, 1) << first.out;
  const std::string failed_id = QueuedRunId(first);
  EXPECT_EQ(TaskStatuses(failed_id)["load_returns"], "failed");

  Write("data/returns.csv", "id,amount\n1,5\n2,6\n");
  Outcome retry = Cli({"runs", "retry", failed_id, "--wait"});
  ASSERT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  EXPECT_NE(retry.out.find("of late (retry of " + failed_id + ": runs load_returns)"),
            std::string::npos)
      << retry.out;
  EXPECT_NE(retry.out.find(" success in "), std::string::npos) << retry.out;
  const std::string retry_id = QueuedRunId(retry);
  const json shown = Json({"runs", "show", retry_id});
  EXPECT_EQ(shown["retry_of"], failed_id);
  EXPECT_EQ(shown["only_tasks"], json({"load_returns"}));
  EXPECT_EQ(shown["params"]["limit"], 7) << "a retry keeps the run's parameters";
  EXPECT_EQ(TaskStatuses(retry_id),
            (std::map<std::string, std::string>{
                {"load_orders", "skipped"}, {"summary", "skipped"}, {"load_returns", "success"}}));

  Outcome show = Cli({"runs", "show", retry_id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("retry of:       " + failed_id), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("runs only:      load_returns"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("skipped:        load_orders, summary"), std::string::npos) << show.out;
  EXPECT_TRUE(std::regex_search(show.out, std::regex(R"(\nload_orders +skipped )"))) << show.out;

  // Nothing failed in the retry: a retry of it is refused with the server's reason.
  Outcome again = Cli({"runs", "retry", retry_id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("nothing to retry"), std::string::npos) << again.err;
}

TEST_F(CliRerunTest, ClearRunsATaskWithOrWithoutItsDownstream) {
  Write("data/returns.csv", "id,amount\n1,5\n");
  Outcome first = Cli({"run", "late", "--wait"});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  const std::string run_id = QueuedRunId(first);

  Outcome cleared = Cli({"runs", "clear", run_id, "load_orders", "--wait"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.out << cleared.err;
  EXPECT_NE(cleared.out.find("runs load_orders, summary)"), std::string::npos) << cleared.out;
  EXPECT_EQ(TaskStatuses(QueuedRunId(cleared)),
            (std::map<std::string, std::string>{
                {"load_orders", "success"}, {"summary", "success"}, {"load_returns", "skipped"}}));

  Outcome alone = Cli({"runs", "clear", run_id, "load_orders", "--no-downstream", "--wait"});
  ASSERT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  const json shown = Json({"runs", "show", QueuedRunId(alone)});
  EXPECT_EQ(shown["only_tasks"], json({"load_orders"}));
  EXPECT_EQ(TaskStatuses(shown["run_id"])["summary"], "skipped");

  Outcome unknown = Cli({"runs", "clear", run_id, "load_everything"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("task 'load_everything' is not a task of the job; its tasks: "
                             "load_orders, summary, load_returns"),
            std::string::npos)
      << unknown.err;
}

}  // namespace
}  // namespace orc
