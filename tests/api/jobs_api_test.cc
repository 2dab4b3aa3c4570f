// The jobs and runs API over HTTP: a real server on a free port, a real state store (SQLite and
// PostgreSQL), requests as a client sends them.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/api_server.h"
#include "api/health_handler.h"
#include "api/jobs_handler.h"
#include "api/metrics_handler.h"
#include "api/openapi_handler.h"
#include "api/router.h"
#include "api/runs_handler.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "plugins/plugin_registry.h"
#include "state/state_store.h"
#include "support/temp_dir.h"
#include "support/test_database.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::TestBackend;

// The job from orc's original design document.
const char* kDesignJob = R"({
  "job_name": "My Daily Report", "description": "Extracts sales data and loads into DuckDB",
  "schedule": "0 0 9 * * *", "is_active": true,
  "tasks": [{ "extractor_config": {"type": "api", "url": "https://api.example.com/sales"},
              "loader_config": {"type": "duckdb", "db_path": "warehouse.duckdb",
                                "table_name": "daily_sales"} }]})";

class JobsApiTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<testing::TestDatabase>(GetParam());
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl(database_->url()), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    RegisterBuiltinPlugins(plugins_);
    context_ = std::make_unique<ApiContext>(ApiContext{*store_, plugins_, clock_});
    // As orc serve checks jobs: files in the data directory only, ${env:} names by the default.
    context_->config_checks = {.paths = &paths_, .secrets = &secrets_};
    server_ = std::make_unique<ApiServer>(ApiServerOptions{.bind = {"127.0.0.1", 0}});
    server_->AddRoutes([this](Router& router) {
      InstallHealthRoutes(router, store_.get());
      InstallJobRoutes(router, *context_);
      InstallRunRoutes(router, *context_);
      InstallMetricsRoute(router, *store_, nullptr);
      InstallOpenApiRoute(router);
    });
    ASSERT_TRUE(server_->Bind().ok());
    serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    server_->Stop();
    ASSERT_TRUE(serving_.get().ok());
  }

  httplib::Result Post(const std::string& path, const std::string& body) {
    return client_->Post(path.c_str(), body, "application/json");
  }

  // Creates the design job (renamed) and returns its JSON.
  json CreateJob(const std::string& name = "My Daily Report") {
    json body = json::parse(kDesignJob);
    body["job_name"] = name;
    auto response = Post("/jobs", body.dump());
    EXPECT_EQ(response->status, 201) << response->body;
    return json::parse(response->body);
  }

  // The error object of a response, checking the status.
  json Error(const httplib::Result& response, int status) {
    EXPECT_TRUE(response);
    EXPECT_EQ(response->status, status) << response->body;
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    return json::parse(response->body)["error"];
  }

  FakeClock clock_{*ParseRfc3339("2026-11-27T08:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<StateStore> store_;
  PluginRegistry plugins_;
  testing::TempDir data_dir_;
  PathPolicy paths_{data_dir_.path(), {}, {}};
  SecretPolicy secrets_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<ApiServer> server_;
  std::future<Status> serving_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(JobsApiTest, HealthReportsTheStateStore) {
  auto response = client_->Get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["state_store"], "ok");
}

// Prometheus (and promtool) read the text format by this exact media type.
TEST_P(JobsApiTest, MetricsAreServedAsPrometheusText) {
  auto response = client_->Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response->body.find("# TYPE orc_queue_depth gauge\norc_queue_depth 0\n"),
            std::string::npos)
      << response->body;
}

TEST_P(JobsApiTest, CreateReturnsTheJobWithLocationAndNextRun) {
  auto response = Post("/jobs", kDesignJob);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 201) << response->body;
  const json job = json::parse(response->body);
  EXPECT_TRUE(IsUuid(job["job_id"].get<std::string>()));
  EXPECT_EQ(response->get_header_value("Location"), "/jobs/" + job["job_id"].get<std::string>());
  EXPECT_EQ(job["job_name"], "My Daily Report");
  EXPECT_EQ(job["next_run_at"], "2026-11-27T09:00:00.000Z");
  EXPECT_EQ(job["created_at"], "2026-11-27T08:00:00.000Z");
  ASSERT_EQ(job["tasks"].size(), 1u);
  EXPECT_TRUE(IsUuid(job["tasks"][0]["task_id"].get<std::string>()));
  EXPECT_EQ(job["tasks"][0]["task_order"], 1);
  EXPECT_EQ(job["tasks"][0]["loader_config"]["table_name"], "daily_sales");

  auto fetched = client_->Get(response->get_header_value("Location").c_str());
  EXPECT_EQ(json::parse(fetched->body), job);
}

