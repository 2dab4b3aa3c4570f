// The scheduler on fake time against a real state store (SQLite and PostgreSQL).
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "common/time_format.h"
#include "support/cut_off_store.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using testing::TestBackend;

const TimePoint kStart = *ParseRfc3339("2026-03-01T12:00:00.500Z");

class SchedulerTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override { store_ = Open(); }

  std::unique_ptr<StateStore> Open() {
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl(database_.url()), clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(*store);
  }

  std::unique_ptr<Scheduler> StartScheduler(StateStore& store, SchedulerOptions options = {}) {
    auto scheduler = std::make_unique<Scheduler>(store, clock_, nullptr, options);
    EXPECT_TRUE(scheduler->Start().ok());
    WaitUntilAsleep(1);
    return scheduler;
  }

  Job CreateJob(const std::string& schedule, bool catchup = false,
                const std::string& timezone = "UTC") {
    static int count = 0;
    Result<Job> job = store_->CreateJob(
        Job{.job_name = "job " + std::to_string(++count),
            .schedule = schedule,
            .timezone = timezone,
            .catchup = catchup,
            .tasks = {Task{
                .task_name = "t",
                .transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})"}}});
    EXPECT_TRUE(job.ok()) << job.status();
    return *job;
  }

  // Waits until `sleepers` scheduler threads sleep on the fake clock: each has finished the pass
  // that its start, a wake or the clock set off, and the runs it queued are in the store.
  void WaitUntilAsleep(int sleepers) { ASSERT_TRUE(clock_.AwaitWaiters(sleepers)); }

  void Advance(Duration by, int sleepers = 1) {
    clock_.Advance(by);
    WaitUntilAsleep(sleepers);
  }

  // The slots of the job's runs, oldest first, as "HH:MM:SS".
  std::vector<std::string> Slots(const std::string& job_id) {
    Result<Page<orc::Run>> runs = store_->ListRuns({.limit = 1000, .job_id = job_id});
    EXPECT_TRUE(runs.ok()) << runs.status();
    std::vector<std::string> slots;
    for (const orc::Run& run : runs->items) {
      slots.insert(slots.begin(),
                   run.scheduled_for ? FormatRfc3339(*run.scheduled_for).substr(11, 8) : "manual");
    }
    return slots;
  }

  FakeClock clock_{kStart};
  testing::TestDatabase database_{GetParam()};
  std::unique_ptr<StateStore> store_;

 public:
  StateStore* store() { return store_.get(); }
  std::unique_ptr<StateStore> OpenAnother() { return Open(); }
  FakeClock& clock() { return clock_; }
};

TEST_P(SchedulerTest, EachSlotBecomesOneRunOnTime) {
  const Job job = CreateJob("*/10 * * * * *");
  auto scheduler = StartScheduler(*store_);
  EXPECT_EQ(scheduler->scheduled_jobs(), 1u);
  EXPECT_TRUE(Slots(job.job_id).empty());
  Advance(9500ms);  // 12:00:10.000
  EXPECT_EQ(Slots(job.job_id), std::vector<std::string>{"12:00:10"});
  Advance(5s);
  EXPECT_EQ(Slots(job.job_id), std::vector<std::string>{"12:00:10"});
  Advance(5s);
  EXPECT_EQ(Slots(job.job_id), (std::vector<std::string>{"12:00:10", "12:00:20"}));
  Result<Page<orc::Run>> runs = store_->ListRuns({.job_id = job.job_id});
  EXPECT_EQ(runs->items[0].triggered_by, TriggeredBy::kScheduler);
  EXPECT_EQ(runs->items[0].available_at, *runs->items[0].scheduled_for);
}

// A slot's run is for the interval from the slot before it, with the parameters' defaults; a
// backfilled slot gets the same.
TEST_P(SchedulerTest, EachSlotsRunCarriesItsIntervalAndTheDefaults) {
  Job written = CreateJob("*/10 * * * * *");
  written.params = {ParamSpec{.name = "region", .default_value = R"("eu")"}};
  ASSERT_TRUE(store_->ReplaceJob(written).ok());
  auto scheduler = StartScheduler(*store_);
  Advance(9500ms);  // 12:00:10.000
  Result<Page<orc::Run>> runs = store_->ListRuns({.job_id = written.job_id});
  ASSERT_EQ(runs->items.size(), 1u);
  const orc::Run& run = runs->items[0];
  EXPECT_EQ(run.interval_end, run.scheduled_for);
  EXPECT_EQ(run.interval_start, *run.scheduled_for - 10s);
  EXPECT_EQ(run.params, R"({"region":"eu"})");
  Result<std::vector<NewRun>> backfill =
      scheduler->BackfillSlots(written.job_id, kStart - 25s, kStart - 16s);
  ASSERT_TRUE(backfill.ok()) << backfill.status();
  ASSERT_EQ(backfill->size(), 1u);
  EXPECT_EQ((*backfill)[0].interval_start, *(*backfill)[0].scheduled_for - 10s);
  EXPECT_EQ((*backfill)[0].interval_end, (*backfill)[0].scheduled_for);
  EXPECT_EQ((*backfill)[0].params, R"({"region":"eu"})");
}

TEST_P(SchedulerTest, TwoSchedulersOnOneDatabaseQueueEachSlotOnce) {
  const Job job = CreateJob("*/10 * * * * *");
  std::unique_ptr<StateStore> other_store = Open();
  auto first = StartScheduler(*store_);
  auto second = std::make_unique<Scheduler>(*other_store, clock_, nullptr);
  ASSERT_TRUE(second->Start().ok());
  WaitUntilAsleep(2);
  for (int i = 0; i < 3; ++i) Advance(10s, 2);
  EXPECT_EQ(Slots(job.job_id), (std::vector<std::string>{"12:00:10", "12:00:20", "12:00:30"}));
}

TEST_P(SchedulerTest, AnEditAppliesFromNowAndAPauseStopsNewSlots) {
  Job job = CreateJob("*/10 * * * * *");
  auto scheduler = StartScheduler(*store_);
  Advance(9500ms);
  ASSERT_EQ(Slots(job.job_id), std::vector<std::string>{"12:00:10"});

  job.schedule = "0 * * * * *";  // every minute, from now on
  ASSERT_TRUE(store_->ReplaceJob(job).ok());
  scheduler->JobChanged(job.job_id);
  WaitUntilAsleep(1);
  Advance(20s);  // 12:00:30: the old schedule's 12:00:20 and :30 do not fire
  EXPECT_EQ(Slots(job.job_id), std::vector<std::string>{"12:00:10"});
  Advance(30s);  // 12:01:00
  EXPECT_EQ(Slots(job.job_id), (std::vector<std::string>{"12:00:10", "12:01:00"}));

  job.is_active = false;
  ASSERT_TRUE(store_->ReplaceJob(job).ok());
  scheduler->JobChanged(job.job_id);
  WaitUntilAsleep(1);
  EXPECT_EQ(scheduler->scheduled_jobs(), 0u);
  Advance(120s);
  EXPECT_EQ(Slots(job.job_id).size(), 2u) << "a paused job gets no new slots";
}

TEST_P(SchedulerTest, AfterDowntimeOneRunForTheLatestMissedSlot) {
  const Job job = CreateJob("*/10 * * * * *");
  clock_.Advance(95s);  // orc was down from 12:00:00.5 to 12:01:35.5
  auto scheduler = StartScheduler(*store_);
  EXPECT_EQ(Slots(job.job_id), std::vector<std::string>{"12:01:30"});
  Advance(5s);
  EXPECT_EQ(Slots(job.job_id), (std::vector<std::string>{"12:01:30", "12:01:40"}));
}

TEST_P(SchedulerTest, WithCatchupOneRunPerMissedSlotCapped) {
  const Job job = CreateJob("*/10 * * * * *", /*catchup=*/true);
  clock_.Advance(95s);  // 9 missed slots: 12:00:10 ... 12:01:30
  auto scheduler = StartScheduler(*store_, {.max_catchup = 5});
  // Queued together; each run is available from its slot, so workers take the oldest first.
  std::vector<std::string> slots = Slots(job.job_id);
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(slots,
            (std::vector<std::string>{"12:00:50", "12:01:00", "12:01:10", "12:01:20", "12:01:30"}));
}

TEST_P(SchedulerTest, ARestartQueuesNoSlotTwice) {
  const Job job = CreateJob("*/10 * * * * *");
  {
    auto scheduler = StartScheduler(*store_);
    Advance(9500ms);
  }
  auto again = StartScheduler(*store_);
  Advance(1s);
  EXPECT_EQ(Slots(job.job_id), std::vector<std::string>{"12:00:10"});
}

TEST_P(SchedulerTest, BackfillQueuesEachSlotOnceAlsoForAPausedJob) {
  Job job = CreateJob("0 * * * * *");
  job.is_active = false;
  ASSERT_TRUE(store_->ReplaceJob(job).ok());
  auto scheduler = StartScheduler(*store_);
  const TimePoint start = *ParseRfc3339("2026-03-01T10:00:00Z");
  const TimePoint end = *ParseRfc3339("2026-03-01T10:03:00Z");
  Result<std::vector<orc::Run>> runs = scheduler->Backfill(job.job_id, start, end);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 4u);
  EXPECT_EQ((*runs)[0].triggered_by, TriggeredBy::kBackfill);
  EXPECT_EQ((*runs)[0].scheduled_for, start);
  Result<std::vector<orc::Run>> again = scheduler->Backfill(job.job_id, start, end);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "asking twice queues nothing new";

  EXPECT_EQ(scheduler->Backfill(job.job_id, end, start).status().code(),
            StatusCode::kInvalidArgument);
  Result<std::vector<orc::Run>> too_many =
      scheduler->Backfill(job.job_id, start, start + std::chrono::hours(24));
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument) << too_many.status();
}

