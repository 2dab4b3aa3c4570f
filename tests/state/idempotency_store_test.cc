// The state store's keyed writes (sql_idempotency_store.cc), against SQLite, a real PostgreSQL
// server and the in-memory fake: one write per key, whoever races for it, and the reply kept with
// it.
#include <gtest/gtest.h>

#include <thread>

#include "state/state_store.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using testing::TestBackend;
using testing::TestDatabase;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));

Job ManualJob(const std::string& name) {
  Job job;
  job.job_name = name;
  job.schedule = "0 * * * *";
  Task task;
  task.task_name = "sql";
  task.transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})";
  job.tasks = {task};
  return job;
}

// Replies that name what was created, as the API's do.
Result<IdempotentReply> RunReply(const Run& run) {
  return IdempotentReply{.status = 202,
                         .content_type = "application/json",
                         .location = "/runs/" + run.run_id,
                         .body = run.run_id};
}
Result<IdempotentReply> JobReply(const Job& job) {
  return IdempotentReply{.status = 201, .content_type = "application/json", .body = job.job_id};
}
Result<IdempotentReply> RunsReply(const std::vector<Run>& runs) {
  std::string ids;
  for (const Run& run : runs) ids += run.run_id + ",";
  return IdempotentReply{.status = 200, .content_type = "application/json", .body = ids};
}

using Triggered = Result<IdempotentOutcome<Run>>;

IdempotencyKey Key(const std::string& key, const std::string& fingerprint = "same request") {
  return IdempotencyKey{.key = key, .fingerprint = fingerprint};
}

class IdempotencyStoreTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    Result<Job> job = store_->CreateJob(ManualJob("target"));
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    job_ = *job;
  }

  // Another store on the same database: its own connections, as another orc process has.
  std::unique_ptr<StateStore> Open() {
    Result<std::unique_ptr<StateStore>> store = database_->OpenStore(clock_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  int64_t RunCount() {
    Result<Page<orc::Run>> runs = store_->ListRuns({.job_id = job_.job_id});
    EXPECT_TRUE(runs.ok()) << runs.status().ToString();
    return runs.ok() ? runs->total : -1;
  }

  Triggered Trigger(const IdempotencyKey& key, StateStore* store = nullptr) {
    return (store ? *store : *store_).EnqueueRun(NewRun{.job_id = job_.job_id}, key, RunReply);
  }

  FakeClock clock_{kStart};
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<StateStore> store_;
  Job job_;
};

TEST_P(IdempotencyStoreTest, SameKeyTwiceMakesOneRunAndGivesTheFirstReplyBack) {
  Triggered first = Trigger(Key("k1"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->created.has_value());
  EXPECT_EQ(first->record.reply.body, first->created->run_id);
  EXPECT_EQ(first->record.reply.location, "/runs/" + first->created->run_id);
  EXPECT_EQ(first->record.expires_at, kStart + std::chrono::hours(24));

  Triggered again = Trigger(Key("k1"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->created.has_value()) << "a retry writes nothing";
  EXPECT_EQ(again->record.reply, first->record.reply);
  EXPECT_EQ(RunCount(), 1);

  Triggered other = Trigger(Key("k2"));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->created.has_value()) << "another key is another request";
  EXPECT_EQ(RunCount(), 2);
}

TEST_P(IdempotencyStoreTest, AnotherRequestWithTheKeyGetsTheRecordThatHoldsIt) {
  ASSERT_TRUE(Trigger(Key("k", "trigger job A")).ok());
  Triggered reused = Trigger(Key("k", "trigger job B"));
  ASSERT_TRUE(reused.ok()) << reused.status().ToString();
  EXPECT_FALSE(reused->created.has_value());
  EXPECT_EQ(reused->record.fingerprint, "trigger job A") << "the caller tells it apart (422)";
  EXPECT_EQ(RunCount(), 1);
}

TEST_P(IdempotencyStoreTest, ConcurrentRequestsWithOneKeyFromManyProcessesMakeOneRun) {
  constexpr int kStores = 3;
  constexpr int kThreadsPerStore = 4;
  // Memory is not shared between stores: there, all the threads race on the one store (a null
  // store is store_).
  std::vector<std::unique_ptr<StateStore>> stores;
  for (int s = 0; s < kStores; ++s) {
    stores.push_back(GetParam() == TestBackend::kMemory ? nullptr : Open());
  }
  std::vector<Triggered> outcomes(kStores * kThreadsPerStore, InternalError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kStores * kThreadsPerStore; ++t) {
    threads.emplace_back([&, t] { outcomes[t] = Trigger(Key("race"), stores[t % kStores].get()); });
  }
  for (std::thread& thread : threads) thread.join();
  int created = 0;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    created += outcome->created.has_value() ? 1 : 0;
    EXPECT_EQ(outcome->record.reply, outcomes[0]->record.reply) << "everyone gets one reply";
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(RunCount(), 1);
}

TEST_P(IdempotencyStoreTest, ConcurrentJobCreationsWithOneKeyMakeOneJobAndNoNameError) {
  std::vector<Result<IdempotentOutcome<Job>>> outcomes(8, InternalError("not run"));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < outcomes.size(); ++t) {
    threads.emplace_back([&, t] {
      outcomes[t] = store_->CreateJob(ManualJob("created once"), Key("job"), JobReply);
    });
  }
  for (std::thread& thread : threads) thread.join();
  int created = 0;
  for (const auto& outcome : outcomes) {
    // The losers' inserts collide with the winner's job name; they get its reply all the same.
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    created += outcome->created.has_value() ? 1 : 0;
  }
  EXPECT_EQ(created, 1);
  Result<Job> job = store_->GetJobByName("created once");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(outcomes[0]->record.reply.body, job->job_id);
}

TEST_P(IdempotencyStoreTest, SlotsEnqueuedUnderAKeyAreRepliedAgainNotSkipped) {
  std::vector<NewRun> slots;
  for (int hour = 1; hour <= 3; ++hour) {
    slots.push_back({.job_id = job_.job_id,
                     .triggered_by = TriggeredBy::kBackfill,
                     .scheduled_for = kStart - std::chrono::hours(hour)});
  }
  auto first = store_->EnqueueSlots(slots, Key("backfill"), RunsReply);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->created->size(), 3u);
  auto again = store_->EnqueueSlots(slots, Key("backfill"), RunsReply);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created.has_value());
  EXPECT_EQ(again->record.reply.body, first->record.reply.body) << "the three runs, not none";
  EXPECT_EQ(RunCount(), 3);
}