TEST_P(JobsApiTest, ListPagesInCreationOrderWithTotal) {
  for (int i = 0; i < 5; ++i) {
    CreateJob("job " + std::to_string(i));
    clock_.Advance(std::chrono::milliseconds(1));
  }
  auto page = client_->Get("/jobs?limit=2&offset=1");
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("X-Total-Count"), "5");
  const json jobs = json::parse(page->body);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]["job_name"], "job 1");
  EXPECT_EQ(jobs[1]["job_name"], "job 2");
  EXPECT_EQ(json::parse(client_->Get("/jobs?is_active=false")->body).size(), 0u);
  EXPECT_EQ(Error(client_->Get("/jobs?limit=5000"), 400)["field"], "limit");
  EXPECT_EQ(Error(client_->Get("/jobs?is_active=maybe"), 400)["field"], "is_active");
}

TEST_P(JobsApiTest, UnknownAndMalformedIdsAre404) {
  EXPECT_EQ(Error(client_->Get("/jobs/00000000-0000-4000-8000-000000000000"), 404)["code"],
            "not_found");
  EXPECT_EQ(Error(client_->Get("/jobs/not-an-id"), 404)["code"], "not_found");
  EXPECT_EQ(Error(client_->Get("/runs/42"), 404)["code"], "not_found");
  EXPECT_EQ(Error(client_->Get("/no/such/route"), 404)["code"], "not_found");
}

TEST_P(JobsApiTest, WrongMethodIs405WithAllow) {
  auto response = client_->Patch("/runs", "{}", "application/json");
  Error(response, 405);
  EXPECT_EQ(response->get_header_value("Allow"), "GET");
}

TEST_P(JobsApiTest, ReplaceAppliesTheSameValidation) {
  const json job = CreateJob();
  const std::string path = "/jobs/" + job["job_id"].get<std::string>();
  json changed = job;
  changed["description"] = "now weekly";
  changed["schedule"] = "@weekly";
  auto replaced = client_->Put(path.c_str(), changed.dump(), "application/json");
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(json::parse(replaced->body)["schedule"], "@weekly");
  EXPECT_EQ(json::parse(replaced->body)["tasks"][0]["task_id"], job["tasks"][0]["task_id"]);
  changed["schedule"] = "0 0 9 * * FRY";
  const json error = Error(client_->Put(path.c_str(), changed.dump(), "application/json"), 400);
  EXPECT_EQ(error["field"], "schedule");
  EXPECT_NE(error["message"].get<std::string>().find("'FRY'"), std::string::npos);
  // A schedule that can never fire is refused, not stored with next_run_at null.
  for (const char* never : {"0 0 0 29 2 * 2027", "0 0 31 2 *"}) {
    changed["schedule"] = never;
    const json refused = Error(client_->Put(path.c_str(), changed.dump(), "application/json"), 400);
    EXPECT_EQ(refused["field"], "schedule") << never;
    EXPECT_NE(refused["message"].get<std::string>().find("never fires"), std::string::npos)
        << refused["message"];
  }
}

TEST_P(JobsApiTest, ListingsFollowChangesAndTheClock) {
  const json job = CreateJob();
  const std::string path = "/jobs/" + job["job_id"].get<std::string>();
  auto list = [this] { return json::parse(client_->Get("/jobs")->body); };
  const json before = list();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(list(), before) << "unchanged: the same page";

  ASSERT_EQ(client_->Patch(path.c_str(), R"({"description": "new"})", "application/json")->status,
            200);
  EXPECT_EQ(list()[0]["description"], "new");

  // next_run_at moves with the clock once the shown fire time has passed.
  const std::string next = list()[0].value("next_run_at", "");
  ASSERT_FALSE(next.empty());
  clock_.Set(*ParseRfc3339(next) + std::chrono::seconds(1));
  EXPECT_NE(list()[0].value("next_run_at", ""), next);

  CreateJob("Another");
  EXPECT_EQ(list().size(), 2u);
  ASSERT_EQ(client_->Delete(path.c_str())->status, 204);
  EXPECT_EQ(list().size(), 1u);
}