// New York falls back from 02:00 EDT to 01:00 EST on 2026-11-01 (06:00 UTC). Catch-up, the live
// scheduler and backfill enumerate the same slots: a wildcard schedule's in both occurrences of
// the repeated hour, a fixed-time schedule's once.
TEST_P(SchedulerTest, CatchUpLiveAndBackfillAgreeAcrossAFallBack) {
  clock_.Set(*ParseRfc3339("2026-11-01T03:00:00.500Z"));  // 23:00 EDT on 31 October
  const Job hourly = CreateJob("15 * * * *", /*catchup=*/true, "America/New_York");
  const Job fixed = CreateJob("30 1 * * *", /*catchup=*/true, "America/New_York");
  clock_.Set(*ParseRfc3339("2026-11-01T06:30:00.500Z"));  // down until 01:30 EST
  auto scheduler = StartScheduler(*store_);
  Advance(std::chrono::hours(1));  // 02:30 EST
  std::vector<std::string> hourly_slots = Slots(hourly.job_id);
  std::sort(hourly_slots.begin(), hourly_slots.end());  // the catch-up's are queued together
  EXPECT_EQ(hourly_slots,
            (std::vector<std::string>{"03:15:00", "04:15:00", "05:15:00",  // 01:15 EDT
                                      "06:15:00",                          // 01:15 EST
                                      "07:15:00"}));                       // live
  EXPECT_EQ(Slots(fixed.job_id), std::vector<std::string>{"05:30:00"});    // 01:30 EDT only
  for (const Job& job : {hourly, fixed}) {
    Result<std::vector<orc::Run>> backfilled = scheduler->Backfill(
        job.job_id, *ParseRfc3339("2026-11-01T03:00:00Z"), *ParseRfc3339("2026-11-01T07:30:00Z"));
    ASSERT_TRUE(backfilled.ok()) << backfilled.status();
    EXPECT_TRUE(backfilled->empty()) << "backfill finds every slot queued already";
  }
}

