// The state store's notification role (state/notification_store.h) against SQLite, a real
// PostgreSQL server and the in-memory fake: a finished run's notice settles once, deliveries are
// unique per run (or late slot), event and target, leases hand a delivery to one sender at a
// time, and a late slot is recorded once.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/time_format.h"
#include "common/uuid.h"
#include "state/state_store.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using testing::TestBackend;
using testing::TestDatabase;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));
constexpr Duration kLease = std::chrono::seconds(60);

Job HourlyJob(const std::string& name) {
  Job job;
  job.job_name = name;
  job.schedule = "0 * * * *";
  Task task;
  task.task_name = "sql";
  task.transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})";
  job.tasks = {task};
  return job;
}

NewDelivery Delivery(TimePoint now, const std::string& event, const std::string& target = "t1") {
  return NewDelivery{.delivery_id = NewUuidV7(now),
                     .event = event,
                     .target = target,
                     .url = "https://hooks.example/${env:ORC_SECRET_PATH}",
                     .body = R"({"event":")" + event + R"("})"};
}

class NotificationStoreTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    store_ = testing::OpenTestStore(*database_, clock_);
    ASSERT_NE(store_, nullptr);
    Result<Job> job = store_->CreateJob(HourlyJob("alerting"));
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    job_ = *job;
  }

  // A run of the job carried to `status` (success or failed); its slot when given.
  orc::Run Finished(RunStatus status, std::optional<TimePoint> slot = std::nullopt) {
    NewRun new_run{.job_id = job_.job_id};
    if (slot) {
      new_run.triggered_by = TriggeredBy::kScheduler;
      new_run.scheduled_for = slot;
    }
    Result<orc::Run> queued = store_->EnqueueRun(new_run);
    EXPECT_TRUE(queued.ok()) << queued.status().ToString();
    Result<std::optional<orc::Run>> claimed = store_->ClaimRun("worker", kLease);
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    Result<orc::Run> finished =
        store_->FinishRun(queued->run_id, "worker", RunOutcome{.status = status});
    EXPECT_TRUE(finished.ok()) << finished.status().ToString();
    return *finished;
  }

  std::vector<std::string> Pending() {
    Result<std::vector<std::string>> pending = store_->PendingNotices(100);
    EXPECT_TRUE(pending.ok()) << pending.status().ToString();
    return pending.ok() ? *pending : std::vector<std::string>{};
  }

  std::vector<NotificationDelivery> Lease(const std::string& owner, StateStore* store = nullptr) {
    Result<std::vector<NotificationDelivery>> leased =
        (store ? *store : *store_).LeaseDueDeliveries(owner, kLease, 100);
    EXPECT_TRUE(leased.ok()) << leased.status().ToString();
    return leased.ok() ? *leased : std::vector<NotificationDelivery>{};
  }

  FakeClock clock_{kStart};
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<StateStore> store_;
  Job job_;
};