TEST_P(JobsApiTest, PatchChangesOnlyTheGivenFields) {
  const json job = CreateJob();
  const std::string path = "/jobs/" + job["job_id"].get<std::string>();
  auto paused = client_->Patch(path.c_str(), R"({"is_active": false})", "application/json");
  ASSERT_EQ(paused->status, 200) << paused->body;
  const json after = json::parse(paused->body);
  EXPECT_FALSE(after["is_active"]);
  EXPECT_TRUE(after["next_run_at"].is_null());  // paused: no next run
  EXPECT_EQ(after["schedule"], job["schedule"]);
  EXPECT_EQ(after["tasks"], job["tasks"]);
  auto rescheduled =
      client_->Patch(path.c_str(), R"({"schedule": "*/5 * * * *", "is_active": true})",
                     "application/merge-patch+json");
  ASSERT_EQ(rescheduled->status, 200) << rescheduled->body;
  EXPECT_EQ(json::parse(rescheduled->body)["next_run_at"], "2026-11-27T08:05:00.000Z");
  EXPECT_EQ(Error(client_->Patch(path.c_str(), R"({"schedule": "99 * * * *"})", "application/json"),
                  400)["field"],
            "schedule");
  EXPECT_EQ(Error(client_->Patch(path.c_str(), R"({"colour": "blue"})", "application/json"),
                  400)["field"],
            "colour");
  Error(client_->Patch("/jobs/00000000-0000-4000-8000-000000000000", "{}", "application/json"),
        404);
}

TEST_P(JobsApiTest, DuplicateNameIs409) {
  CreateJob();
  const json error = Error(Post("/jobs", kDesignJob), 409);
  EXPECT_EQ(error["field"], "job_name");
}

TEST_P(JobsApiTest, BadBodiesGetClearErrors) {
  EXPECT_NE(
      Error(Post("/jobs", R"({"job_name": )"), 400)["message"].get<std::string>().find("byte"),
      std::string::npos);
  EXPECT_EQ(Error(client_->Post("/jobs", kDesignJob, "text/plain"), 415)["code"],
            "unsupported_media_type");
  EXPECT_EQ(Error(Post("/jobs", std::string(2 << 20, ' ')), 413)["code"], "payload_too_large");
  json typo = json::parse(kDesignJob);
  typo["shedule"] = "x";
  EXPECT_EQ(Error(Post("/jobs", typo.dump()), 400)["field"], "shedule");
  json bad_table = json::parse(kDesignJob);
  bad_table["tasks"][0]["loader_config"]["table_name"] = "x; drop table y";
  EXPECT_EQ(Error(Post("/jobs", bad_table.dump()), 400)["field"],
            "tasks[0].loader_config.table_name");
}

TEST_P(JobsApiTest, AJobReachingPastItsFilesOrVariablesIsRefused) {
  json outside = json::parse(kDesignJob);
  outside["tasks"][0]["loader_config"]["db_path"] = "/etc/x.duckdb";
  const json error = Error(Post("/jobs", outside.dump()), 400);
  EXPECT_EQ(error["field"], "tasks[0].loader_config.db_path");
  EXPECT_NE(error["message"].get<std::string>().find("is outside the directories jobs may use"),
            std::string::npos)
      << error;
  json home = json::parse(kDesignJob);
  home["tasks"][0]["extractor_config"]["headers"] = {{"X-Home", "${env:HOME}"}};
  EXPECT_EQ(Error(Post("/jobs", home.dump()), 400)["field"],
            "tasks[0].extractor_config.headers.X-Home");
  const json created = CreateJob();
  outside["job_name"] = created["job_name"];
  EXPECT_EQ(Error(client_->Put(("/jobs/" + created["job_id"].get<std::string>()).c_str(),
                               outside.dump(), "application/json"),
                  400)["field"],
            "tasks[0].loader_config.db_path");
}

