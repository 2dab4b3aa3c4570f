// The notifier on simulated time, against the in-memory store and a real loopback receiver:
// alerts once per run (never per task attempt), retries that keep their delivery id, signatures,
// and late slots alerted once, across a restart.
#include "notify/notifier.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/time_format.h"
#include "notify/webhook.h"
#include "state/memory_state_store.h"
#include "support/test_database.h"
#include "support/webhook_receiver.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::ReceivedWebhook;
using testing::WebhookReceiver;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));
constexpr Duration kLease = std::chrono::seconds(60);

class NotifierTest : public ::testing::Test {
 protected:
  // A job whose one task allows `max_attempts`, alerting `receiver` on `events`.
  Job CreateJob(const WebhookReceiver& receiver, const json& events, int max_attempts = 3,
                const std::string& extra_webhook = "") {
    Job job;
    job.job_name = "job-" + std::to_string(++jobs_);
    job.schedule = "0 * * * *";
    job.retry.max_attempts = max_attempts;
    Task task;
    task.task_name = "load";
    task.transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})";
    job.tasks = {task};
    json webhook = {{"url", receiver.Url()}};
    if (!extra_webhook.empty()) webhook.update(json::parse(extra_webhook));
    job.notify = json::array({{{"on", events}, {"webhook", webhook}}}).dump();
    Result<Job> created = store_.CreateJob(job);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  // A run of `job` ended as `status`, its task failed after `task_attempts` when it failed.
  orc::Run Finish(const Job& job, RunStatus status, int task_attempts = 1) {
    Result<orc::Run> queued = store_.EnqueueRun(NewRun{.job_id = job.job_id});
    EXPECT_TRUE(queued.ok()) << queued.status().ToString();
    EXPECT_TRUE(store_.ClaimRun("worker", kLease).ok());
    RunOutcome outcome{.status = status};
    if (status != RunStatus::kCancelled) {
      outcome.task_runs.push_back(TaskRun{.run_id = queued->run_id,
                                          .task_id = job.tasks[0].task_id,
                                          .task_name = "load",
                                          .status = status == RunStatus::kSuccess
                                                        ? TaskRunStatus::kSuccess
                                                        : TaskRunStatus::kFailed,
                                          .attempts = task_attempts});
    }
    Result<orc::Run> finished = store_.FinishRun(queued->run_id, "worker", outcome);
    EXPECT_TRUE(finished.ok()) << finished.status().ToString();
    return *finished;
  }

  std::unique_ptr<Notifier> MakeNotifier() {
    NotifierOptions options{.public_url = "http://orc.test:8080",
                            .network = {.allowed_hosts = {{.host = "127.0.0.1"}}},
                            .environment = [this](const std::string& name) -> const char* {
                              auto found = environment_.find(name);
                              return found == environment_.end() ? nullptr : found->second.c_str();
                            },
                            .max_attempts = 3};
    options.retry = Backoff{.initial = std::chrono::seconds(30), .max = std::chrono::seconds(60)};
    return std::make_unique<Notifier>(store_, clock_, options);
  }

  void Tick(Notifier& notifier) {
    const Status status = notifier.RunOnce();
    EXPECT_TRUE(status.ok()) << status.ToString();
  }

  std::vector<NotificationDelivery> DeliveriesOf(const orc::Run& run) {
    Result<std::vector<NotificationDelivery>> deliveries = store_.ListRunDeliveries(run.run_id);
    EXPECT_TRUE(deliveries.ok()) << deliveries.status().ToString();
    return deliveries.ok() ? *deliveries : std::vector<NotificationDelivery>{};
  }

  FakeClock clock_{kStart};
  MemoryStateStore store_{clock_};
  std::map<std::string, std::string> environment_;
  int jobs_ = 0;
};