TEST_P(NotificationStoreTest, AFinishedRunsNoticeIsPendingUntilSettled) {
  Result<orc::Run> queued = store_->EnqueueRun(NewRun{.job_id = job_.job_id});
  ASSERT_TRUE(queued.ok());
  EXPECT_TRUE(Pending().empty()) << "a queued run has nothing to say yet";
  ASSERT_TRUE(store_->ClaimRun("worker", kLease).ok());
  EXPECT_TRUE(Pending().empty()) << "nor a running one";
  ASSERT_TRUE(store_->FinishRun(queued->run_id, "worker", {.status = RunStatus::kFailed}).ok());
  EXPECT_EQ(Pending(), std::vector<std::string>{queued->run_id});

  const TimePoint now = clock_.Now();
  Result<int> created = store_->SettleNotices(
      {RunNotice{.run_id = queued->run_id,
                 .deliveries = {Delivery(now, "failure"), Delivery(now, "retry_exhausted")}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(*created, 2);
  EXPECT_TRUE(Pending().empty());

  Result<std::vector<NotificationDelivery>> listed = store_->ListRunDeliveries(queued->run_id);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  // Both made in the same instant: their order is their ids'.
  const NotificationDelivery& first = (*listed)[0].event == "failure" ? (*listed)[0] : (*listed)[1];
  EXPECT_EQ(first.event, "failure");
  EXPECT_EQ(first.job_id, job_.job_id);
  EXPECT_EQ(first.run_id, queued->run_id);
  EXPECT_FALSE(first.slot.has_value());
  EXPECT_EQ(first.url, "https://hooks.example/${env:ORC_SECRET_PATH}");
  EXPECT_EQ(first.status, DeliveryStatus::kPending);
  EXPECT_EQ(first.attempts, 0);
  EXPECT_EQ(first.next_attempt_at, now);
  EXPECT_EQ(first.created_at, now);
  EXPECT_EQ(first.body, R"({"event":"failure"})");
}

TEST_P(NotificationStoreTest, SettlingAgainCreatesNoSecondDeliveryForARunEventAndTarget) {
  const orc::Run run = Finished(RunStatus::kSuccess);
  const TimePoint now = clock_.Now();
  ASSERT_EQ(*store_->SettleNotices({{run.run_id, {Delivery(now, "success")}}}), 1);
  // Another process that read the notice before it was settled settles it again.
  Result<int> again = store_->SettleNotices(
      {{run.run_id, {Delivery(now, "success"), Delivery(now, "success", "t2")}}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 1) << "only the other target's delivery is new";
  EXPECT_EQ(store_->ListRunDeliveries(run.run_id)->size(), 2u);
}

TEST_P(NotificationStoreTest, SettlingARunWithoutDeliveriesClearsItsNotice) {
  const orc::Run cancelled = Finished(RunStatus::kSuccess);
  ASSERT_EQ(*store_->SettleNotices({{cancelled.run_id, {}}, {"no-such-run", {}}}), 0);
  EXPECT_TRUE(Pending().empty());
}

TEST_P(NotificationStoreTest, ADeliveryIsLeasedToOneOwnerUntilItsLeaseExpires) {
  const orc::Run run = Finished(RunStatus::kFailed);
  ASSERT_EQ(*store_->SettleNotices({{run.run_id, {Delivery(clock_.Now(), "failure")}}}), 1);
  const std::vector<NotificationDelivery> first = Lease("notifier-a");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(Lease("notifier-b").empty());
  clock_.Advance(kLease + std::chrono::seconds(1));
  const std::vector<NotificationDelivery> again = Lease("notifier-b");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].delivery_id, first[0].delivery_id);
  // The first owner lost it: its outcome is refused.
  const Status late = store_->RecordDeliveryAttempt(first[0].delivery_id, "notifier-a",
                                                    {.status = DeliveryStatus::kDelivered});
  EXPECT_EQ(late.code(), StatusCode::kConflict) << late.ToString();
  EXPECT_EQ(store_->RecordDeliveryAttempt("no-such-delivery", "notifier-b", {}).code(),
            StatusCode::kNotFound);
}

TEST_P(NotificationStoreTest, AttemptsAreRecordedAndARetryWaitsUntilItIsDue) {
  const orc::Run run = Finished(RunStatus::kFailed);
  ASSERT_EQ(*store_->SettleNotices({{run.run_id, {Delivery(clock_.Now(), "failure")}}}), 1);
  const std::string id = Lease("notifier")[0].delivery_id;
  const TimePoint retry_at = clock_.Now() + std::chrono::seconds(30);
  ASSERT_TRUE(store_
                  ->RecordDeliveryAttempt(id, "notifier",
                                          {.status = DeliveryStatus::kPending,
                                           .status_code = 500,
                                           .error = "HTTP 500",
                                           .next_attempt_at = retry_at})
                  .ok());
  EXPECT_TRUE(Lease("notifier").empty()) << "not due before " << FormatRfc3339(retry_at);
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_EQ(Lease("notifier").size(), 1u);
  ASSERT_TRUE(store_
                  ->RecordDeliveryAttempt(
                      id, "notifier", {.status = DeliveryStatus::kDelivered, .status_code = 204})
                  .ok());
  EXPECT_TRUE(Lease("notifier").empty()) << "a delivered delivery is never sent again";
  const NotificationDelivery delivery = store_->ListRunDeliveries(run.run_id)->at(0);
  EXPECT_EQ(delivery.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(delivery.attempts, 2);
  EXPECT_EQ(delivery.last_status_code, 204);
  EXPECT_EQ(delivery.delivered_at, clock_.Now());
}

TEST_P(NotificationStoreTest, ALateSlotIsRecordedOnce) {
  const TimePoint slot = kStart - std::chrono::hours(2);
  const TimePoint deadline = slot + std::chrono::minutes(10);
  Result<bool> first =
      store_->RecordLateSlot(job_.job_id, slot, deadline, {Delivery(clock_.Now(), "late")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  Result<bool> second =
      store_->RecordLateSlot(job_.job_id, slot, deadline, {Delivery(clock_.Now(), "late")});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(*second);
  const std::vector<NotificationDelivery> leased = Lease("notifier");
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_EQ(leased[0].event, "late");
  EXPECT_EQ(leased[0].slot, slot);
  EXPECT_TRUE(leased[0].run_id.empty());
}

// A deleted job's alerts go with it: nothing is left to send to targets it no longer has.
TEST_P(NotificationStoreTest, DeletingAJobTakesItsDeliveriesAndLateSlots) {
  const orc::Run run = Finished(RunStatus::kFailed);
  ASSERT_TRUE(store_
                  ->SettleNotices({RunNotice{.run_id = run.run_id,
                                             .deliveries = {Delivery(clock_.Now(), "failure")}}})
                  .ok());
  ASSERT_TRUE(*store_->RecordLateSlot(job_.job_id, kStart - std::chrono::hours(1), kStart,
                                      {Delivery(clock_.Now(), "late")}));
  ASSERT_TRUE(store_->DeleteJob(job_.job_id).ok());
  EXPECT_TRUE(Lease("notifier").empty());
  EXPECT_EQ(*store_->ForgetLateSlotsBefore(kStart + std::chrono::hours(1), 100), 0);
}

TEST_P(NotificationStoreTest, OldLateSlotsAreForgottenABatchAtATime) {
  for (int hour = 1; hour <= 3; ++hour) {
    ASSERT_TRUE(
        *store_->RecordLateSlot(job_.job_id, kStart - std::chrono::hours(hour), kStart, {}));
  }
  Result<int> forgotten = store_->ForgetLateSlotsBefore(kStart - std::chrono::minutes(90), 1);
  ASSERT_TRUE(forgotten.ok()) << forgotten.status().ToString();
  EXPECT_EQ(*forgotten, 1);
  EXPECT_EQ(*store_->ForgetLateSlotsBefore(kStart - std::chrono::minutes(90), 10), 1);
  EXPECT_EQ(*store_->ForgetLateSlotsBefore(kStart - std::chrono::minutes(90), 10), 0);
  // The one left is still known; a forgotten one could be recorded again.
  EXPECT_FALSE(*store_->RecordLateSlot(job_.job_id, kStart - std::chrono::hours(1), kStart, {}));
  EXPECT_TRUE(*store_->RecordLateSlot(job_.job_id, kStart - std::chrono::hours(3), kStart, {}));
}

TEST_P(NotificationStoreTest, ASlotWhoseRunSucceededInTimeIsNotLate) {
  const TimePoint slot = kStart - std::chrono::hours(1);
  Finished(RunStatus::kSuccess, slot);  // finished at kStart
  Result<bool> in_time = store_->RecordLateSlot(job_.job_id, slot, kStart, {});
  ASSERT_TRUE(in_time.ok()) << in_time.status().ToString();
  EXPECT_FALSE(*in_time);
  // The same success after a shorter deadline: late, and shown on the slot's run.
  const orc::Run run = store_->ListRuns({.job_id = job_.job_id})->items.at(0);
  Result<bool> too_late = store_->RecordLateSlot(
      job_.job_id, slot, kStart - std::chrono::minutes(1), {Delivery(clock_.Now(), "late")});
  ASSERT_TRUE(too_late.ok()) << too_late.status().ToString();
  EXPECT_TRUE(*too_late);
  const std::vector<NotificationDelivery> shown = *store_->ListRunDeliveries(run.run_id);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].event, "late");
  EXPECT_EQ(shown[0].slot, slot);
}

TEST_P(NotificationStoreTest, ConcurrentLeasersNeverShareADelivery) {
  std::vector<RunNotice> notices;
  for (int i = 0; i < 20; ++i) {
    const orc::Run run = Finished(RunStatus::kFailed);
    notices.push_back({run.run_id, {Delivery(clock_.Now(), "failure")}});
  }
  ASSERT_EQ(*store_->SettleNotices(notices), 20);
  // SQL backends: a store per thread, as separate processes have. Memory cannot share.
  std::vector<std::unique_ptr<StateStore>> others;
  for (int i = 0; i < 4; ++i) {
    others.push_back(
        GetParam() == TestBackend::kMemory ? nullptr : testing::OpenTestStore(*database_, clock_));
  }
  std::vector<std::vector<std::string>> taken(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      StateStore& store = others[i] ? *others[i] : *store_;
      for (int round = 0; round < 10; ++round) {
        Result<std::vector<NotificationDelivery>> leased =
            store.LeaseDueDeliveries("leaser-" + std::to_string(i), kLease, 3);
        if (!leased.ok()) continue;
        for (const NotificationDelivery& delivery : *leased)
          taken[i].push_back(delivery.delivery_id);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::multiset<std::string> all;
  for (const auto& ids : taken) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 20u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationStoreTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres,
                                           TestBackend::kMemory),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