TEST_P(JobsApiTest, TriggerQueuesAManualRunEvenWithoutABody) {
  const json job = CreateJob();
  const std::string id = job["job_id"];
  // As `curl -X POST .../run` sends it: no body, no Content-Length.
  httplib::Request request;
  request.method = "POST";
  request.path = "/jobs/" + id + "/run";
  auto response = client_->send(request);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 202) << response->body;
  const json run = json::parse(response->body);
  EXPECT_EQ(run["status"], "queued");
  EXPECT_EQ(run["triggered_by"], "manual");
  EXPECT_EQ(run["job_id"], id);
  EXPECT_TRUE(IsUuid(run["run_id"].get<std::string>()));

  auto fetched = client_->Get(("/runs/" + run["run_id"].get<std::string>()).c_str());
  ASSERT_EQ(fetched->status, 200);
  EXPECT_EQ(json::parse(fetched->body)["task_runs"], json::array());
  auto listed = client_->Get("/runs");
  EXPECT_EQ(listed->get_header_value("X-Total-Count"), "1");
  EXPECT_EQ(json::parse(client_->Get(("/jobs/" + id + "/runs").c_str())->body).size(), 1u);
  EXPECT_EQ(Error(client_->Get("/runs?status=lost"), 400)["field"], "status");
  EXPECT_FALSE(listed->has_header("X-Total-Count-Capped"));
  EXPECT_EQ(client_->Get("/runs?triggered_by=manual")->get_header_value("X-Total-Count"), "1");
  EXPECT_EQ(client_->Get("/runs?triggered_by=backfill")->get_header_value("X-Total-Count"), "0");
  const std::string queued_at = run["queued_at"];
  EXPECT_EQ(
      client_->Get(("/runs?queued_from=" + queued_at).c_str())->get_header_value("X-Total-Count"),
      "1");
  EXPECT_EQ(
      client_->Get(("/runs?queued_before=" + queued_at).c_str())->get_header_value("X-Total-Count"),
      "0");
  EXPECT_EQ(Error(client_->Get("/runs?triggered_by=cron"), 400)["field"], "triggered_by");
  EXPECT_EQ(Error(client_->Get("/runs?queued_from=yesterday"), 400)["field"], "queued_from");
  EXPECT_EQ(
      Error(client_->Get(("/runs?queued_before=" + std::string(5000, '9')).c_str()), 400)["field"],
      "queued_before");
  EXPECT_EQ(Error(client_->Get("/runs?queued_from=0001-01-01T00:00:00Z"), 400)["field"],
            "queued_from");
  // Times before 1970 (which no run id holds) still bound the range the right way.
  EXPECT_EQ(
      client_->Get("/runs?queued_from=1900-01-01T00:00:00Z")->get_header_value("X-Total-Count"),
      "1");
  EXPECT_EQ(
      client_->Get("/runs?queued_before=1969-12-31T23:59:59Z")->get_header_value("X-Total-Count"),
      "0");
  EXPECT_EQ(Error(client_->Get("/runs?latest_per_job=true&queued_before=2026-01-01T00:00:00Z"),
                  400)["field"],
            "queued_before");
  const json latest = json::parse(client_->Get("/runs?latest_per_job=true")->body);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0]["run_id"], run["run_id"]);
  EXPECT_EQ(Error(client_->Get("/runs?latest_per_job=true&status=failed"), 400)["field"], "status");
  EXPECT_EQ(Error(client_->Get("/runs?latest_per_job=maybe"), 400)["field"], "latest_per_job");
  EXPECT_EQ(Error(Post("/jobs/00000000-0000-4000-8000-000000000000/run", ""), 404)["code"],
            "not_found");
}

// A manual run takes the parameters' values and the data interval from its body; each bad value
// is a 400 naming the field, and an empty body takes the defaults.
TEST_P(JobsApiTest, TriggerSetsParametersAndTheDataInterval) {
  json body = json::parse(kDesignJob);
  body["params"] = {{"region", {{"type", "string"}, {"default", "eu"}}},
                    {"limit", {{"type", "integer"}, {"default", 10}}}};
  auto created = Post("/jobs", body.dump());
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = json::parse(created->body)["job_id"];
  EXPECT_EQ(json::parse(created->body)["params"], body["params"]);
  const std::string run_path = "/jobs/" + id + "/run";

  auto defaults = Post(run_path, "");
  ASSERT_EQ(defaults->status, 202) << defaults->body;
  const json run = json::parse(defaults->body);
  EXPECT_EQ(run["params"], json({{"region", "eu"}, {"limit", 10}}));
  // The clock says 08:00 on the 27th; the 09:00 slot of the 26th is the latest completed.
  EXPECT_EQ(run["interval_start"], "2026-11-25T09:00:00.000Z");
  EXPECT_EQ(run["interval_end"], "2026-11-26T09:00:00.000Z");

  auto given = Post(run_path, R"({"params": {"limit": "25"}, "interval_start":
      "2026-11-01T00:00:00Z", "interval_end": "2026-11-02T00:00:00Z"})");
  ASSERT_EQ(given->status, 202) << given->body;
  const json chosen = json::parse(given->body);
  EXPECT_EQ(chosen["params"], json({{"region", "eu"}, {"limit", 25}}));
  EXPECT_EQ(chosen["interval_start"], "2026-11-01T00:00:00.000Z");
  EXPECT_EQ(json::parse(client_->Get(("/runs/" + chosen["run_id"].get<std::string>()).c_str())
                            ->body)["params"]["limit"],
            25);

  EXPECT_EQ(Error(Post(run_path, R"({"params": {"regoin": "us"}})"), 400)["field"],
            "params.regoin");
  EXPECT_EQ(Error(Post(run_path, R"({"params": {"limit": "many"}})"), 400)["field"],
            "params.limit");
  EXPECT_EQ(Error(Post(run_path, R"({"params": ["us"]})"), 400)["field"], "params");
  EXPECT_EQ(Error(Post(run_path, R"({"interval_start": "2026-11-01T00:00:00Z"})"), 400)["field"],
            "interval_end");
  EXPECT_EQ(Error(Post(run_path, R"({"interval_start": "2026-11-02T00:00:00Z",
                                     "interval_end": "2026-11-01T00:00:00Z"})"),
                  400)["field"],
            "interval_end");
  EXPECT_EQ(
      Error(Post(run_path, R"({"interval_start": "soon", "interval_end": "later"})"), 400)["field"],
      "interval_start");
  EXPECT_EQ(Error(Post(run_path, R"({"param": {}})"), 400)["field"], "param");
  EXPECT_EQ(Error(Post(run_path, "[1]"), 400)["code"], "invalid_argument");
  EXPECT_EQ(client_->Get("/runs")->get_header_value("X-Total-Count"), "2");

  // A scheduled job's parameters all need a default: a scheduled run takes them.
  body["job_name"] = "needs a value";
  body["params"]["limit"].erase("default");
  EXPECT_EQ(Error(Post("/jobs", body.dump()), 400)["field"], "params.limit.default");
  body["schedule"] = nullptr;
  EXPECT_EQ(Post("/jobs", body.dump())->status, 201);
  body["sla_s"] = 60;
  body["job_name"] = "late without schedule";
  EXPECT_EQ(Error(Post("/jobs", body.dump()), 400)["field"], "sla_s");
}

