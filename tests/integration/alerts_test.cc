// Alerts end to end: a real `orc serve` sends webhooks to a loopback receiver. A failing job
// alerts once per run, however many attempts its task took; a delivery the receiver refuses once
// arrives again with the same id and then never more; the signature verifies with the secret
// (checked by Python's hmac, not orc's code); a late slot alerts once, across a restart.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "integration/orc_process.h"
#include "support/webhook_receiver.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiClient;
using testing::AwaitListening;
using testing::kExitTimeout;
using testing::Orc;
using testing::ReceivedWebhook;
using testing::Subprocess;
using testing::TempDir;
using testing::WebhookReceiver;

// An api task whose source refuses every connection (nothing listens on port 1): each attempt
// fails with a retryable error, so the task uses every attempt its retry policy allows.
json FailingTask() {
  return {{"task_name", "load"},
          {"extractor_config",
           {{"type", "api"}, {"url", "http://127.0.0.1:1/records"}, {"max_retries", 0}}},
          {"loader_config", {{"type", "duckdb"}, {"db_path", "out.duckdb"}, {"table_name", "t"}}}};
}

json Target(const WebhookReceiver& receiver, const json& events,
            const json& extra = json::object()) {
  json webhook = {{"url", receiver.Url()}};
  webhook.update(extra);
  return {{"on", events}, {"webhook", webhook}};
}