TEST_F(NotifierTest, AFailedRunAlertsOncePerRunNotPerAttempt) {
  WebhookReceiver receiver;
  const Job job = CreateJob(receiver, {"failure", "retry_exhausted"}, 3);
  const orc::Run run = Finish(job, RunStatus::kFailed, 3);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  clock_.Advance(std::chrono::hours(2));
  Tick(*notifier);
  const std::vector<ReceivedWebhook> received = receiver.Received();
  ASSERT_EQ(received.size(), 2u);
  std::multiset<std::string> events = {received[0].event, received[1].event};
  EXPECT_EQ(events, (std::multiset<std::string>{"failure", "retry_exhausted"}));
  for (const ReceivedWebhook& webhook : received) {
    const json body = json::parse(webhook.body);
    EXPECT_EQ(body["run"]["id"], run.run_id);
    EXPECT_EQ(body["event"], webhook.event);
    EXPECT_EQ(body["delivery_id"], webhook.delivery_id);
    EXPECT_EQ(webhook.content_type, "application/json");
    EXPECT_TRUE(webhook.user_agent.starts_with("orc/")) << webhook.user_agent;
    EXPECT_TRUE(webhook.signature.empty()) << "no secret, no signature";
  }
  for (const NotificationDelivery& delivery : DeliveriesOf(run)) {
    EXPECT_EQ(delivery.status, DeliveryStatus::kDelivered);
    EXPECT_EQ(delivery.attempts, 1);
    EXPECT_EQ(delivery.last_status_code, 200);
  }
}

TEST_F(NotifierTest, RetryExhaustedNeedsEveryAttemptUsedAndMoreThanOne) {
  WebhookReceiver receiver;
  const Job retried = CreateJob(receiver, {"retry_exhausted"}, 3);
  Finish(retried, RunStatus::kFailed, 2);  // failed for another reason before its last attempt
  const Job single = CreateJob(receiver, {"retry_exhausted"}, 1);
  Finish(single, RunStatus::kFailed, 1);  // nothing to retry: a failure, not an exhaustion
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST_F(NotifierTest, OnlyTheEventsATargetAsksForAndNoneForACancelledRun) {
  WebhookReceiver receiver;
  const Job job = CreateJob(receiver, {"success"});
  Finish(job, RunStatus::kFailed, 3);
  Finish(job, RunStatus::kCancelled);
  const orc::Run succeeded = Finish(job, RunStatus::kSuccess);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  const std::vector<ReceivedWebhook> received = receiver.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].event, "success");
  EXPECT_EQ(json::parse(received[0].body)["run"]["url"],
            "http://orc.test:8080/#/runs/" + succeeded.run_id);
}

TEST_F(NotifierTest, ARetriedDeliveryKeepsItsIdAndIsNotSentAfterItArrived) {
  WebhookReceiver receiver(
      [](int index, const ReceivedWebhook&) { return index == 0 ? 503 : 200; });
  const Job job = CreateJob(receiver, {"failure"});
  const orc::Run run = Finish(job, RunStatus::kFailed);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  ASSERT_EQ(receiver.Count(), 1u);
  NotificationDelivery delivery = DeliveriesOf(run).at(0);
  EXPECT_EQ(delivery.status, DeliveryStatus::kPending);
  EXPECT_EQ(delivery.last_status_code, 503);
  EXPECT_EQ(delivery.next_attempt_at, clock_.Now() + std::chrono::seconds(30));
  Tick(*notifier);
  EXPECT_EQ(receiver.Count(), 1u) << "not due yet";
  clock_.Advance(std::chrono::seconds(30));
  Tick(*notifier);
  clock_.Advance(std::chrono::hours(1));
  Tick(*notifier);
  const std::vector<ReceivedWebhook> received = receiver.Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].delivery_id, received[1].delivery_id);
  EXPECT_EQ(received[0].body, received[1].body);
  delivery = DeliveriesOf(run).at(0);
  EXPECT_EQ(delivery.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(delivery.attempts, 2);
}