// Re-run from failure and clearing a task: a new run of the same interval and parameters, linked
// to the run it retries, running only the chosen tasks.
TEST_P(JobsApiTest, RetryAndClearQueueARunOfTheChosenTasks) {
  json body = json::parse(kDesignJob);
  body["tasks"][0]["task_name"] = "extract";
  body["tasks"].push_back(
      {{"task_name", "report"},
       {"depends_on", {"extract"}},
       {"transform_config",
        {{"type", "sql"}, {"db_path", "warehouse.duckdb"}, {"sql", "SELECT 1"}}}});
  auto created = Post("/jobs", body.dump());
  ASSERT_EQ(created->status, 201) << created->body;
  const Job job = *store_->GetJobByName("My Daily Report");
  const std::string queued = json::parse(Post("/jobs/" + job.job_id + "/run", "")->body)["run_id"];
  EXPECT_EQ(Error(Post("/runs/" + queued + "/retry", ""), 409)["code"], "conflict");

  Result<std::optional<orc::Run>> claimed = store_->ClaimRun("worker", std::chrono::hours(1));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  RunOutcome outcome{.status = RunStatus::kFailed, .error_message = "task report failed"};
  outcome.task_runs = {TaskRun{.run_id = queued,
                               .task_id = job.tasks[0].task_id,
                               .task_name = "extract",
                               .task_order = 1,
                               .status = TaskRunStatus::kSuccess},
                       TaskRun{.run_id = queued,
                               .task_id = job.tasks[1].task_id,
                               .task_name = "report",
                               .task_order = 2,
                               .status = TaskRunStatus::kFailed}};
  ASSERT_TRUE(store_->FinishRun(queued, "worker", outcome).ok());

  auto retried = Post("/runs/" + queued + "/retry", "");
  ASSERT_EQ(retried->status, 202) << retried->body;
  const json retry = json::parse(retried->body);
  EXPECT_EQ(retry["retry_of"], queued);
  EXPECT_EQ(retry["only_tasks"], json({"report"}));
  EXPECT_EQ(retry["interval_end"],
            json::parse(client_->Get(("/runs/" + queued).c_str())->body)["interval_end"]);
  EXPECT_EQ(retried->get_header_value("Location"), "/runs/" + retry["run_id"].get<std::string>());

  const std::string clear_path = "/runs/" + queued + "/clear";
  auto cleared = Post(clear_path, R"({"task": "extract"})");
  ASSERT_EQ(cleared->status, 202) << cleared->body;
  EXPECT_EQ(json::parse(cleared->body)["only_tasks"], json({"extract", "report"}));
  auto alone = Post(clear_path, R"({"task": "extract", "downstream": false})");
  EXPECT_EQ(json::parse(alone->body)["only_tasks"], json({"extract"}));
  EXPECT_EQ(Error(Post(clear_path, R"({"task": "load"})"), 400)["field"], "task");
  EXPECT_EQ(Error(Post(clear_path, R"({})"), 400)["field"], "task");
  EXPECT_EQ(Error(Post(clear_path, R"({"task": "extract", "downstream": "yes"})"), 400)["field"],
            "downstream");
  EXPECT_EQ(Error(Post(clear_path, R"({"task": "extract", "all": true})"), 400)["field"], "all");
  EXPECT_EQ(Error(Post("/runs/00000000-0000-4000-8000-000000000000/retry", ""), 404)["code"],
            "not_found");

  // Keyed, a retry sent twice (its reply lost) queues one run.
  const httplib::Headers key = {{"Idempotency-Key", "retry-once"}};
  auto first = client_->Post(("/runs/" + queued + "/retry").c_str(), key, "", "application/json");
  auto second = client_->Post(("/runs/" + queued + "/retry").c_str(), key, "", "application/json");
  ASSERT_EQ(first->status, 202) << first->body;
  ASSERT_EQ(second->status, 202) << second->body;
  EXPECT_EQ(second->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(json::parse(first->body)["run_id"], json::parse(second->body)["run_id"]);
}

TEST_P(JobsApiTest, JobIdsSelectAPageOfJobsAndTheirLastRuns) {
  const std::string first = CreateJob("first")["job_id"];
  const std::string second = CreateJob("second")["job_id"];
  const std::string third = CreateJob("third")["job_id"];
  const std::string nobody = "00000000-0000-4000-8000-000000000000";
  auto jobs = client_->Get(("/jobs?job_ids=" + third + "," + nobody + "," + first).c_str());
  ASSERT_EQ(jobs->status, 200) << jobs->body;
  const json found = json::parse(jobs->body);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]["job_name"], "third");
  EXPECT_EQ(found[1]["job_name"], "first");
  EXPECT_EQ(jobs->get_header_value("X-Total-Count"), "2");

  const json run = json::parse(Post("/jobs/" + second + "/run", "")->body);
  Post("/jobs/" + third + "/run", "");
  const json latest = json::parse(
      client_->Get(("/runs?latest_per_job=true&job_ids=" + first + "," + second).c_str())->body);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0]["run_id"], run["run_id"]);

  EXPECT_EQ(Error(client_->Get("/jobs?job_ids=first"), 400)["field"], "job_ids");
  EXPECT_EQ(Error(client_->Get(("/jobs?job_ids=" + first + ",").c_str()), 400)["field"], "job_ids");
  EXPECT_EQ(Error(client_->Get(("/jobs?limit=5&job_ids=" + first).c_str()), 400)["field"], "limit");
  EXPECT_EQ(Error(client_->Get(("/runs?job_ids=" + first).c_str()), 400)["field"], "job_ids");
  std::string many;
  for (int i = 0; i <= 100; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    many += (i == 0 ? "" : ",") + std::string(id);
  }
  EXPECT_EQ(Error(client_->Get(("/jobs?job_ids=" + many).c_str()), 400)["field"], "job_ids");
}