// Two processes' schedulers competing for the lead on one database, each through a store the
// test can cut off; started (the first leads) and asleep.
struct TwoElectedSchedulers {
  explicit TwoElectedSchedulers(SchedulerTest& test)
      : other_store(test.OpenAnother()), first_store(*test.store()), second_store(*other_store) {
    first = std::make_unique<Scheduler>(
        *test.store(), first_store, test.clock(), nullptr,
        SchedulerOptions{.leadership = &first_store, .node_id = "first"});
    second = std::make_unique<Scheduler>(
        *other_store, second_store, test.clock(), nullptr,
        SchedulerOptions{.leadership = &second_store, .node_id = "second"});
    EXPECT_TRUE(first->Start().ok());
    EXPECT_TRUE(second->Start().ok());
    EXPECT_TRUE(test.clock().AwaitWaiters(2));
  }

  std::unique_ptr<StateStore> other_store;
  testing::CutOffStore first_store;
  testing::CutOffStore second_store;
  std::unique_ptr<Scheduler> first;
  std::unique_ptr<Scheduler> second;
};

TEST_P(SchedulerTest, OneSchedulerLeadsAndTheStandbyQueuesNothing) {
  const Job job = CreateJob("*/10 * * * * *");
  TwoElectedSchedulers processes(*this);
  Scheduler& first = *processes.first;
  Scheduler& second = *processes.second;
  testing::CutOffStore& second_process = processes.second_store;
  EXPECT_TRUE(first.leading());
  EXPECT_FALSE(second.leading());
  for (int i = 0; i < 30; ++i) Advance(1s, 2);  // the leader renews its term every second
  EXPECT_TRUE(first.leading());
  EXPECT_EQ(Slots(job.job_id), (std::vector<std::string>{"12:00:10", "12:00:20", "12:00:30"}));
  EXPECT_EQ(second_process.enqueues.load(), 0) << "the standby wrote a slot";
  EXPECT_EQ(second.scheduled_jobs(), 0u) << "a standby plans nothing";

  // The leader stops cleanly: the standby takes over at its next look, without a gap.
  first.Stop();
  WaitUntilAsleep(1);
  Advance(1s);
  EXPECT_TRUE(second.leading());
  for (int i = 0; i < 9; ++i) Advance(1s);
  EXPECT_EQ(Slots(job.job_id),
            (std::vector<std::string>{"12:00:10", "12:00:20", "12:00:30", "12:00:40"}));
}

