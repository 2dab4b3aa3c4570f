// End-to-end execution: real orc processes running real tasks, killed, stopped and cancelled
// mid-run; two processes sharing one PostgreSQL database.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "core/run.h"
#include "engine/duckdb_engine.h"
#include "integration/orc_process.h"
#include "state/state_store.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiClient;
using testing::AwaitListening;
using testing::kExitTimeout;
using testing::Orc;
using testing::Subprocess;
using testing::TempDir;

// About 2.5 s of DuckDB work on this machine: long enough to be caught mid-way, finite.
constexpr const char* kSlowSql =
    "CREATE OR REPLACE TABLE slow AS SELECT sum(i) AS total FROM range(1000000000) t(i)";
constexpr const char* kEndlessSql =
    "CREATE TABLE endless AS SELECT count(*) FROM range(10000000000) a, range(1000) b";

json SqlTask(const std::string& name, const std::string& sql) {
  return {{"task_name", name},
          {"transform_config", {{"type", "sql"}, {"db_path", "out.duckdb"}, {"sql", sql}}}};
}

class ExecutionTest : public ::testing::Test {
 protected:
  std::vector<std::string> ServeArguments(const std::string& database_url) {
    return {"serve", "--bind", "127.0.0.1:0", "--database-url", database_url, "--lease-s", "2",
            "--shutdown-grace-s", "1", "--workers", "2",
            // The test's upstream servers listen on loopback, which jobs may not reach by default.
            "--allow-host", "127.0.0.1"};
  }

