// End-to-end tests of `orc jobs`, `orc runs`, `orc backfill` and `orc apply --prune` against a
// real server once jobs have runs: the tour of issue 20 (list, show, apply back, page, delete).
#include <gtest/gtest.h>

#include <regex>

#include "integration/cli_client_fixture.h"

namespace orc {
namespace {

using testing::CliClientTest;
using testing::kExitTimeout;
using testing::Orc;
using testing::Outcome;
using testing::RunToCompletion;

// `orc jobs list` read each job's newest run after moving it away, and aborted (type_error.306)
// as soon as one job had a run.
TEST_F(CliClientTest, JobsListShowsTheLastRunOfJobsThatHaveRuns) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  ASSERT_EQ(Cli({"run", "orders", "--wait"}).exit_code, 0);
  ASSERT_EQ(Cli({"run", "broken", "--wait"}).exit_code, 1);
  for (const auto& arguments : {std::vector<std::string>{"jobs", "list"}, {"jobs"}}) {
    Outcome list = Cli(arguments);
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_TRUE(std::regex_search(
        list.out, std::regex(R"(orders .* active .*Z +success \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")))
        << list.out;
    EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(broken .*failed \d{4}-\d\d-\d\d)")))
        << list.out;
  }
}

// `orc jobs show NAME > job.yaml` writes only the job file: its recent runs go to stderr, and
// applying the file changes nothing. The next run is shown in the job's zone and in UTC.
TEST_F(CliClientTest, JobsShowOnStdoutAppliesBackUnchanged) {
  Write("berlin.yaml", R"(job_name: berlin
schedule: "30 6 * * *"
timezone: Europe/Berlin
tasks:
  - task_name: load
    extractor_config: {type: csv, path: orders.csv}
    loader_config: {type: duckdb, db_path: warehouse.duckdb, table_name: orders}
)");
  ASSERT_EQ(Cli({"apply", "-f", "berlin.yaml"}).exit_code, 0);
  ASSERT_EQ(Cli({"run", "berlin", "--wait"}).exit_code, 0);
  Outcome show = Cli({"jobs", "show", "berlin"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out.find("recent runs"), std::string::npos) << show.out;
  EXPECT_NE(show.err.find("recent runs:"), std::string::npos) << show.err;
  EXPECT_NE(show.err.find("success"), std::string::npos) << show.err;
  // 06:30 in Berlin is 05:30 UTC in winter and 04:30 UTC in summer.
  EXPECT_TRUE(std::regex_search(
      show.out, std::regex(R"(# next run: \d{4}-\d\d-\d\d 06:30 Europe/Berlin \(0[45]:30 UTC\))")))
      << show.out;
  Write("shown.yaml", show.out);
  Outcome apply = Cli({"apply", "-f", "shown.yaml"});
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_EQ(apply.out, "unchanged  berlin\n") << show.out << apply.err;
}

// An empty file with --prune would delete every job: refused, naming them, unless --yes.
TEST_F(CliClientTest, PruneRefusesToDeleteEveryJobWithoutYes) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  Write("empty.yaml", "");
  Outcome refused = Cli({"apply", "-f", "empty.yaml", "--prune"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("would delete every job on the server (2: broken, orders)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_EQ(Json({"jobs", "list"}).size(), 2u) << "nothing was deleted";

  Outcome dry = Cli({"apply", "-f", "empty.yaml", "--prune", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(dry.out, "would delete  broken\nwould delete  orders\n");

  Outcome yes = Cli({"apply", "-f", "empty.yaml", "--prune", "--yes"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(yes.out, "deleted  broken\ndeleted  orders\n");
  EXPECT_TRUE(Json({"jobs", "list"}).empty());
}

TEST_F(CliClientTest, RunsShowJobsDeleteAndBackfill) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  Outcome run = Cli({"run", "orders", "--wait"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // One stream for the result: the queued line and the summary, both on stdout.
  EXPECT_EQ(run.out.rfind("queued run ", 0), 0u) << run.out;
  EXPECT_NE(run.out.find(" success in "), std::string::npos) << run.out;
  const std::string run_id = Json({"runs"})[0]["run_id"];

  Outcome show = Cli({"runs", "show", run_id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("job:            orders"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("status:         success"), std::string::npos) << show.out;
  EXPECT_TRUE(
      std::regex_search(show.out, std::regex(R"(finished: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")))
      << show.out;
  EXPECT_TRUE(std::regex_search(show.out, std::regex(R"(load +success +1 +3 )"))) << show.out;
  EXPECT_EQ(Json({"runs", "show", run_id})["run_id"], run_id);
  EXPECT_EQ(Cli({"runs", "show", "01a21c07-68d3-7bcf-89f1-5f20b05831a3"}).exit_code, 1);

  Outcome backfill =
      Cli({"backfill", "orders", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-01T00:45:00Z"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
  EXPECT_NE(backfill.out.find("queued 4 runs of orders"), std::string::npos) << backfill.out;
  EXPECT_NE(backfill.out.find("2026-11-01 00:45:00Z"), std::string::npos) << backfill.out;
  EXPECT_EQ(Cli({"backfill", "orders", "--from", "someday", "--to", "2026-11-02"}).exit_code, 2);

  // Five runs of orders now: a page of two says there are more, and where they start.
  Outcome page = Cli({"runs", "--job", "orders", "--limit", "2", "--offset", "1"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_NE(page.err.find("showing 2-3 of 5 runs (--offset 3 for the next ones)"),
            std::string::npos)
      << page.err;
  EXPECT_EQ(Json({"runs", "--job", "orders", "--limit", "2"}).size(), 2u);
  // The backfilled runs, by trigger, with their slots and their job's name.
  Outcome backfilled = Cli({"runs", "--trigger", "backfill"});
  ASSERT_EQ(backfilled.exit_code, 0) << backfilled.err;
  EXPECT_NE(backfilled.out.find("SLOT"), std::string::npos) << backfilled.out;
  EXPECT_NE(backfilled.out.find("2026-11-01 00:45:00Z"), std::string::npos) << backfilled.out;
  EXPECT_NE(backfilled.out.find("orders"), std::string::npos) << backfilled.out;
  EXPECT_EQ(Json({"runs", "--trigger", "backfill"}).size(), 4u);
  EXPECT_EQ(Cli({"runs", "--trigger", "cron"}).exit_code, 2);
  Outcome jobs_page = Cli({"jobs", "--limit", "1"});
  EXPECT_NE(jobs_page.err.find("showing 1-1 of 2 jobs"), std::string::npos) << jobs_page.err;

  Outcome deleted = Cli({"jobs", "delete", "broken"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "deleted broken\n");
  EXPECT_EQ(Json({"jobs", "list"}).size(), 1u);
  EXPECT_EQ(Cli({"jobs", "delete", "broken"}).exit_code, 1);
}

// `orc query` on what a load wrote: _orc_loads.loaded_at (TIMESTAMPTZ) used to print empty.
TEST_F(CliClientTest, QueryPrintsTheLoadTimeOfALoad) {
  ASSERT_EQ(Cli({"apply", "-f", "jobs.yaml"}).exit_code, 0);
  ASSERT_EQ(Cli({"run", "orders", "--wait"}).exit_code, 0);
  auto query = RunToCompletion(
      Orc({"query", "data/warehouse.duckdb", "SELECT loaded_at FROM _orc_loads"}, directory_),
      kExitTimeout);
  ASSERT_EQ(query->Wait(kExitTimeout), 0) << query->Stderr();
  EXPECT_TRUE(std::regex_search(query->Stdout(),
                                std::regex(R"(\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]*[+-]\d\d)")))
      << query->Stdout();
}

}  // namespace
}  // namespace orc