TEST_F(NotifierTest, AClientErrorFailsAtOnceAndServerErrorsGiveUpAfterMaxAttempts) {
  WebhookReceiver refusing([](int, const ReceivedWebhook&) { return 404; });
  const orc::Run refused = Finish(CreateJob(refusing, {"failure"}), RunStatus::kFailed);
  WebhookReceiver broken([](int, const ReceivedWebhook&) { return 500; });
  const orc::Run unlucky = Finish(CreateJob(broken, {"failure"}), RunStatus::kFailed);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  for (int i = 0; i < 10; ++i) {
    Tick(*notifier);
    clock_.Advance(std::chrono::minutes(5));
  }
  EXPECT_EQ(refusing.Count(), 1u);
  const NotificationDelivery not_found = DeliveriesOf(refused).at(0);
  EXPECT_EQ(not_found.status, DeliveryStatus::kFailed);
  EXPECT_EQ(not_found.last_status_code, 404);
  EXPECT_EQ(broken.Count(), 3u) << "max_attempts";
  const NotificationDelivery gave_up = DeliveriesOf(unlucky).at(0);
  EXPECT_EQ(gave_up.status, DeliveryStatus::kFailed);
  EXPECT_EQ(gave_up.attempts, 3);
  EXPECT_NE(gave_up.last_error.find("gave up after 3 attempts"), std::string::npos)
      << gave_up.last_error;
  // The run itself is as it ended.
  EXPECT_EQ(store_.GetRun(unlucky.run_id)->status, RunStatus::kFailed);
  EXPECT_EQ(store_.GetRun(unlucky.run_id)->error_message, unlucky.error_message);
}

TEST_F(NotifierTest, TheSignatureVerifiesWithTheSecretWhichIsNeverStored) {
  environment_["ORC_SECRET_HOOK"] = "s3cr3t-value";
  environment_["ORC_SECRET_TOKEN"] = "token-value";
  WebhookReceiver receiver;
  const orc::Run run = Finish(CreateJob(receiver, {"success"}, 3,
                                        R"({"secret": "${env:ORC_SECRET_HOOK}",
                                       "headers": {"Authorization": "Bearer ${env:ORC_SECRET_TOKEN}"}})"),
                              RunStatus::kSuccess);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  const std::vector<ReceivedWebhook> received = receiver.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].signature, "sha256=" + HmacSha256Hex("s3cr3t-value", received[0].body));
  EXPECT_EQ(received[0].authorization, "Bearer token-value");
  for (const NotificationDelivery& delivery : DeliveriesOf(run)) {
    EXPECT_EQ(delivery.body.find("s3cr3t-value"), std::string::npos);
    EXPECT_EQ(delivery.url.find("token-value"), std::string::npos);
  }
}

TEST_F(NotifierTest, AMissingSecretFailsTheDeliveryNamingTheVariable) {
  WebhookReceiver receiver;
  const orc::Run run =
      Finish(CreateJob(receiver, {"success"}, 3, R"({"secret": "${env:ORC_SECRET_GONE}"})"),
             RunStatus::kSuccess);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  EXPECT_EQ(receiver.Count(), 0u);
  const NotificationDelivery delivery = DeliveriesOf(run).at(0);
  EXPECT_EQ(delivery.status, DeliveryStatus::kFailed);
  EXPECT_NE(delivery.last_error.find("ORC_SECRET_GONE"), std::string::npos) << delivery.last_error;
}

TEST_F(NotifierTest, RedirectsAreNotFollowedAndThePolicyApplies) {
  WebhookReceiver moved([](int, const ReceivedWebhook&) { return 302; });
  const orc::Run redirected = Finish(CreateJob(moved, {"success"}), RunStatus::kSuccess);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  Tick(*notifier);
  const NotificationDelivery delivery = DeliveriesOf(redirected).at(0);
  EXPECT_EQ(delivery.status, DeliveryStatus::kFailed);
  EXPECT_EQ(delivery.last_status_code, 302);

  // A notifier whose policy does not open loopback sends nothing there.
  WebhookReceiver receiver;
  const orc::Run run = Finish(CreateJob(receiver, {"success"}), RunStatus::kSuccess);
  Notifier strict(store_, clock_, NotifierOptions{});
  Tick(strict);
  EXPECT_EQ(receiver.Count(), 0u);
  const NotificationDelivery refused = DeliveriesOf(run).at(0);
  EXPECT_EQ(refused.status, DeliveryStatus::kFailed);
  EXPECT_NE(refused.last_error.find("loopback"), std::string::npos) << refused.last_error;
}