TEST_P(SchedulerTest, ALeaderCutOffStopsFiringAndTheStandbyReplaysEverySlotItMissed) {
  const Job job = CreateJob("* * * * * *");  // every second, catchup off
  TwoElectedSchedulers processes(*this);
  Scheduler& first = *processes.first;
  Scheduler& second = *processes.second;
  testing::CutOffStore& first_process = processes.first_store;
  for (int i = 0; i < 3; ++i) Advance(1s, 2);  // 12:00:03.5
  first_process.cut = true;                    // its term was last renewed at 12:00:03.5
  int took_over_after = 0;
  for (int i = 1; i <= 10; ++i) {
    Advance(1s, 2);
    if (i == 3) {
      EXPECT_FALSE(first.leading()) << "half a term without renewal: stop firing";
    }
    if (second.leading() && took_over_after == 0) took_over_after = i;
  }
  // The term (5 s) ended at 12:00:08.5; the standby's next look at 09.5 takes it.
  EXPECT_EQ(took_over_after, 6);
  first_process.cut = false;                   // the old leader is back: it stands by
  for (int i = 0; i < 3; ++i) Advance(1s, 2);  // 12:00:16.5
  EXPECT_FALSE(first.leading());
  EXPECT_TRUE(second.leading());
  std::vector<std::string> expected;
  for (int second_of_minute = 1; second_of_minute <= 16; ++second_of_minute) {
    expected.push_back("12:00:" + std::string(second_of_minute < 10 ? "0" : "") +
                       std::to_string(second_of_minute));
  }
  std::vector<std::string> slots = Slots(job.job_id);
  std::sort(slots.begin(), slots.end());  // the replayed ones are queued together
  EXPECT_EQ(slots, expected) << "every slot once: none lost, none doubled";
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulerTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