TEST_P(JobsApiTest, DeleteRefusesWhileARunIsQueuedUnlessForced) {
  const json job = CreateJob();
  const std::string path = "/jobs/" + job["job_id"].get<std::string>();
  ASSERT_EQ(Post(path + "/run", "")->status, 202);
  EXPECT_NE(
      Error(client_->Delete(path.c_str()), 409)["message"].get<std::string>().find("force=true"),
      std::string::npos);
  auto forced = client_->Delete((path + "?force=true").c_str());
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->status, 204) << forced->body;
  Error(client_->Get(path.c_str()), 404);
}

// A run that a worker holds: what a forced delete must cancel and wait for.
struct HeldRun {
  std::string job_path;
  std::string run_id;
};

class ForcedDeleteTest : public JobsApiTest {
 protected:
  static constexpr const char* kWorker = "test-worker";

  HeldRun CreateJobWithARunningRun() {
    const json job = CreateJob();
    const std::string path = "/jobs/" + job["job_id"].get<std::string>();
    auto triggered = Post(path + "/run", "");
    EXPECT_EQ(triggered->status, 202);
    Result<std::optional<orc::Run>> claimed = store_->ClaimRun(kWorker, std::chrono::seconds(30));
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    return {path, json::parse(triggered->body)["run_id"].get<std::string>()};
  }

  // Sends DELETE ?force=true, and once the handler waits on the clock, calls `while_waiting`
  // and then advances the clock in steps of `step` until the response comes.
  httplib::Result ForceDelete(const std::string& path, const std::function<void()>& while_waiting,
                              std::chrono::milliseconds step) {
    auto deleting = std::async(std::launch::async, [&] {
      httplib::Client client("127.0.0.1", server_->port());
      return client.Delete((path + "?force=true").c_str());
    });
    bool called = false;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (deleting.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < give_up) {
      if (clock_.WaiterCount() == 0) continue;
      if (!called) {
        while_waiting();
        called = true;
      }
      clock_.Advance(step);
    }
    return deleting.get();
  }
};

