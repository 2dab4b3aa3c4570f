// End-to-end tests of orc's CLI client (apply, jobs, run, runs, logs, cancel, cron) against a
// real `orc serve` with an API token: the commands a user types, their output and exit codes.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/uuid.h"
#include "integration/cli_client_fixture.h"
#include "integration/lossy_proxy.h"
#include "integration/orc_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using testing::AwaitListening;
using testing::CliClientTest;
using testing::kExitTimeout;
using testing::kJobs;
using testing::kToken;
using testing::Orc;
using testing::Outcome;
using testing::RunToCompletion;
using testing::Subprocess;
using testing::TempDir;

TEST_F(CliClientTest, ApplyCreatesUpdatesAndIsIdempotent) {
  Outcome dry = Cli({"apply", "-f", "jobs.yaml", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would create  orders"), std::string::npos) << dry.out;
  EXPECT_TRUE(Json({"jobs", "list"}).empty()) << "a dry run changes nothing";

  Outcome first = Cli({"apply", "-f", "jobs.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("created  orders"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("created  broken"), std::string::npos) << first.out;

  Outcome again = Cli({"apply", "-f", "."});  // a directory: every *.yaml in it
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "unchanged  orders\nunchanged  broken\n");

  std::string changed = kJobs;
  changed.replace(changed.find("*/15"), 4, "*/30");
  Write("jobs.yaml", changed.substr(0, changed.find("  - job_name: broken")));
  Outcome update = Cli({"apply", "-f", "jobs.yaml", "--prune"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(update.out, "updated  orders  (schedule)\ndeleted  broken\n");
  const nlohmann::json jobs = Json({"jobs", "list"});
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["schedule"], "*/30 * * * *");
  EXPECT_EQ(jobs[0]["schedule_description"], "every 30 minutes");
}

TEST_F(CliClientTest, ApplyNamesFileLineAndFieldAndChangesNothing) {
  std::string bad = kJobs;
  bad.replace(bad.find("table_name: orders"), 10, "table_nam");
  Write("bad.yaml", bad);
  Outcome outcome = Cli({"apply", "-f", "bad.yaml"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("bad.yaml:7: unknown field 'table_nam' in tasks[0].loader_config"),
            std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find("nothing was applied"), std::string::npos) << outcome.err;
  EXPECT_TRUE(Json({"jobs", "list"}).empty());

  Write("syntax.yaml", "job_name: x\ntasks: [\n");
  outcome = Cli({"apply", "-f", "syntax.yaml"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("syntax.yaml:"), std::string::npos) << outcome.err;

  outcome = Cli({"apply", "-f", "no-such-file.yaml"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("no-such-file.yaml: no such file"), std::string::npos);
}

// Every mistake of a file at once (not only the first), with a guess at the meant field name.
TEST_F(CliClientTest, ApplyReportsEveryErrorOfAFileAtOnce) {
  std::string bad = kJobs;
  bad.replace(bad.find("table_name: orders"), 10, "table_nam");
  bad.replace(bad.find("schedule:"), 9, "shedule:");
  bad.replace(bad.find("max_attempts: 1"), 15, "max_attempts: -1");
  Write("bad.yaml", bad);
  Outcome outcome = Cli({"apply", "-f", "bad.yaml"});
  EXPECT_EQ(outcome.exit_code, 1);
  for (const char* error : {"bad.yaml:3: shedule is not a known field", "did you mean 'schedule'?",
                            "bad.yaml:7: unknown field 'table_nam'", "did you mean 'table_name'?",
                            "bad.yaml:11: tasks[0].retry.max_attempts"}) {
    EXPECT_NE(outcome.err.find(error), std::string::npos) << error << "\n" << outcome.err;
  }
  EXPECT_TRUE(Json({"jobs", "list"}).empty());
}

TEST_F(CliClientTest, RunWaitFollowLogsAndExitCodes) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);

  Outcome follow = Cli({"run", "orders", "--follow"});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_NE(follow.out.find("[load] succeeded (attempt 1, 3 rows loaded"), std::string::npos)
      << follow.out;
  EXPECT_NE(follow.out.find("success in"), std::string::npos) << follow.out;

  Outcome failed = Cli({"run", "broken", "--wait"});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.out.find("failed"), std::string::npos) << failed.out;

  const nlohmann::json runs = Json({"runs", "list", "--job", "orders"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "success");
  const std::string run_id = runs[0]["run_id"];
  EXPECT_EQ(Json({"runs", "--status", "failed"}).size(), 1u);

  Outcome logs = Cli({"logs", run_id});
  EXPECT_EQ(logs.exit_code, 0);
  EXPECT_NE(logs.out.find("run success"), std::string::npos) << logs.out;

  Outcome cancel = Cli({"cancel", run_id});
  EXPECT_EQ(cancel.exit_code, 1);
  EXPECT_NE(cancel.err.find("already finished"), std::string::npos) << cancel.err;

  Outcome table = Cli({"runs", "list"});
  EXPECT_NE(table.out.find("RUN_ID"), std::string::npos);
  EXPECT_NE(table.out.find("orders"), std::string::npos) << table.out;
}

// Issue 20: one failure was printed three times (task line, run line, summary), DuckDB's statement
// echo with it, and a malformed CSV dumped DuckDB's 25-line report suggesting read_csv options.
// Each cause is now said once, on one line, by `run --wait`, `run --follow` and `logs`.
TEST_F(CliClientTest, AFailureIsPrintedOnceWithItsCause) {
  std::string csv = "id,name\n";
  for (int i = 1; i <= 30000; ++i) csv += std::to_string(i) + ",a\n";
  Write("data/bad.csv", csv + "30001,b,extra\n30002,c\n");
  Write("failing.yaml", R"(jobs:
  - job_name: bad_csv
    tasks:
      - task_name: load
        retry: {max_attempts: 1}
        extractor_config: {type: csv, path: bad.csv}
        loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: bad}
  - job_name: bad_sql
    tasks:
      - task_name: query
        retry: {max_attempts: 1}
        transform_config: {type: sql, db_path: warehouse.duckdb, sql: SELECT * FROM nosuch}
)");
  ASSERT_EQ(Cli({"apply", "-f", "failing.yaml"}).exit_code, 0);
  auto count = [](const std::string& text, const std::string& part) {
    size_t found = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
      ++found;
    }
    return found;
  };

  for (const char* mode : {"--wait", "--follow"}) {
    Outcome csv_run = Cli({"run", "bad_csv", mode});
    EXPECT_EQ(csv_run.exit_code, 1) << csv_run.out << csv_run.err;
    const std::string all = csv_run.out + csv_run.err;
    EXPECT_EQ(count(all, "Expected Number of Columns: 2 Found: 3"), 1u) << mode << "\n" << all;
    EXPECT_EQ(count(all,
                    "Possible fixes (csv options): strict_mode: false, null_padding: true, "
                    "ignore_errors: true"),
              1u)
        << all;
    EXPECT_EQ(all.find("Auto-Detected"), std::string::npos) << all;
    EXPECT_EQ(all.find("sample_size"), std::string::npos) << all;

    Outcome sql_run = Cli({"run", "bad_sql", mode});
    EXPECT_EQ(sql_run.exit_code, 1) << sql_run.out << sql_run.err;
    const std::string sql_all = sql_run.out + sql_run.err;
    EXPECT_EQ(count(sql_all, "Table with name nosuch does not exist"), 1u) << mode << "\n"
                                                                           << sql_all;
    EXPECT_EQ(sql_all.find("LINE 1"), std::string::npos) << sql_all;
  }

  // The log says the cause once too; the run's own line names the task.
  const nlohmann::json runs = Json({"runs", "list", "--job", "bad_sql"});
  ASSERT_FALSE(runs.empty());
  Outcome logs = Cli({"logs", runs[0]["run_id"].get<std::string>()});
  EXPECT_EQ(count(logs.out, "Table with name nosuch does not exist"), 1u) << logs.out;
  EXPECT_NE(logs.out.find("run failed: task query failed"), std::string::npos) << logs.out;
  Outcome shown = Cli({"runs", "show", runs[0]["run_id"].get<std::string>()});
  EXPECT_EQ(count(shown.out, "Table with name nosuch does not exist"), 1u) << shown.out;
  EXPECT_NE(shown.out.find("task query failed after 1 attempt (its error below)"),
            std::string::npos)
      << shown.out;

  // The fixes offered are options orc takes: with them the file loads.
  Write("fixed.yaml", R"(job_name: fixed_csv
tasks:
  - task_name: load
    extractor_config: {type: csv, path: bad.csv, null_padding: true, strict_mode: false}
    loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: fixed}
)");
  ASSERT_EQ(Cli({"apply", "-f", "fixed.yaml"}).exit_code, 0);
  Outcome fixed = Cli({"run", "fixed_csv", "--wait"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
}

// On a terminal, `run --follow` draws a progress line while the run goes; a run cancelled
// meanwhile ends the command with exit code 1. (util-linux `script` gives the command a terminal.)
TEST_F(CliClientTest, FollowShowsProgressOnATerminalAndFailsWhenCancelled) {
  Write("slow.yaml", R"(job_name: slow
tasks:
  - task_name: spin
    transform_config:
      type: sql
      db_path: slow.duckdb
      sql: CREATE TABLE spin AS SELECT sum(i * i % 7) AS s FROM range(100000000000) t(i)
)");
  ASSERT_EQ(Cli({"apply", "-f", "slow.yaml"}).exit_code, 0);
  const std::string command = std::string(ORC_BINARY_PATH) + " run slow --follow";
  Subprocess follow(testing::SubprocessOptions{
      .argv = {"/usr/bin/script", "-qec", command, "/dev/null"},
      .set_env = {{"ORC_SERVER", Server()}, {"ORC_API_TOKEN", kToken}, {"TERM", "xterm"}},
      .unset_env = {"LD_LIBRARY_PATH"},
      .working_directory = directory_.path()});
  nlohmann::json runs;
  for (int i = 0; i < 200 && follow.Stdout().find("| spin: ") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(follow.Stdout().find("running"), std::string::npos) << follow.Stdout();
  EXPECT_NE(follow.Stdout().find("| spin: 0 rows"), std::string::npos) << follow.Stdout();
  runs = Json({"runs", "list", "--job", "slow"});
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(Cli({"cancel", runs[0]["run_id"]}).exit_code, 0);
  EXPECT_EQ(follow.Wait(kExitTimeout), 1) << follow.Stdout();
  EXPECT_NE(follow.Stdout().find("cancelled in"), std::string::npos) << follow.Stdout();
}

TEST_F(CliClientTest, JobsListShowPauseResume) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  Outcome list = Cli({"jobs", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("every 15 minutes"), std::string::npos) << list.out;

  ASSERT_EQ(Cli({"jobs", "pause", "orders"}).exit_code, 0);
  EXPECT_EQ(Json({"jobs", "show", "orders"})["is_active"], false);
  ASSERT_EQ(Cli({"jobs", "resume", "orders"}).exit_code, 0);
  EXPECT_EQ(Json({"jobs", "show", "orders"})["is_active"], true);

  // `jobs show` prints a job file: applying it back changes nothing.
  Outcome show = Cli({"jobs", "show", "orders"});
  ASSERT_EQ(show.exit_code, 0);
  Write("shown.yaml", show.out);
  Outcome apply = Cli({"apply", "-f", "shown.yaml"});
  EXPECT_EQ(apply.out, "unchanged  orders\n") << show.out << apply.err;

  Outcome missing = Cli({"jobs", "show", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no job named 'nope'"), std::string::npos);
}

TEST_F(CliClientTest, ClearMessagesForAWrongTokenOrNoServer) {
  Outcome wrong = Cli({"jobs", "list"}, "not-the-token");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("API token is missing or wrong"), std::string::npos) << wrong.err;

  Outcome nobody = Cli({"jobs", "list", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.err.find("cannot reach orc at http://127.0.0.1:1"), std::string::npos)
      << nobody.err;
}

TEST_F(CliClientTest, CronNeedsNoServer) {
  server_->Signal(SIGTERM);  // no server is needed
  server_->Wait(kExitTimeout);
  Outcome cron = Cli({"cron", "0 9 * * MON-FRI", "--tz", "Europe/Berlin", "-n", "3"});
  ASSERT_EQ(cron.exit_code, 0) << cron.err;
  EXPECT_NE(cron.out.find("at 09:00 on weekdays"), std::string::npos) << cron.out;
  EXPECT_NE(cron.out.find("09:00:00 CE"), std::string::npos) << cron.out;  // CET or CEST
  Outcome bad = Cli({"cron", "0 9 * * FRY"});
  EXPECT_EQ(bad.exit_code, 2);  // a usage error
  EXPECT_NE(bad.err.find("'FRY'"), std::string::npos) << bad.err;
  Outcome never = Cli({"cron", "0 0 0 29 2 * 2027"});
  EXPECT_EQ(never.exit_code, 2);
  EXPECT_NE(never.err.find("never fires"), std::string::npos) << never.err;
  // Summer time after 2037 (the offsets used to freeze at the last one the zone file lists).
  Outcome future = Cli({"cron", "0 0 12 4 7 * 2038", "--tz", "America/New_York", "-n", "1"});
  ASSERT_EQ(future.exit_code, 0) << future.err;
  EXPECT_NE(future.out.find("2038-07-04 16:00:00"), std::string::npos) << future.out;
  EXPECT_NE(future.out.find("2038-07-04 12:00:00 EDT"), std::string::npos) << future.out;
}

TEST_F(CliClientTest, TheApiTakesAndGivesYaml) {
  httplib::Client client("127.0.0.1", port_);
  client.set_bearer_token_auth(kToken);
  auto refused = client.Post("/jobs", "job_name: y\ntasks:\n  - extractor_config: {type: csv}\n",
                             "application/yaml");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  const nlohmann::json error = nlohmann::json::parse(refused->body)["error"];
  EXPECT_EQ(error["field"], "tasks[0].extractor_config.path");
  EXPECT_EQ(error["message"].get<std::string>().rfind("line 3: ", 0), 0u) << error;

  auto created =
      client.Post("/jobs",
                  "job_name: orders\ntasks:\n"
                  "  - extractor_config: {type: csv, path: orders.csv}\n"
                  "    loader_config: {type: duckdb, db_path: w.duckdb, table_name: t}\n",
                  "application/yaml");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = nlohmann::json::parse(created->body)["job_id"];
  auto yaml = client.Get("/jobs/" + id, {{"Accept", "application/yaml"}});
  ASSERT_TRUE(yaml);
  EXPECT_EQ(yaml->get_header_value("Content-Type"), "application/yaml");
  EXPECT_EQ(yaml->body.rfind("job_name: orders\n", 0), 0u) << yaml->body;
}

// examples/jobs.yaml, as `make run` applies it: every job runs to success offline (the API job
// reads the server's own /runs, so the port in its URL is the test server's).
TEST_F(CliClientTest, TheExamplesRunOffline) {
  namespace fs = std::filesystem;
  const fs::path examples = fs::path(directory_.path()) / "examples";
  fs::create_directories(examples / "data");
  for (const auto& entry : fs::directory_iterator(fs::path(ORC_SOURCE_DIR) / "examples/data")) {
    fs::copy_file(entry.path(), examples / "data" / entry.path().filename());
  }
  std::ifstream in(fs::path(ORC_SOURCE_DIR) / "examples/jobs.yaml");
  std::string jobs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t port_at = jobs.find("127.0.0.1:8080");
  ASSERT_NE(port_at, std::string::npos);
  jobs.replace(port_at, 14, "127.0.0.1:" + std::to_string(port_));
  Write("examples/jobs.yaml", jobs);

  // A server whose data directory is the examples' (as `make run` starts it).
  server_->Signal(SIGTERM);
  server_->Wait(kExitTimeout);
  server_ = std::make_unique<Subprocess>(
      Orc({"serve", "--bind", "127.0.0.1:" + std::to_string(port_), "--database-url",
           "sqlite:orc.db", "--data-dir", examples.string()},
          directory_, {{"ORC_API_TOKEN", ""}}));
  ASSERT_EQ(AwaitListening(*server_), port_) << server_->Stderr();

  Outcome applied = Cli({"apply", "-f", "examples/jobs.yaml"}, "");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  for (const char* job :
       {"orders_csv", "trips_parquet", "events_json", "customers_sqlite", "orc_runs_api"}) {
    Outcome run = Cli({"run", job, "--follow"}, "");
    EXPECT_EQ(run.exit_code, 0) << job << "\n" << run.out << run.err;
  }
  auto orc = RunToCompletion(
      Orc({"query", (examples / "warehouse.duckdb").string(),
           "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM "
           "trips), (SELECT count(*) FROM events), (SELECT count(*) FROM "
           "trips_per_day) > 0, (SELECT count(*) FROM orc_runs) >= 3, (SELECT count(*) "
           "FROM customers)",
           "--output", "json"},
          directory_),
      kExitTimeout);
  ASSERT_EQ(orc->Wait(kExitTimeout), 0) << orc->Stderr();
  const nlohmann::json counts = nlohmann::json::parse(orc->Stdout())[0];
  std::vector<std::string> values;
  // Typed: counts are JSON numbers, comparisons booleans.
  for (const auto& [column, value] : counts.items()) values.push_back(value.dump());
  EXPECT_EQ(std::multiset<std::string>(values.begin(), values.end()),
            (std::multiset<std::string>{"1000", "5000", "300", "true", "true", "500"}))
      << counts;
}

// The trigger reached orc, its reply did not reach `orc run`: the retry carries the same key, and
// orc answers it with the run it queued the first time instead of queuing another.
TEST_F(CliClientTest, RunRetriesALostReplyUnderItsKeyAndQueuesOneRun) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  testing::LossyProxy proxy(port_, "/run");
  ASSERT_GT(proxy.port(), 0);
  const std::string via_proxy = "http://127.0.0.1:" + std::to_string(proxy.port());

  Outcome run = Cli({"run", "orders"}, kToken, via_proxy);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> keys = proxy.keys();
  ASSERT_EQ(keys.size(), 2u) << "the attempt whose reply was lost, and its retry";
  EXPECT_TRUE(IsUuid(keys[0])) << keys[0];
  EXPECT_EQ(keys[1], keys[0]);
  nlohmann::json runs = Json({"runs", "list", "--job", "orders"});
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_NE(run.out.find(runs[0]["run_id"].get<std::string>()), std::string::npos) << run.out;

  // Another invocation is another request: a fresh key, another run.
  ASSERT_EQ(Cli({"run", "orders"}, kToken, via_proxy).exit_code, 0);
  keys = proxy.keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_NE(keys[2], keys[0]);
  EXPECT_EQ(Json({"runs", "list", "--job", "orders"}).size(), 2u);
}

}  // namespace
}  // namespace orc