  std::string CreateJob(ApiClient& api, json tasks, int max_active_runs = 1) {
    static int count = 0;
    ApiClient::Reply created =
        api.Post("/jobs", {{"job_name", "job " + std::to_string(++count)},
                           {"max_active_runs", max_active_runs},
                           {"retry", {{"max_attempts", 3}, {"initial_delay_s", 0.1}}},
                           {"tasks", tasks}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.body.value("job_id", "");
  }

  std::string Trigger(ApiClient& api, const std::string& job_id) {
    ApiClient::Reply run = api.Post("/jobs/" + job_id + "/run");
    EXPECT_EQ(run.status, 202) << run.body;
    return run.body.value("run_id", "");
  }

  // Polls GET /runs/{id} until `done` holds for it (or `timeout` passes); returns the last body.
  json WaitForRun(ApiClient& api, const std::string& run_id,
                  const std::function<bool(const json&)>& done, Duration timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json run;
    while (std::chrono::steady_clock::now() < deadline) {
      run = api.Get("/runs/" + run_id).body;
      if (done(run)) break;
      std::this_thread::sleep_for(20ms);
    }
    return run;
  }

  // Starts orc (SQLite), runs one job of `tasks` and returns the run once it finished; orc
  // stops when the call returns.
  json RunToTheEnd(json tasks) {
    Subprocess orc(Orc(ServeArguments("sqlite:" + directory_.File("orc.db")), directory_));
    const int port = AwaitListening(orc);
    EXPECT_GT(port, 0) << orc.Stderr();
    if (port <= 0) return json();
    ApiClient api(port);
    return WaitForRun(api, Trigger(api, CreateJob(api, std::move(tasks))), Final);
  }

  static bool Final(const json& run) {
    const std::optional<RunStatus> status = ParseRunStatus(run.value("status", ""));
    return status && IsFinal(*status);
  }

  static bool TaskRunning(const json& run, size_t index) {
    return run.contains("task_runs") && run["task_runs"].size() > index &&
           run["task_runs"][index]["status"] == "running";
  }

  // `sql`'s first value in the DuckDB file out.duckdb (which orc must have closed).
  std::string QueryOut(const std::string& sql) {
    DuckDbEngine engine;
    Result<std::unique_ptr<DuckDbConnection>> connection =
        engine.Connect(directory_.File("data/out.duckdb"));
    EXPECT_TRUE(connection.ok()) << connection.status();
    Result<DuckDbRows> rows = (*connection)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() && !rows->rows.empty() ? rows->rows[0][0].value_or("NULL") : "";
  }

  TempDir directory_;
};

TEST_F(ExecutionTest, KillNineMidRunThenRestartEndsTheRunWithEachRowLoadedOnce) {
  std::filesystem::create_directory(directory_.File("data"));  // the default data directory
  std::ofstream(directory_.File("data/in.csv")) << "id\n1\n2\n3\n";
  const std::string url = "sqlite:" + directory_.File("orc.db");
  std::string run_id;
  {
    Subprocess first(Orc(ServeArguments(url), directory_));
    const int port = AwaitListening(first);
    ASSERT_GT(port, 0) << first.Stderr();
    ApiClient api(port);
    json slow = SqlTask("slow", kSlowSql);
    slow["depends_on"] = {"load"};
    const std::string job_id =
        CreateJob(api, {{{"task_name", "load"},
                         {"extractor_config", {{"type", "csv"}, {"path", "in.csv"}}},
                         {"loader_config",
                          {{"type", "duckdb"},
                           {"db_path", "out.duckdb"},
                           {"table_name", "t"},
                           {"write_mode", "append"}}}},
                        slow});
    run_id = Trigger(api, job_id);
    const json running =
        WaitForRun(api, run_id, [](const json& run) { return TaskRunning(run, 1) || Final(run); });
    ASSERT_TRUE(TaskRunning(running, 1)) << running;
    std::this_thread::sleep_for(300ms);
    first.Signal(SIGKILL);
    first.Wait(kExitTimeout);
  }
  Subprocess second(Orc(ServeArguments(url), directory_));
  const int port = AwaitListening(second);
  ASSERT_GT(port, 0) << second.Stderr();
  ApiClient api(port);
  const json run = WaitForRun(api, run_id, Final);
  EXPECT_EQ(run["status"], "success") << run;
  EXPECT_EQ(run["attempt"], 2) << run;
  EXPECT_EQ(run["task_runs"][0]["attempts"], 1) << "the load had succeeded: not repeated";
  second.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(kExitTimeout), 0) << second.Stderr();
  EXPECT_EQ(QueryOut("SELECT count(*) FROM t"), "3");
  EXPECT_EQ(QueryOut("SELECT count(*) FROM _orc_loads"), "2") << "the load, then the sql task";
}

// An HTTP source on loopback that answers 503 `failures` times, then two records.
class FlakySource {
 public:
  explicit FlakySource(int failures) : failures_(failures) {
    server_.Get("/records", [this](const httplib::Request&, httplib::Response& response) {
      if (calls_++ < failures_) {
        response.status = 503;
        response.set_content("upstream overloaded", "text/plain");
        return;
      }
      response.set_content(R"([{"id": 1}, {"id": 2}])", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FlakySource() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/records"; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  const int failures_;
};

json ApiLoadTask(const std::string& url) {
  // max_retries 0: each 503 fails the attempt, so the worker's retries are what heal it.
  return {{"task_name", "load"},
          {"extractor_config", {{"type", "api"}, {"url", url}, {"max_retries", 0}}},
          {"loader_config", {{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}}};
}

TEST_F(ExecutionTest, ASourceThatFailsTwiceThenSucceedsEndsInSuccessAfterThreeAttempts) {
  FlakySource source(2);
  const json run = RunToTheEnd({ApiLoadTask(source.url())});
  EXPECT_EQ(run["status"], "success") << run;
  EXPECT_EQ(run["rows_loaded"], 2);
  const json task_run = run["task_runs"][0];
  EXPECT_EQ(task_run["attempts"], 3) << task_run;
  ASSERT_EQ(task_run["errors"].size(), 2u) << task_run;
  EXPECT_NE(task_run["errors"][0].get<std::string>().find("HTTP 503: upstream overloaded"),
            std::string::npos)
      << task_run;
}

TEST_F(ExecutionTest, APermanentlyFailingSourceFailsWithItsRootCause) {
  FlakySource source(1000);
  const json run = RunToTheEnd({ApiLoadTask(source.url())});
  EXPECT_EQ(run["status"], "failed") << run;
  const std::string error = run.value("error_message", "");
  EXPECT_NE(error.find("task load failed after 3 attempts"), std::string::npos) << error;
  EXPECT_NE(error.find("api GET " + source.url()), std::string::npos) << error;
  EXPECT_NE(error.find("HTTP 503: upstream overloaded"), std::string::npos) << error;
}

// A CSV load shows how far it is before it ends: the file's size as bytes_total, and bytes_read
// between 0 and it, through GET /runs/{id} while the task runs.
TEST_F(ExecutionTest, ALargeCsvLoadShowsItsProgressThroughTheApi) {
  std::filesystem::create_directory(directory_.File("data"));
  const std::string csv = directory_.File("data/big.csv");
  {
    std::ofstream out(csv);
    out << "id,at,name,amount\n";
    for (int i = 0; i < 3000000; ++i) {
      out << i << ",2026-01-" << (10 + i % 18) << " 10:" << (10 + i % 50) << ":00,\"name " << i
          << "\"," << i * 1.5 << "\n";
    }
  }
  const auto size = static_cast<int64_t>(std::filesystem::file_size(csv));
  Subprocess orc(Orc(ServeArguments("sqlite:" + directory_.File("orc.db")), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string run_id = Trigger(
      api,
      CreateJob(api, {{{"task_name", "load"},
                       {"extractor_config", {{"type", "csv"}, {"path", "big.csv"}}},
                       {"loader_config",
                        {{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "big"}}}}}));
  std::set<int64_t> read_mid_way;
  const json run = WaitForRun(api, run_id, [&](const json& run) {
    if (TaskRunning(run, 0)) {
      const json& task = run["task_runs"][0];
      const int64_t read = task.value("bytes_read", int64_t{0});
      if (task.value("bytes_total", int64_t{0}) == size && read > 0 && read < size) {
        read_mid_way.insert(read);
      }
    }
    return Final(run);
  });
  EXPECT_EQ(run["status"], "success") << run;
  EXPECT_EQ(run["rows_loaded"], 3000000) << run;
  EXPECT_FALSE(read_mid_way.empty()) << "no progress was seen before the load ended";
  EXPECT_EQ(run["task_runs"][0]["bytes_total"], size) << run;
  EXPECT_EQ(run["task_runs"][0]["bytes_read"], size) << run;
}

TEST_F(ExecutionTest, SigtermGivesARunningRunBackToTheQueue) {
  const std::string url = "sqlite:" + directory_.File("orc.db");
  Subprocess orc(Orc(ServeArguments(url), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string run_id = Trigger(api, CreateJob(api, {SqlTask("endless", kEndlessSql)}));
  ASSERT_TRUE(TaskRunning(
      WaitForRun(api, run_id, [](const json& run) { return TaskRunning(run, 0) || Final(run); }),
      0));
  const auto signalled = std::chrono::steady_clock::now();
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 5s) << "grace is 1 s";
  EXPECT_EQ(testing::QuerySqliteFile(
                directory_.File("orc.db"),
                "SELECT status || ',' || lease_owner FROM runs WHERE run_id = '" + run_id + "'"),
            "queued,");
  EXPECT_NE(orc.Stderr().find("goes back to the queue"), std::string::npos) << orc.Stderr();
}

TEST_F(ExecutionTest, CancelAQueuedAndARunningRun) {
  Subprocess orc(Orc(ServeArguments("sqlite:" + directory_.File("orc.db")), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string job_id = CreateJob(api, {SqlTask("endless", kEndlessSql)});
  const std::string running_id = Trigger(api, job_id);
  const std::string queued_id = Trigger(api, job_id);  // waits: max_active_runs is 1
  ASSERT_TRUE(
      TaskRunning(WaitForRun(api, running_id,
                             [](const json& run) { return TaskRunning(run, 0) || Final(run); }),
                  0));

  ApiClient::Reply queued = api.Post("/runs/" + queued_id + "/cancel");
  EXPECT_EQ(queued.status, 200) << queued.body;
  EXPECT_EQ(queued.body["status"], "cancelled");

  const auto asked = std::chrono::steady_clock::now();
  ApiClient::Reply running = api.Post("/runs/" + running_id + "/cancel");
  EXPECT_EQ(running.status, 202) << running.body;
  const json cancelled = WaitForRun(api, running_id, Final, 5s);
  EXPECT_EQ(cancelled["status"], "cancelled") << cancelled;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  EXPECT_EQ(cancelled["task_runs"][0]["status"], "cancelled");

  ApiClient::Reply again = api.Post("/runs/" + running_id + "/cancel");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(api.Post("/runs/01890000-0000-7000-8000-000000000000/cancel").status, 404);
  EXPECT_EQ(QueryOut("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'endless'"), "0")
      << "the cancelled task's work was rolled back";
}

TEST_F(ExecutionTest, LogsAndMetricsDescribeTheRuns) {
  Subprocess orc(Orc(ServeArguments("sqlite:" + directory_.File("orc.db")), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string run_id =
      Trigger(api, CreateJob(api, {SqlTask("one", "SELECT 1"), SqlTask("two", "SELECT 2")}));
  ASSERT_EQ(WaitForRun(api, run_id, Final)["status"], "success");
  const json logs = api.Get("/runs/" + run_id + "/logs").body;
  ASSERT_TRUE(logs.is_array());
  ASSERT_GE(logs.size(), 4u) << logs;
  EXPECT_EQ(logs[0]["line"], 1);
  EXPECT_EQ(logs.back()["message"], "run success");
  const json after = api.Get("/runs/" + run_id + "/logs?after=2").body;
  ASSERT_EQ(after.size(), logs.size() - 2);
  EXPECT_EQ(after[0]["line"], 3);
  EXPECT_EQ(api.Get("/runs/" + run_id + "/logs?after=-1").status, 400);

  const std::string metrics = api.Text("/metrics");
  for (const char* line :
       {"orc_runs_started_total 1", "orc_runs_finished_total{status=\"success\"} 1",
        "orc_queue_depth 0", "orc_dispatch_latency_seconds_count 1",
        "orc_task_duration_seconds_count 2", "orc_workers 2"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << "\n" << metrics;
  }
}

TEST_F(ExecutionTest, SchedulesFireByThemselvesAndCanBePreviewedAndBackfilled) {
  Subprocess orc(Orc(ServeArguments("sqlite:" + directory_.File("orc.db")), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);

  ApiClient::Reply preview =
      api.Get("/cron/preview?schedule=0%209%20*%20*%20MON-FRI&timezone=Europe/Berlin&count=3");
  ASSERT_EQ(preview.status, 200) << preview.body;
  ASSERT_EQ(preview.body["fire_times"].size(), 3u);
  EXPECT_TRUE(preview.body["fire_times"][0].get<std::string>().ends_with(":00:00.000Z"))
      << preview.body;
  EXPECT_EQ(api.Get("/cron/preview?schedule=61%20*%20*%20*%20*").status, 400);
  EXPECT_EQ(api.Get("/cron/preview?schedule=*%20*%20*%20*%20*&timezone=Mars/Base").status, 400);

  ApiClient::Reply created = api.Post("/jobs", {{"job_name", "every second"},
                                                {"schedule", "* * * * * *"},
                                                {"tasks", {SqlTask("one", "SELECT 1")}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string job_id = created.body["job_id"];
  json runs;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    runs = api.Get("/runs?status=success&job_id=" + job_id).body;
    if (runs.size() >= 2) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GE(runs.size(), 2u) << runs;
  EXPECT_EQ(runs[0]["triggered_by"], "scheduler");
  EXPECT_NE(runs[0]["scheduled_for"], runs[1]["scheduled_for"]);

  ApiClient::Reply paused = api.Post("/jobs", {{"job_name", "hourly"},
                                               {"schedule", "0 * * * *"},
                                               {"is_active", false},
                                               {"tasks", {SqlTask("one", "SELECT 1")}}});
  ASSERT_EQ(paused.status, 201) << paused.body;
  const std::string backfill = "/jobs/" + paused.body["job_id"].get<std::string>() + "/backfill";
  ApiClient::Reply filled =
      api.Post(backfill, {{"start", "2026-01-01T00:00:00Z"}, {"end", "2026-01-01T02:00:00Z"}});
  ASSERT_EQ(filled.status, 200) << filled.body;
  ASSERT_EQ(filled.body.size(), 3u);
  EXPECT_EQ(filled.body[0]["triggered_by"], "backfill");
  EXPECT_EQ(filled.body[0]["scheduled_for"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(api.Post(backfill, {{"start", "2026-01-01T00:00:00Z"}, {"end", "2026-01-01T02:00:00Z"}})
                .body.size(),
            0u);
  EXPECT_EQ(api.Post(backfill, {{"start", "yesterday"}, {"end", "2026-01-01T02:00:00Z"}}).status,
            400);
}

// A daily job whose paths and SQL name the run's interval, backfilled over a week: each slot
// loads its own day's file, once, and its SQL sees its own day (issue: backfills that rerun the
// same slice).
TEST_F(ExecutionTest, ABackfillLoadsEachSlotsOwnSliceOnce) {
  std::filesystem::create_directories(directory_.File("data/daily"));
  for (int day = 1; day <= 7; ++day) {
    const std::string date = "2026-01-0" + std::to_string(day);
    std::ofstream csv(directory_.File("data/daily/" + date + ".csv"));
    csv << "day,n\n";
    for (int n = 0; n < day; ++n) csv << date << "," << n << "\n";
  }
  Subprocess orc(Orc(ServeArguments("sqlite:" + directory_.File("orc.db")), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string day = "{{ interval_start | date('%Y-%m-%d') }}";
  ApiClient::Reply created = api.Post(
      "/jobs", {{"job_name", "daily slices"},
                {"schedule", "0 0 * * *"},
                {"is_active", false},
                {"tasks",
                 {{{"task_name", "extract"},
                   {"extractor_config", {{"type", "csv"}, {"path", "daily/" + day + ".csv"}}},
                   {"loader_config",
                    {{"type", "duckdb"},
                     {"db_path", "out.duckdb"},
                     {"table_name", "events"},
                     {"write_mode", "append"}}}},
                  SqlTask("count",
                          "CREATE TABLE IF NOT EXISTS counts (day DATE, n BIGINT, run VARCHAR);"
                          "DELETE FROM counts WHERE day = " +
                              day +
                              "::DATE;"
                              "INSERT INTO counts SELECT " +
                              day + "::DATE, count(*), {{ run_id }} FROM events WHERE day = " +
                              day + "::DATE")}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string job_id = created.body["job_id"];
  ApiClient::Reply filled =
      api.Post("/jobs/" + job_id + "/backfill",
               {{"start", "2026-01-02T00:00:00Z"}, {"end", "2026-01-08T00:00:00Z"}});
  ASSERT_EQ(filled.status, 200) << filled.body;
  ASSERT_EQ(filled.body.size(), 7u);
  EXPECT_EQ(filled.body[0]["interval_start"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(filled.body[0]["interval_end"], "2026-01-02T00:00:00.000Z");
  for (const json& run : filled.body) {
    const json done = WaitForRun(api, run["run_id"], Final, 60s);
    ASSERT_EQ(done["status"], "success") << done;
  }
  orc.Signal(SIGTERM);
  ASSERT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
  // Day d has d rows: each file was read by its own slot, once.
  EXPECT_EQ(QueryOut("SELECT count(*) FROM events"), "28");
  EXPECT_EQ(QueryOut("SELECT count(*) FROM (SELECT day, count(*) AS c FROM events GROUP BY day "
                     "HAVING c <> day(day))"),
            "0");
  EXPECT_EQ(QueryOut("SELECT string_agg(n::VARCHAR, ',' ORDER BY day) FROM counts"),
            "1,2,3,4,5,6,7");
  EXPECT_EQ(QueryOut("SELECT count(DISTINCT run) FROM counts"), "7");
}

TEST_F(ExecutionTest, TwoProcessesOnOnePostgresExecuteEachOfAThousandRunsOnce) {
  constexpr int kRuns = 1000;
  testing::TestDatabase database(testing::TestBackend::kPostgres);
  std::string job_id;
  {
    // Queued before either process starts, so that both find work at once.
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl(database.url()), SystemClock::Instance());
    ASSERT_TRUE(store.ok()) << store.status();
    Result<Job> job = (*store)->CreateJob(
        Job{.job_name = "many",
            .max_active_runs = 100,
            .tasks = {Task{
                .task_name = "trivial",
                .transform_config =
                    json{{"type", "sql"}, {"db_path", ":memory:"}, {"sql", "SELECT 1"}}.dump()}}});
    ASSERT_TRUE(job.ok()) << job.status();
    job_id = job->job_id;
    for (int i = 0; i < kRuns; ++i) ASSERT_TRUE((*store)->EnqueueRun({.job_id = job_id}).ok());
  }
  Subprocess first(Orc(ServeArguments(database.url()), directory_));
  Subprocess second(Orc(ServeArguments(database.url()), directory_));
  const int first_port = AwaitListening(first);
  const int second_port = AwaitListening(second);
  ASSERT_GT(first_port, 0) << first.Stderr();
  ASSERT_GT(second_port, 0) << second.Stderr();
  ApiClient first_api(first_port);
  ApiClient second_api(second_port);

  const auto deadline = std::chrono::steady_clock::now() + 60s;
  int successes = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    successes = 0;
    for (int offset = 0; offset < kRuns; offset += 1000) {
      const json page =
          first_api
              .Get("/runs?status=success&limit=1000&offset=" + std::to_string(offset) +
                   "&job_id=" + job_id)
              .body;
      for (const json& run : page) {
        EXPECT_EQ(run["attempt"], 1) << run;
        ++successes;
      }
    }
    if (successes == kRuns) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(successes, kRuns);
  auto started = [](ApiClient& api) {
    std::smatch match;
    const std::string metrics = api.Text("/metrics");
    std::regex_search(metrics, match, std::regex(R"(orc_runs_started_total (\d+))"));
    return match.size() > 1 ? std::stoi(match[1]) : -1;
  };
  const int by_first = started(first_api);
  const int by_second = started(second_api);
  EXPECT_EQ(by_first + by_second, kRuns) << "no run was executed twice";
  EXPECT_GT(by_first, 0);
  EXPECT_GT(by_second, 0);
}

}  // namespace
}  // namespace orc