TEST_P(ForcedDeleteTest, CancelsARunningRunWaitsForItToStopThenDeletes) {
  const HeldRun held = CreateJobWithARunningRun();
  EXPECT_NE(Error(client_->Delete(held.job_path.c_str()), 409)["message"].get<std::string>().find(
                "force=true"),
            std::string::npos);
  auto deleted = ForceDelete(
      held.job_path,
      [&] {
        // The worker sees the cancel request and ends the run as cancelled.
        Result<orc::Run> run = store_->GetRun(held.run_id);
        ASSERT_TRUE(run.ok());
        EXPECT_TRUE(run->cancel_requested);
        EXPECT_EQ(run->status, RunStatus::kRunning);
        ASSERT_TRUE(store_
                        ->FinishRun(held.run_id, kWorker,
                                    {.status = RunStatus::kCancelled, .error_message = "cancelled"})
                        .ok());
      },
      std::chrono::milliseconds(100));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 204) << deleted->body;
  Error(client_->Get(held.job_path.c_str()), 404);
  Error(client_->Get(("/runs/" + held.run_id).c_str()), 404);
}

TEST_P(ForcedDeleteTest, GivesUpWith409WhenARunDoesNotStop) {
  const HeldRun held = CreateJobWithARunningRun();
  const auto started = clock_.Now();
  auto deleted = ForceDelete(
      held.job_path, [] {}, std::chrono::milliseconds(500));
  const json error = Error(deleted, 409);
  EXPECT_NE(error["message"].get<std::string>().find("5 s after they were asked to cancel"),
            std::string::npos)
      << error;
  EXPECT_GE(clock_.Now() - started, std::chrono::seconds(5));
  EXPECT_LT(clock_.Now() - started, std::chrono::seconds(6));
  // Nothing was deleted; the run still waits for its worker, with the cancel requested.
  EXPECT_EQ(client_->Get(held.job_path.c_str())->status, 200);
  EXPECT_TRUE(store_->GetRun(held.run_id)->cancel_requested);
}

INSTANTIATE_TEST_SUITE_P(Backends, ForcedDeleteTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

TEST_P(JobsApiTest, OpenApiDocumentsEveryRouteAndEveryDocumentedRouteIsServed) {
  auto response = client_->Get("/openapi.json");
  ASSERT_EQ(response->status, 200);
  const json document = json::parse(response->body);
  EXPECT_EQ(document["openapi"], "3.1.0");
  const json& paths = document["paths"];
  const std::pair<const char*, const char*> required[] = {
      {"/health", "get"},
      {"/jobs", "post"},
      {"/jobs", "get"},
      {"/jobs/{job_id}", "get"},
      {"/jobs/{job_id}", "put"},
      {"/jobs/{job_id}", "patch"},
      {"/jobs/{job_id}", "delete"},
      {"/jobs/{job_id}/run", "post"},
      {"/jobs/{job_id}/runs", "get"},
      {"/runs", "get"},
      {"/runs/{run_id}", "get"},
      {"/openapi.json", "get"},
  };
  for (const auto& [path, method] : required) {
    EXPECT_TRUE(paths.contains(path) && paths[path].contains(method))
        << method << " " << path << " is missing from /openapi.json";
  }
  // Whatever is documented is routed: a request reaches a handler (no "no route", no 405).
  for (const auto& [path, operations] : paths.items()) {
    std::string concrete = path;
    for (size_t open = concrete.find('{'); open != std::string::npos; open = concrete.find('{')) {
      concrete.replace(open, concrete.find('}') - open + 1, "00000000-0000-4000-8000-000000000000");
    }
    for (const auto& [method, operation] : operations.items()) {
      if (method == "parameters") continue;  // the path's, shared by its operations
      EXPECT_FALSE(operation["summary"].get<std::string>().empty()) << method << " " << path;
      httplib::Request request;
      request.method = method;
      std::transform(request.method.begin(), request.method.end(), request.method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      request.path = concrete;
      auto reply = client_->send(request);
      ASSERT_TRUE(reply) << method << " " << concrete;
      EXPECT_NE(reply->status, 405) << method << " " << concrete;
      if (reply->status == 404) {
        EXPECT_EQ(reply->body.find("no route"), std::string::npos) << method << " " << concrete;
      }
    }
  }
}

TEST_P(JobsApiTest, HostileJsonBodiesAre400NotACrash) {
  const json too_large =
      Error(Post("/jobs", R"({"job_name": "x", "max_active_runs": 1e400})"), 400);
  EXPECT_NE(too_large["message"].get<std::string>().find("1e400"), std::string::npos);
  Error(Post("/jobs", R"({"job_name": "x", "max_active_runs": 100000000000000000000})"), 400);

  // 100,000 nested arrays inside a task's configuration.
  const std::string deep_array = std::string(100000, '[') + std::string(100000, ']');
  const std::string job =
      R"({"job_name": "deep", "tasks": [{"transform_config": {"type": "sql", "db_path": ":memory:",
          "sql": "select 1", "x": )" +
      deep_array + "}}]}";
  EXPECT_NE(Error(Post("/jobs", job), 400)["message"].get<std::string>().find("limit of 64"),
            std::string::npos);

  // A merge patch of 150,000 nested objects (within the 1 MiB body limit).
  const json created = CreateJob();
  std::string patch;
  for (int i = 0; i < 150000; ++i) patch += R"({"a":)";
  patch += "1" + std::string(150000, '}');
  const std::string path = "/jobs/" + created["job_id"].get<std::string>();
  Error(client_->Patch(path.c_str(), patch, "application/json"), 400);
  EXPECT_EQ(client_->Get("/health")->status, 200);
}

TEST_P(JobsApiTest, HostileYamlBodiesAre400Quickly) {
  const std::string deep = "job_name: deep\ntasks: " + std::string(10000, '[') + "\n";
  Error(client_->Post("/jobs", deep, "application/yaml"), 400);
  std::string laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char name = 'b'; name <= 'g'; ++name) {
    const std::string previous = "*" + std::string(1, static_cast<char>(name - 1));
    laughs += std::string(1, name) + ": &" + std::string(1, name) + " [";
    for (int i = 0; i < 9; ++i) laughs += (i ? "," : "") + previous;
    laughs += "]\n";
  }
  ASSERT_LT(laughs.size(), 300u);
  const auto start = std::chrono::steady_clock::now();
  const json error = Error(client_->Post("/jobs", laughs, "application/yaml"), 400);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_NE(error["message"].get<std::string>().find("too many values"), std::string::npos);
}