TEST_F(NotifierTest, ServerTargetsAlertForEveryJob) {
  WebhookReceiver receiver;
  Job job;
  job.job_name = "quiet";
  Task task;
  task.task_name = "load";
  task.transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})";
  job.tasks = {task};
  const Job created = *store_.CreateJob(job);
  Finish(created, RunStatus::kFailed);
  NotifierOptions options{.network = {.allowed_hosts = {{.host = "127.0.0.1"}}}};
  options.server_targets = *ParseNotifyText(
      json::array({{{"on", {"failure"}}, {"webhook", {{"url", receiver.Url()}}}}}).dump(), nullptr,
      "--notify");
  Notifier notifier(store_, clock_, options);
  Tick(notifier);
  ASSERT_EQ(receiver.Count(), 1u);
  EXPECT_EQ(receiver.Received()[0].event, "failure");
}

TEST_F(NotifierTest, RunsEndingFasterThanABatchATickAreAllSettledInOneTick) {
  WebhookReceiver receiver;
  const Job job = CreateJob(receiver, {"success"});
  std::vector<orc::Run> runs;
  for (int i = 0; i < 7; ++i) runs.push_back(Finish(job, RunStatus::kSuccess));
  NotifierOptions options{.network = {.allowed_hosts = {{.host = "127.0.0.1"}}}};
  options.batch = 2;
  Notifier notifier(store_, clock_, options);
  Tick(notifier);
  for (const orc::Run& run : runs) EXPECT_EQ(DeliveriesOf(run).size(), 1u) << run.run_id;
  EXPECT_TRUE(store_.PendingNotices(100)->empty());
}

class LateTest : public NotifierTest {
 protected:
  Job LateJob(const WebhookReceiver& receiver) {
    Job job;
    job.job_name = "hourly";
    job.schedule = "0 * * * *";
    job.sla_s = 600;
    Task task;
    task.task_name = "load";
    task.transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})";
    job.tasks = {task};
    job.notify = json::array({{{"on", {"late"}}, {"webhook", {{"url", receiver.Url()}}}}}).dump();
    return *store_.CreateJob(job);
  }

  // The slots alerted late, with how often each was.
  static std::map<std::string, int> Slots(const WebhookReceiver& receiver) {
    std::map<std::string, int> slots;
    for (const ReceivedWebhook& webhook : receiver.Received()) {
      ++slots[json::parse(webhook.body)["slot"].get<std::string>()];
    }
    return slots;
  }
};

TEST_F(LateTest, ASlotPastItsDeadlineAlertsOnceEvenWithoutARunAndAcrossARestart) {
  WebhookReceiver receiver;
  LateJob(receiver);
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  clock_.Advance(std::chrono::minutes(69));
  Tick(*notifier);
  EXPECT_EQ(receiver.Count(), 0u) << "the 01:00 slot is due at 01:10";
  clock_.Advance(std::chrono::minutes(1));
  Tick(*notifier);
  Tick(*notifier);
  EXPECT_EQ(Slots(receiver), (std::map<std::string, int>{{"2026-03-01T01:00:00.000Z", 1}}));
  clock_.Advance(std::chrono::hours(1));
  notifier = MakeNotifier();  // a restart: the look-back sees 01:00 again, the store knows it
  Tick(*notifier);
  EXPECT_EQ(Slots(receiver), (std::map<std::string, int>{{"2026-03-01T01:00:00.000Z", 1},
                                                         {"2026-03-01T02:00:00.000Z", 1}}));
  const json body = json::parse(receiver.Received()[0].body);
  EXPECT_EQ(body["event"], "late");
  EXPECT_EQ(body["deadline"], "2026-03-01T01:10:00.000Z");
  EXPECT_EQ(receiver.Received()[0].event, "late");
}

