// The Idempotency-Key header over HTTP: a real server on a free port, a real state store (SQLite
// and PostgreSQL), retries as a client sends them.
#include "api/idempotency_keys.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/api_server.h"
#include "api/jobs_handler.h"
#include "api/router.h"
#include "api/runs_handler.h"
#include "common/time_format.h"
#include "plugins/plugin_registry.h"
#include "scheduler/scheduler.h"
#include "state/state_store.h"
#include "support/test_database.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::TestBackend;

const char* kJob = R"({"job_name": "hourly", "schedule": "0 * * * *", "tasks": [
  {"transform_config": {"type": "sql", "db_path": ":memory:", "sql": "select 1"}}]})";

class IdempotencyKeysTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<testing::TestDatabase>(GetParam());
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl(database_->url()), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    RegisterBuiltinPlugins(plugins_);
    scheduler_ = std::make_unique<Scheduler>(*store_, clock_, nullptr);
    context_ = std::make_unique<ApiContext>(ApiContext{
        .store = *store_, .plugins = plugins_, .clock = clock_, .scheduler = scheduler_.get()});
    server_ = std::make_unique<ApiServer>(ApiServerOptions{.bind = {"127.0.0.1", 0}});
    server_->AddRoutes([this](Router& router) {
      InstallJobRoutes(router, *context_);
      InstallRunRoutes(router, *context_);
    });
    ASSERT_TRUE(server_->Bind().ok());
    serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    auto created = client_->Post("/jobs", kJob, "application/json");
    ASSERT_TRUE(created && created->status == 201);
    job_id_ = json::parse(created->body)["job_id"];
  }

  void TearDown() override {
    server_->Stop();
    ASSERT_TRUE(serving_.get().ok());
  }

  // POST `path` with `key` as the Idempotency-Key header (none when nullopt).
  httplib::Result Post(const std::string& path, const std::optional<std::string>& key,
                       const std::string& body = "", httplib::Headers headers = {}) {
    if (key) headers.emplace("Idempotency-Key", *key);
    return client_->Post(path, headers, body, "application/json");
  }
  httplib::Result Trigger(const std::optional<std::string>& key) {
    return Post("/jobs/" + job_id_ + "/run", key);
  }

  // Creates a job like kJob named `name`, without a key; returns its id.
  std::string CreateJob(const std::string& name) {
    json body = json::parse(kJob);
    body["job_name"] = name;
    auto created = client_->Post("/jobs", body.dump(), "application/json");
    EXPECT_TRUE(created && created->status == 201);
    return created ? json::parse(created->body).value("job_id", "") : "";
  }

  int64_t RunCount() {
    Result<Page<orc::Run>> runs = store_->ListRuns({.job_id = job_id_});
    return runs.ok() ? runs->total : -1;
  }

  static json ErrorOf(const httplib::Result& response, int status) {
    EXPECT_TRUE(response);
    if (!response) return json();
    EXPECT_EQ(response->status, status) << response->body;
    return json::parse(response->body)["error"];
  }

  FakeClock clock_{*ParseRfc3339("2026-11-27T08:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<StateStore> store_;
  PluginRegistry plugins_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<ApiServer> server_;
  std::future<Status> serving_;
  std::unique_ptr<httplib::Client> client_;
  std::string job_id_;
};

TEST_P(IdempotencyKeysTest, ARetriedTriggerGetsTheFirstReplyAndMakesNoSecondRun) {
  auto first = Trigger("3f1c0c2e-9d1b-4a57-8c44-5d1f0e6b7a10");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 202) << first->body;
  EXPECT_FALSE(first->has_header("Idempotent-Replayed"));
  // The draft's form, a structured-field string, names the same key.
  auto retry = Trigger("\"3f1c0c2e-9d1b-4a57-8c44-5d1f0e6b7a10\"");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 202);
  EXPECT_EQ(retry->body, first->body);
  EXPECT_EQ(retry->get_header_value("Location"), first->get_header_value("Location"));
  EXPECT_EQ(retry->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(retry->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(RunCount(), 1);

  ASSERT_EQ(Trigger("another key")->status, 202);
  ASSERT_EQ(Trigger(std::nullopt)->status, 202);
  ASSERT_EQ(Trigger(std::nullopt)->status, 202) << "without a key every trigger is a new run";
  EXPECT_EQ(RunCount(), 4);
}

TEST_P(IdempotencyKeysTest, TheKeyOfOneRequestSentWithAnotherIs422AndDoesNothing) {
  ASSERT_EQ(Trigger("k")->status, 202);
  const std::string other = CreateJob("other");
  EXPECT_EQ(ErrorOf(Post("/jobs/" + other + "/run", "k"), 422)["field"], "Idempotency-Key");
  EXPECT_EQ(ErrorOf(Post("/jobs/" + job_id_ + "/backfill", "k",
                         R"({"start": "2026-11-27T00:00:00Z", "end": "2026-11-27T01:00:00Z"})"),
                    422)["code"],
            "unprocessable_content");
  EXPECT_EQ(ErrorOf(Post("/jobs/" + job_id_ + "/run", "k", "{\"changed\": true}"), 422)["field"],
            "Idempotency-Key")
      << "the body is part of the request";
  EXPECT_EQ(RunCount(), 1);
}

TEST_P(IdempotencyKeysTest, MalformedKeysAre400) {
  for (const std::string& key :
       {std::string(""), std::string("\"\""), std::string(256, 'k'), std::string("\"open"),
        std::string("\"a\" b"), std::string("\"bad \\n escape\""), std::string("caf\xc3\xa9")}) {
    const json error = ErrorOf(Trigger(key), 400);
    EXPECT_EQ(error["field"], "Idempotency-Key") << key;
    EXPECT_EQ(error["code"], "invalid_argument") << key;
  }
  httplib::Headers twice = {{"Idempotency-Key", "a"}, {"Idempotency-Key", "a"}};
  EXPECT_NE(ErrorOf(Post("/jobs/" + job_id_ + "/run", std::nullopt, "", twice), 400)["message"]
                .get<std::string>()
                .find("2 times"),
            std::string::npos);
  EXPECT_EQ(Trigger(std::string(255, 'k'))->status, 202) << "255 characters are allowed";
  EXPECT_EQ(Trigger("\"with space and \\\" escapes\"")->status, 202);
  EXPECT_EQ(RunCount(), 2);
}

TEST_P(IdempotencyKeysTest, ErrorsAreNotKeptSoTheRetryIsServedAfresh) {
  const std::string taken = CreateJob("taken");
  json body = json::parse(kJob);
  body["job_name"] = "taken";
  EXPECT_EQ(ErrorOf(Post("/jobs", "create taken", body.dump()), 409)["code"], "already_exists");
  ASSERT_EQ(client_->Delete("/jobs/" + taken)->status, 204);
  auto retried = Post("/jobs", "create taken", body.dump());
  ASSERT_EQ(retried->status, 201) << retried->body;
  EXPECT_FALSE(retried->has_header("Idempotent-Replayed"));

  // A job created under a key is replayed as it was answered: status, Location and format.
  body["job_name"] = "as yaml";
  auto yaml = Post("/jobs", "create yaml", body.dump(), {{"Accept", "application/yaml"}});
  ASSERT_EQ(yaml->status, 201) << yaml->body;
  auto again = Post("/jobs", "create yaml", body.dump());
  ASSERT_EQ(again->status, 201) << again->body;
  EXPECT_EQ(again->get_header_value("Content-Type"), "application/yaml");
  EXPECT_EQ(again->body, yaml->body);
  EXPECT_EQ(again->get_header_value("Location"), yaml->get_header_value("Location"));
}

TEST_P(IdempotencyKeysTest, ARetriedBackfillGetsItsRunsAgainNotAnEmptyList) {
  const std::string range = R"({"start": "2026-11-27T00:00:00Z", "end": "2026-11-27T02:00:00Z"})";
  auto first = Post("/jobs/" + job_id_ + "/backfill", "fill", range);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(json::parse(first->body).size(), 3u);
  auto retry = Post("/jobs/" + job_id_ + "/backfill", "fill", range);
  EXPECT_EQ(retry->body, first->body);
  auto unkeyed = Post("/jobs/" + job_id_ + "/backfill", std::nullopt, range);
  EXPECT_EQ(unkeyed->body, "[]") << "without a key: the slots have runs, none is queued";
  EXPECT_EQ(RunCount(), 3);
}

TEST_P(IdempotencyKeysTest, ConcurrentTriggersWithOneKeyMakeOneRun) {
  constexpr int kClients = 8;
  std::vector<std::future<std::pair<int, std::string>>> replies;
  for (int c = 0; c < kClients; ++c) {
    replies.push_back(std::async(std::launch::async, [this] {
      httplib::Client client("127.0.0.1", server_->port());
      auto reply = client.Post("/jobs/" + job_id_ + "/run", {{"Idempotency-Key", "together"}}, "",
                               "application/json");
      if (!reply) return std::make_pair(0, std::string());
      // 409: the first is still being served here; its Retry-After says when to ask again.
      if (reply->status == 409) {
        EXPECT_EQ(reply->get_header_value("Retry-After"), "1");
      }
      return std::make_pair(reply->status, reply->get_header_value("Location"));
    }));
  }
  std::set<std::string> runs;
  for (auto& reply : replies) {
    const auto [status, location] = reply.get();
    EXPECT_TRUE(status == 202 || status == 409) << status;
    if (status == 202) runs.insert(location);
  }
  EXPECT_EQ(runs.size(), 1u) << "every 202 names the one run";
  EXPECT_EQ(RunCount(), 1);
}

TEST_P(IdempotencyKeysTest, KeysExpireAfter24HoursAndAreDeletedLater) {
  ASSERT_EQ(Trigger("daily")->status, 202);
  clock_.Advance(std::chrono::hours(24) - std::chrono::milliseconds(1));
  EXPECT_EQ(Trigger("daily")->get_header_value("Idempotent-Replayed"), "true");
  clock_.Advance(std::chrono::milliseconds(1));
  auto fresh = Trigger("daily");
  ASSERT_EQ(fresh->status, 202);
  EXPECT_FALSE(fresh->has_header("Idempotent-Replayed")) << "a day later the key is new";
  EXPECT_EQ(RunCount(), 2);

  ASSERT_EQ(Trigger("other")->status, 202);
  clock_.Advance(std::chrono::hours(25));
  ASSERT_EQ(Trigger("the next day")->status, 202);  // deletes what expired, as it begins
  EXPECT_EQ(*store_->DeleteExpiredIdempotencyRecords(100), 0);
}

// The same key while its first request is being served: the second is told to come back.
TEST_P(IdempotencyKeysTest, TheSameKeyWhileItsRequestIsServedIs409) {
  IdempotencyKeys keys(*store_, clock_);
  ApiRequest request{.method = "POST", .path = "/jobs/" + job_id_ + "/run"};
  request.headers.Add("Idempotency-Key", "slow");
  ApiResponse first_response;
  std::optional<KeyedRequest> first = keys.Begin(request, first_response);
  ASSERT_TRUE(first.has_value());

  ApiResponse second_response;
  EXPECT_FALSE(keys.Begin(request, second_response).has_value());
  EXPECT_EQ(second_response.status, 409);
  EXPECT_EQ(second_response.headers.Get("Retry-After"), "1");

  first.reset();  // served
  ApiResponse third_response;
  EXPECT_TRUE(keys.Begin(request, third_response).has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyKeysTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