// A job whose configuration was stored deeper than today's limit (before it existed) is refused
// with an error where it would be encoded, and can still be deleted.
TEST_P(JobsApiTest, JobStoredTooDeepIsAnErrorNotACrash) {
  Job job;
  job.job_name = "stored deep";
  Task task;
  task.task_name = "t";
  task.transform_config = R"({"type": "sql", "db_path": ":memory:", "sql": "select 1", "x": )" +
                          std::string(10000, '[') + std::string(10000, ']') + "}";
  job.tasks.push_back(task);
  Result<Job> stored = store_->CreateJob(job);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  const std::string path = "/jobs/" + stored->job_id;
  const json error = Error(client_->Get(path.c_str()), 500);
  EXPECT_NE(error["message"].get<std::string>().find("stored before"), std::string::npos);
  auto yaml = client_->Get(path.c_str(), {{"Accept", "application/yaml"}});
  ASSERT_TRUE(yaml);
  EXPECT_EQ(yaml->status, 500);
  Error(client_->Get("/jobs"), 500);
  Error(client_->Patch(path.c_str(), R"({"description": "x"})", "application/json"), 500);
  EXPECT_EQ(client_->Delete(path.c_str())->status, 204);
  EXPECT_EQ(client_->Get("/jobs")->status, 200);
}

TEST(ApiTokenTest, EveryRouteButHealthNeedsTheToken) {
  ApiServer server(ApiServerOptions{.bind = {"127.0.0.1", 0}, .api_token = "s3cret-token"});
  server.AddRoutes([](Router& router) {
    InstallHealthRoutes(router);
    router.Get("/jobs", "jobs", [](const ApiRequest&, ApiResponse& response) {
      response.SetContent("[]", "application/json");
    });
  });
  ASSERT_TRUE(server.Bind().ok());
  auto serving = std::async(std::launch::async, [&] { return server.Serve(); });
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/health")->status, 200);
  auto missing = client.Get("/jobs");
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(missing->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "unauthenticated");
  EXPECT_EQ(client.Get("/jobs", {{"Authorization", "Bearer wrong"}})->status, 401);
  EXPECT_EQ(client.Get("/jobs", {{"Authorization", "Bearer s3cret-token-and-more"}})->status, 401);
  EXPECT_EQ(client.Get("/nope", {{"Authorization", "Bearer wrong"}})->status, 401);
  auto allowed = client.Get("/jobs", {{"Authorization", "Bearer s3cret-token"}});
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->body, "[]");
  server.Stop();
  EXPECT_TRUE(serving.get().ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsApiTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