TEST_F(LateTest, ASlotThatSucceededInTimeIsNotLateAndAPausedJobNeverIs) {
  WebhookReceiver receiver;
  Job job = LateJob(receiver);
  Result<orc::Run> queued =
      store_.EnqueueRun(NewRun{.job_id = job.job_id,
                               .triggered_by = TriggeredBy::kScheduler,
                               .scheduled_for = kStart + std::chrono::hours(1)});
  ASSERT_TRUE(queued.ok());
  clock_.Advance(std::chrono::minutes(65));
  ASSERT_TRUE(store_.ClaimRun("worker", kLease).ok());
  ASSERT_TRUE(store_.FinishRun(queued->run_id, "worker", {.status = RunStatus::kSuccess}).ok());
  std::unique_ptr<Notifier> notifier = MakeNotifier();
  clock_.Advance(std::chrono::minutes(10));
  Tick(*notifier);
  EXPECT_EQ(receiver.Count(), 0u);
  job.is_active = false;
  ASSERT_TRUE(store_.ReplaceJob(job).ok());
  clock_.Advance(std::chrono::hours(3));
  Tick(*notifier);
  EXPECT_EQ(receiver.Count(), 0u);
}

// Two orc processes sharing one database, each with its notifier, ticking at once: every run
// still alerts once per target, and every late slot once.
class SharedDatabaseTest : public ::testing::TestWithParam<testing::TestBackend> {};

TEST_P(SharedDatabaseTest, TwoNotifiersOnOneDatabaseAlertOnce) {
  FakeClock clock(kStart);
  testing::TestDatabase database(GetParam());
  std::unique_ptr<StateStore> first = testing::OpenTestStore(database, clock);
  std::unique_ptr<StateStore> second = testing::OpenTestStore(database, clock);
  ASSERT_TRUE(first && second);
  WebhookReceiver receiver;
  Job job;
  job.job_name = "shared";
  job.schedule = "*/10 * * * *";
  job.sla_s = 60;
  Task task;
  task.task_name = "load";
  task.transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})";
  job.tasks = {task};
  job.notify =
      json::array({{{"on", {"failure", "late"}}, {"webhook", {{"url", receiver.Url()}}}}}).dump();
  Result<Job> created = first->CreateJob(job);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  for (int i = 0; i < 10; ++i) {
    Result<orc::Run> queued = first->EnqueueRun(NewRun{.job_id = created->job_id});
    ASSERT_TRUE(queued.ok());
    ASSERT_TRUE(first->ClaimRun("worker", kLease).ok());
    ASSERT_TRUE(first->FinishRun(queued->run_id, "worker", {.status = RunStatus::kFailed}).ok());
  }
  clock.Advance(std::chrono::minutes(35));  // slots at 00:10, 00:20, 00:30: all late
  const NotifierOptions options{.network = {.allowed_hosts = {{.host = "127.0.0.1"}}}};
  Notifier one(*first, clock, options);
  Notifier other(*second, clock, options);
  std::thread racing([&] {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(other.RunOnce().ok());
  });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(one.RunOnce().ok());
  racing.join();
  std::map<std::string, int> per_event;
  std::set<std::string> ids;
  for (const ReceivedWebhook& webhook : receiver.Received()) {
    ++per_event[webhook.event];
    ids.insert(webhook.delivery_id);
  }
  EXPECT_EQ(per_event["failure"], 10);
  EXPECT_EQ(per_event["late"], 3);
  EXPECT_EQ(ids.size(), receiver.Count()) << "a delivery was sent twice";
}

INSTANTIATE_TEST_SUITE_P(Backends, SharedDatabaseTest,
                         ::testing::Values(testing::TestBackend::kSqlite,
                                           testing::TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