class AlertsTest : public ::testing::Test {
 protected:
  std::vector<std::string> ServeArguments(std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {
        "serve", "--bind", "127.0.0.1:0", "--database-url", "sqlite:" + directory_.File("orc.db"),
        "--lease-s", "2", "--shutdown-grace-s", "1", "--workers", "2",
        // The receiver listens on loopback, which webhooks (like the api extractor) may not reach
        // by default; retries after 1 s instead of 30.
        "--allow-host", "127.0.0.1", "--notify-retry-s", "1"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return arguments;
  }

  std::string CreateJob(ApiClient& api, json job) {
    static int count = 0;
    job["job_name"] = "alerting " + std::to_string(++count);
    if (!job.contains("tasks")) job["tasks"] = {FailingTask()};
    if (!job.contains("retry")) job["retry"] = {{"max_attempts", 3}, {"initial_delay_s", 0.1}};
    ApiClient::Reply created = api.Post("/jobs", job);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.body.value("job_id", "");
  }

  std::string RunToTheEnd(ApiClient& api, const std::string& job_id) {
    ApiClient::Reply run = api.Post("/jobs/" + job_id + "/run");
    EXPECT_EQ(run.status, 202) << run.body;
    const std::string run_id = run.body.value("run_id", "");
    const json finished = testing::WaitForRun(api, run_id, testing::IsFinalRun);
    EXPECT_TRUE(testing::IsFinalRun(finished)) << finished;
    return run_id;
  }

  TempDir directory_;
};

TEST_F(AlertsTest, AFailingJobAlertsOncePerRunNotPerAttempt) {
  WebhookReceiver receiver;
  Subprocess orc(Orc(ServeArguments(), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string job_id =
      CreateJob(api, {{"notify", {Target(receiver, {"failure", "retry_exhausted", "success"})}}});
  const std::string run_id = RunToTheEnd(api, job_id);
  const json run = api.Get("/runs/" + run_id).body;
  ASSERT_EQ(run["status"], "failed") << run;
  ASSERT_EQ(run["task_runs"][0]["attempts"], 3) << run;

  ASSERT_TRUE(receiver.WaitFor(2, 10s)) << orc.Stderr();
  std::this_thread::sleep_for(3s);  // anything more would have come by now
  const std::vector<ReceivedWebhook> received = receiver.Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ((std::multiset<std::string>{received[0].event, received[1].event}),
            (std::multiset<std::string>{"failure", "retry_exhausted"}));
  for (const ReceivedWebhook& webhook : received) {
    const json body = json::parse(webhook.body);
    EXPECT_EQ(body["run"]["id"], run_id);
    EXPECT_EQ(body["job"]["id"], job_id);
    EXPECT_EQ(body["run"]["status"], "failed");
    EXPECT_NE(body["run"]["error"].get<std::string>().find("after 3 attempts"), std::string::npos)
        << body;
    EXPECT_EQ(body["run"]["url"], "http://127.0.0.1:" + std::to_string(port) + "/#/runs/" + run_id);
  }
  const ApiClient::Reply listed = api.Get("/runs/" + run_id + "/notifications");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.body["items"].size(), 2u) << listed.body;
  for (const json& delivery : listed.body["items"]) {
    EXPECT_EQ(delivery["status"], "delivered") << delivery;
    EXPECT_EQ(delivery["attempts"], 1) << delivery;
    EXPECT_EQ(delivery["last_status_code"], 200) << delivery;
  }
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(AlertsTest, ADeliveryRefusedOnceArrivesAgainWithItsIdAndThenNeverMore) {
  WebhookReceiver receiver(
      [](int index, const ReceivedWebhook&) { return index == 0 ? 500 : 200; });
  // This time the target is the server's, for every job (--notify).
  const std::string notify_file = directory_.File("notify.json");
  std::ofstream(notify_file) << json::array({Target(receiver, {"failure"})}).dump();
  Subprocess orc(Orc(ServeArguments({"--notify", notify_file}), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string run_id = RunToTheEnd(api, CreateJob(api, {{"retry", {{"max_attempts", 1}}}}));

  ASSERT_TRUE(receiver.WaitFor(2, 15s)) << orc.Stderr();
  std::this_thread::sleep_for(4s);  // past two more retry delays: nothing more may come
  const std::vector<ReceivedWebhook> received = receiver.Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].delivery_id, received[1].delivery_id);
  EXPECT_EQ(received[0].body, received[1].body);
  const json items = api.Get("/runs/" + run_id + "/notifications").body["items"];
  ASSERT_EQ(items.size(), 1u) << items;
  EXPECT_EQ(items[0]["delivery_id"], received[0].delivery_id);
  EXPECT_EQ(items[0]["status"], "delivered");
  EXPECT_EQ(items[0]["attempts"], 2);
  EXPECT_EQ(items[0]["last_status_code"], 200);
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(AlertsTest, AnInvalidNotifyFileStopsServeNamingTheField) {
  const std::string bad = directory_.File("notify.yaml");
  std::ofstream(bad) << "- on: [failure]\n  webhook:\n    url: ftp://hooks.example/\n";
  std::unique_ptr<Subprocess> refused =
      testing::RunToCompletion(Orc(ServeArguments({"--notify", bad}), directory_), kExitTimeout);
  EXPECT_EQ(refused->Wait(0ms), 1);
  EXPECT_NE(refused->Stderr().find("--notify: " + bad +
                                   "[0].webhook.url: must be an http:// or https:// URL"),
            std::string::npos)
      << refused->Stderr();

  // The same list in YAML, valid, alerts for a job that names no target itself.
  WebhookReceiver receiver;
  std::ofstream(bad) << "- on: [failure]\n  webhook:\n    url: " << receiver.Url() << "\n";
  Subprocess orc(Orc(ServeArguments({"--notify", bad}), directory_));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  RunToTheEnd(api, CreateJob(api, {{"retry", {{"max_attempts", 1}}}}));
  EXPECT_TRUE(receiver.WaitFor(1, 10s)) << orc.Stderr();
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(AlertsTest, TheSignatureVerifiesWithTheSecret) {
  const std::string secret = "a webhook secret, not stored anywhere";
  WebhookReceiver receiver;
  Subprocess orc(Orc(ServeArguments(), directory_, {{"ORC_SECRET_HOOK", secret}}));
  const int port = AwaitListening(orc);
  ASSERT_GT(port, 0) << orc.Stderr();
  ApiClient api(port);
  const std::string job_id = CreateJob(
      api, {{"notify", {Target(receiver, {"failure"}, {{"secret", "${env:ORC_SECRET_HOOK}"}})}},
            {"retry", {{"max_attempts", 1}}}});
  const std::string run_id = RunToTheEnd(api, job_id);
  ASSERT_TRUE(receiver.WaitFor(1, 10s)) << orc.Stderr();
  const ReceivedWebhook webhook = receiver.Received()[0];

  // Python's hmac computes the signature the receiver expects, independently of orc.
  std::unique_ptr<Subprocess> python = testing::RunToCompletion(
      {.argv = {"/usr/bin/env", "python3", "-c",
                "import hashlib, hmac, sys; sys.stdout.write('sha256=' + hmac.new("
                "sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())",
                secret, webhook.body}},
      10s);
  ASSERT_EQ(python->Wait(0ms), 0) << python->Stderr();
  EXPECT_EQ(webhook.signature, python->Stdout());
  EXPECT_EQ(webhook.event, "failure");
  EXPECT_FALSE(webhook.delivery_id.empty());

  // The secret is nowhere in what the API shows.
  EXPECT_EQ(api.Get("/jobs/" + job_id).body.dump().find(secret), std::string::npos);
  EXPECT_EQ(api.Get("/runs/" + run_id + "/notifications").body.dump().find(secret),
            std::string::npos);
  orc.Signal(SIGTERM);
  EXPECT_EQ(orc.Wait(kExitTimeout), 0) << orc.Stderr();
}

TEST_F(AlertsTest, ALateSlotAlertsOnceAcrossARestart) {
  WebhookReceiver receiver;
  // A slot every 2 s, due 1 s after it; its runs fail, so every slot is late.
  const json job = {{"schedule", "*/2 * * * * *"},
                    {"sla_s", 1},
                    {"retry", {{"max_attempts", 1}}},
                    {"notify", {Target(receiver, {"late"})}}};
  {
    Subprocess first(Orc(ServeArguments(), directory_));
    const int port = AwaitListening(first);
    ASSERT_GT(port, 0) << first.Stderr();
    ApiClient api(port);
    CreateJob(api, job);
    ASSERT_TRUE(receiver.WaitFor(2, 15s)) << first.Stderr();
    first.Signal(SIGTERM);
    ASSERT_EQ(first.Wait(kExitTimeout), 0) << first.Stderr();
  }
  const size_t before_restart = receiver.Count();
  std::this_thread::sleep_for(3s);  // slots pass while no orc runs: they are late too
  Subprocess second(Orc(ServeArguments(), directory_));
  ASSERT_GT(AwaitListening(second), 0) << second.Stderr();
  ASSERT_TRUE(receiver.WaitFor(before_restart + 3, 15s)) << second.Stderr();
  second.Signal(SIGTERM);
  ASSERT_EQ(second.Wait(kExitTimeout), 0) << second.Stderr();

  std::map<std::string, int> per_slot;
  std::set<std::string> delivery_ids;
  for (const ReceivedWebhook& webhook : receiver.Received()) {
    EXPECT_EQ(webhook.event, "late");
    const json body = json::parse(webhook.body);
    ++per_slot[body["slot"].get<std::string>()];
    delivery_ids.insert(webhook.delivery_id);
  }
  for (const auto& [slot, count] : per_slot) EXPECT_EQ(count, 1) << "slot " << slot;
  EXPECT_EQ(delivery_ids.size(), receiver.Count());
  EXPECT_GE(per_slot.size(), 4u);
  // Consecutive slots, none skipped: including those that passed while orc was down.
  std::vector<std::string> slots;
  for (const auto& [slot, count] : per_slot) slots.push_back(slot);
  for (size_t i = 1; i < slots.size(); ++i) {
    const auto seconds = [](const std::string& slot) { return std::stoi(slot.substr(17, 2)); };
    const int gap = (seconds(slots[i]) - seconds(slots[i - 1]) + 60) % 60;
    EXPECT_EQ(gap, 2) << slots[i - 1] << " then " << slots[i];
  }
}

}  // namespace
}  // namespace orc