TEST_P(IdempotencyStoreTest, AFailedWriteKeepsNoKeyAndAFailedReplyKeepsNoWrite) {
  auto unknown = store_->EnqueueRun(NewRun{.job_id = "00000000-0000-4000-8000-000000000000"},
                                    Key("k"), RunReply);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  auto record = store_->GetIdempotencyRecord("k");
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->has_value()) << "an error is not kept: a retry is served afresh";

  // The reply is rendered in the write's transaction: when it fails, the run is not kept either.
  auto unrenderable = store_->EnqueueRun(
      NewRun{.job_id = job_.job_id}, Key("k"),
      [](const orc::Run&) -> Result<IdempotentReply> { return InternalError("cannot render"); });
  EXPECT_EQ(unrenderable.status().code(), StatusCode::kInternal);
  EXPECT_EQ(RunCount(), 0);
  EXPECT_FALSE(store_->GetIdempotencyRecord("k")->has_value());

  ASSERT_TRUE(Trigger(Key("k")).ok());
  EXPECT_EQ(RunCount(), 1);
}

TEST_P(IdempotencyStoreTest, KeysExpireAndAreDeletedABoundedBatchAtATime) {
  ASSERT_TRUE(Trigger(Key("a")).ok());
  ASSERT_TRUE(Trigger(Key("b")).ok());
  ASSERT_TRUE(Trigger(Key("c")).ok());
  clock_.Advance(std::chrono::hours(24) - std::chrono::seconds(1));
  EXPECT_TRUE(store_->GetIdempotencyRecord("a")->has_value());
  EXPECT_EQ(*store_->DeleteExpiredIdempotencyRecords(10), 0);

  clock_.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(store_->GetIdempotencyRecord("a")->has_value()) << "expired: as if never used";
  Triggered fresh = Trigger(Key("a", "another request"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_TRUE(fresh->created.has_value()) << "an expired key may be used afresh";
  EXPECT_EQ(RunCount(), 4);

  EXPECT_EQ(*store_->DeleteExpiredIdempotencyRecords(1), 1);
  EXPECT_EQ(*store_->DeleteExpiredIdempotencyRecords(10), 1);
  EXPECT_EQ(*store_->DeleteExpiredIdempotencyRecords(10), 0);
  EXPECT_TRUE(store_->GetIdempotencyRecord("a")->has_value()) << "the fresh use is kept";
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyStoreTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres,
                                           TestBackend::kMemory),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
