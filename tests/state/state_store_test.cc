// The StateStore's contract: one suite, run against SQLite, against a real PostgreSQL server and
// against the in-memory fake (MemoryStateStore).
#include "state/state_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/uuid.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::TestBackend;
using testing::TestDatabase;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1));
constexpr Duration kLease = seconds(30);

Job SampleJob(const std::string& name) {
  Job job;
  job.job_name = name;
  job.description = "copies sales";
  job.schedule = "0 0 9 * * *";
  job.timezone = "Europe/Berlin";
  job.max_active_runs = 2;
  job.timeout_s = 600;
  job.memory_mb = 512;
  job.retry = RetryPolicy{5, 2.5, 60};
  job.params = {ParamSpec{.name = "limit", .type = ParamType::kInteger},
                ParamSpec{.name = "region",
                          .type = ParamType::kString,
                          .default_value = R"("eu")",
                          .description = "where the data lives"}};
  job.notify = R"([{"on":["failure"],"webhook":{"url":"https://hooks.example.com/orc"}}])";
  job.sla_s = 3600;
  Task extract;
  extract.task_name = "extract";
  extract.extractor_config = R"({"type":"csv","path":"sales.csv"})";
  extract.loader_config = R"({"type":"duckdb","db_path":"w.duckdb","table_name":"sales"})";
  Task transform;
  transform.task_name = "transform";
  transform.transform_config = R"({"type":"sql","db_path":"w.duckdb","sql":"select 1"})";
  transform.depends_on = {"extract"};
  transform.timeout_s = 30;
  transform.memory_mb = 0;
  transform.retry = RetryPolicy{1, 0, 0};
  job.tasks = {extract, transform};
  return job;
}

class StateStoreTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    store_ = Open();
  }

  // Memory: a new, empty store each time.
  std::unique_ptr<StateStore> Open(StateStoreOptions options = {}) {
    Result<std::unique_ptr<StateStore>> store = database_->OpenStore(clock_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  Job Create(const std::string& name, int max_active_runs = 1) {
    Job job = SampleJob(name);
    job.max_active_runs = max_active_runs;
    Result<Job> created = store_->CreateJob(job);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return *created;
  }

  // Runs `body` on `count` threads at once, each claiming as its own owner ("worker-N"), and
  // waits for them.
  static void OnWorkers(int count, const std::function<void(const std::string& owner)>& body) {
    std::vector<std::thread> threads;
    for (int t = 0; t < count; ++t) {
      threads.emplace_back([&body, t] { body("worker-" + std::to_string(t)); });
    }
    for (auto& thread : threads) thread.join();
  }

  // The first task of a SampleJob, running its first attempt since kStart.
  static TaskRun Extracting(const Job& job, const std::string& run_id) {
    return TaskRun{.run_id = run_id,
                   .task_id = job.tasks[0].task_id,
                   .task_name = "extract",
                   .task_order = 1,
                   .status = TaskRunStatus::kRunning,
                   .attempts = 1,
                   .started_at = kStart};
  }

  orc::Run Enqueue(const std::string& job_id) {
    Result<orc::Run> run = store_->EnqueueRun(NewRun{.job_id = job_id});
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return *run;
  }

  std::optional<orc::Run> Claim(const std::string& owner = "worker-1") {
    Result<std::optional<orc::Run>> run = store_->ClaimRun(owner, kLease);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : std::nullopt;
  }

  FakeClock clock_{kStart};
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreTest, JobRoundTripsWithItsTasks) {
  Job created = Create("daily sales");
  EXPECT_TRUE(IsUuid(created.job_id));
  EXPECT_EQ(created.created_at, kStart);
  ASSERT_EQ(created.tasks.size(), 2u);
  EXPECT_EQ(created.tasks[0].task_order, 1);
  EXPECT_EQ(created.tasks[1].task_order, 2);
  EXPECT_FALSE(created.tasks[0].task_id.empty());

  Job expected = SampleJob("daily sales");
  expected.job_id = created.job_id;
  expected.created_at = expected.updated_at = kStart;
  expected.max_active_runs = 1;  // what Create() asks for
  expected.tasks[0].task_id = created.tasks[0].task_id;
  expected.tasks[0].task_order = 1;
  expected.tasks[1].task_id = created.tasks[1].task_id;
  expected.tasks[1].task_order = 2;
  EXPECT_EQ(created, expected);
  EXPECT_EQ(*store_->GetJob(created.job_id), expected);
  EXPECT_EQ(*store_->GetJobByName("daily sales"), expected);
}

TEST_P(StateStoreTest, ManualJobHasNoSchedule) {
  Job job = SampleJob("manual");
  job.schedule.reset();
  job.timeout_s.reset();
  job.memory_mb.reset();
  Result<Job> created = store_->CreateJob(job);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE(store_->GetJob(created->job_id)->schedule.has_value());
  EXPECT_FALSE(store_->GetJob(created->job_id)->timeout_s.has_value());
  EXPECT_FALSE(store_->GetJob(created->job_id)->memory_mb.has_value());
}

// The store fills in an unnamed task the way the API does: task_N, N its position, whatever its
// task_order (ApplyTaskDefaults).
TEST_P(StateStoreTest, UnnamedTaskIsNamedByItsPosition) {
  Job job = SampleJob("unnamed");
  job.tasks[0].task_name.clear();
  job.tasks[0].task_order = 5;
  job.tasks[1].task_order = 3;
  Result<Job> created = store_->CreateJob(job);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  Result<Job> stored = store_->GetJob(created->job_id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->tasks.size(), 2u);  // in task_order: transform (3), then the unnamed one (5)
  EXPECT_EQ(stored->tasks[1].task_name, "task_1");
  EXPECT_EQ(stored->tasks[1].task_order, 5);
}

TEST_P(StateStoreTest, UnknownJobIsNotFound) {
  EXPECT_EQ(store_->GetJob("00000000-0000-4000-8000-000000000000").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetJobByName("nope").status().code(), StatusCode::kNotFound);
}

TEST_P(StateStoreTest, DuplicateJobNameIsAlreadyExists) {
  Create("daily sales");
  Result<Job> again = store_->CreateJob(SampleJob("daily sales"));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("'daily sales'"), std::string::npos);
}

TEST_P(StateStoreTest, JobWithBadTaskIsNotStoredAtAll) {
  Job job = SampleJob("half");
  job.tasks[1].task_name = "extract";  // duplicate task name: the second insert fails
  Result<Job> created = store_->CreateJob(job);
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetJobByName("half").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListJobs({})->total, 0);
}

TEST_P(StateStoreTest, ReplaceKeepsCreatedAtAndIdsOfTasksWithTheSameName) {
  Job created = Create("daily sales");
  clock_.Advance(seconds(5));
  Job replacement = SampleJob("daily sales v2");
  replacement.job_id = created.job_id;
  replacement.is_active = false;
  Task load;
  load.task_name = "load";
  load.transform_config = R"({"type":"sql"})";
  replacement.tasks = {replacement.tasks[1], load};  // drop "extract", keep "transform"
  for (Task& task : replacement.tasks) task.task_order = 0;

  Result<Job> replaced = store_->ReplaceJob(replacement);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->job_name, "daily sales v2");
  EXPECT_FALSE(replaced->is_active);
  EXPECT_EQ(replaced->created_at, kStart);
  EXPECT_EQ(replaced->updated_at, kStart + seconds(5));
  ASSERT_EQ(replaced->tasks.size(), 2u);
  EXPECT_EQ(replaced->tasks[0].task_name, "transform");
  EXPECT_EQ(replaced->tasks[0].task_id, created.tasks[1].task_id);
  EXPECT_EQ(replaced->tasks[1].task_name, "load");
  EXPECT_NE(replaced->tasks[1].task_id, created.tasks[0].task_id);
}

TEST_P(StateStoreTest, ReplaceUnknownOrOntoTakenNameFails) {
  Job first = Create("first");
  Create("second");
  Job unknown = SampleJob("x");
  unknown.job_id = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(store_->ReplaceJob(unknown).status().code(), StatusCode::kNotFound);
  Job renamed = first;
  renamed.job_name = "second";
  EXPECT_EQ(store_->ReplaceJob(renamed).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetJob(first.job_id)->job_name, "first");
}

TEST_P(StateStoreTest, ListJobsPagesInCreationOrderAndFilters) {
  for (int i = 0; i < 5; ++i) {
    Job job = SampleJob("job " + std::to_string(i));
    job.is_active = i % 2 == 0;
    ASSERT_TRUE(store_->CreateJob(job).ok());
    clock_.Advance(milliseconds(1));
  }
  Result<Page<Job>> page = store_->ListJobs({.limit = 2, .offset = 1});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].job_name, "job 1");
  EXPECT_EQ(page->items[1].job_name, "job 2");
  EXPECT_EQ(page->items[0].tasks.size(), 2u);
  EXPECT_EQ(page->items[1].tasks[1].task_name, "transform");

  Result<Page<Job>> active = store_->ListJobs({.is_active = true});
  EXPECT_EQ(active->total, 3);
  EXPECT_EQ(active->items.size(), 3u);
  EXPECT_EQ(store_->ListJobs({.is_active = false})->total, 2);
}

// The scheduler pages through the jobs while the API creates more: every job listed comes whole,
// with its own tasks, however the writes fall between the reads. (A page once read its jobs and
// their tasks in two statements; a job created in between took the server down.)
TEST_P(StateStoreTest, JobsListedWhileOthersAreCreatedComeWithTheirOwnTasks) {
  std::atomic<bool> done{false};
  std::thread creator([&] {
    for (int i = 0; i < 150; ++i) EXPECT_TRUE(store_->CreateJob(SampleJob(std::to_string(i))).ok());
    done = true;
  });
  int pages = 0;
  while (!done.load() || pages == 0) {
    // No ASSERT while the creator runs: the test must join it whatever it finds.
    Result<Page<Job>> page = store_->ListJobs({.limit = 40});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    std::set<std::string> ids;
    for (const Job& job : page->items) {
      EXPECT_TRUE(ids.insert(job.job_id).second) << job.job_name << " listed twice";
      EXPECT_EQ(job.tasks.size(), 2u) << job.job_name;
      if (job.tasks.size() != 2) continue;
      EXPECT_EQ(job.tasks[0].task_name, "extract");
      EXPECT_EQ(job.tasks[1].task_name, "transform");
    }
    ++pages;
  }
  creator.join();
  EXPECT_EQ(store_->ListJobs({.limit = 1})->total, 150);
}

// A job read while it is replaced is one version of it, its tasks included.
TEST_P(StateStoreTest, AJobReadWhileItIsReplacedIsOneVersionOfIt) {
  const Job created = Create("versions");
  auto version = [&](int v) {
    Job job = created;
    job.description = "v" + std::to_string(v);
    for (Task& task : job.tasks) {
      task.task_id.clear();
      task.task_name = "v" + std::to_string(v) + "-" + task.task_name;
    }
    job.tasks[1].depends_on = {job.tasks[0].task_name};
    return job;
  };
  std::atomic<bool> done{false};
  std::thread replacer([&] {
    for (int v = 0; v < 100; ++v) EXPECT_TRUE(store_->ReplaceJob(version(v)).ok());
    done = true;
  });
  while (!done.load()) {
    Result<Job> job = store_->GetJob(created.job_id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    if (!job.ok()) break;
    if (job->description == created.description) continue;
    EXPECT_EQ(job->tasks.size(), 2u);
    if (job->tasks.size() != 2) continue;
    EXPECT_EQ(job->tasks[0].task_name, job->description + "-extract");
    EXPECT_EQ(job->tasks[1].task_name, job->description + "-transform");
  }
  replacer.join();
}

TEST_P(StateStoreTest, DeleteJobRefusedWhileARunIsActive) {
  Job job = Create("daily sales");
  orc::Run run = Enqueue(job.job_id);
  EXPECT_EQ(store_->DeleteJob(job.job_id).code(), StatusCode::kConflict);
  ASSERT_TRUE(store_->RequestCancel(run.run_id).ok());
  ASSERT_TRUE(store_->DeleteJob(job.job_id).ok());
  EXPECT_EQ(store_->GetJob(job.job_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRun(run.run_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteJob(job.job_id).code(), StatusCode::kNotFound);
}

TEST_P(StateStoreTest, DeleteJobTakesItsRunsTaskRunsAndLogsWithIt) {
  const Job job = Create("daily sales");
  const Job other = Create("hourly sales");
  std::vector<std::string> run_ids;
  for (const Job* owner_job : {&job, &other}) {
    const orc::Run run = Enqueue(owner_job->job_id);
    ASSERT_TRUE(Claim("worker-1"));
    const TaskRun task_run = Extracting(*owner_job, run.run_id);
    ASSERT_TRUE(store_->SaveTaskRun(task_run, "worker-1").ok());
    ASSERT_TRUE(store_->AppendRunLogs(run.run_id, {{.time = kStart, .message = "hello"}}).ok());
    ASSERT_TRUE(store_->FinishRun(run.run_id, "worker-1", {.task_runs = {task_run}}).ok());
    run_ids.push_back(run.run_id);
  }
  ASSERT_TRUE(store_->DeleteJob(job.job_id).ok());
  EXPECT_EQ(store_->GetRun(run_ids[0]).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetTaskRuns(run_ids[0])->empty());
  EXPECT_TRUE(store_->GetRunLogs(run_ids[0], 0, 10)->empty());
  // The other job's history stays.
  EXPECT_TRUE(store_->GetRun(run_ids[1]).ok());
  EXPECT_EQ(store_->GetTaskRuns(run_ids[1])->size(), 1u);
  EXPECT_EQ(store_->GetRunLogs(run_ids[1], 0, 10)->size(), 1u);
}

// An enqueue racing the job's deletion either lands first (and the deletion is refused, as the
// run is queued) or finds the job gone: never a run of a deleted job.
TEST_P(StateStoreTest, DeleteJobRacingAnEnqueueNeverLeavesARunWithoutItsJob) {
  for (int round = 0; round < 40; ++round) {
    const Job job = Create("racing " + std::to_string(round));
    std::atomic<int> ready{0};
    auto start_together = [&ready] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
    };
    std::future<Result<orc::Run>> enqueued = std::async(std::launch::async, [&] {
      start_together();
      return store_->EnqueueRun({.job_id = job.job_id});
    });
    start_together();
    const Status deleted = store_->DeleteJob(job.job_id);
    const Result<orc::Run> run = enqueued.get();
    if (run.ok()) {
      EXPECT_EQ(deleted.code(), StatusCode::kConflict)
          << "round " << round << ": " << deleted.ToString();
      EXPECT_TRUE(store_->GetJob(job.job_id).ok()) << "round " << round;
    } else {
      EXPECT_EQ(run.status().code(), StatusCode::kNotFound) << run.status().ToString();
      EXPECT_TRUE(deleted.ok()) << deleted.ToString();
    }
  }
}

TEST_P(StateStoreTest, EnqueueForUnknownJobIsNotFound) {
  Result<orc::Run> run =
      store_->EnqueueRun(NewRun{.job_id = "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(run.status().code(), StatusCode::kNotFound);
}

// What a run is for comes back with it, from every read: its interval, parameters, and the run
// it retries with the tasks it runs.
TEST_P(StateStoreTest, RunKeepsItsIntervalParametersAndRetriedRun) {
  Job job = Create("intervals");
  const orc::Run first = Enqueue(job.job_id);
  const NewRun retry{.job_id = job.job_id,
                     .interval_start = kStart - std::chrono::hours(24),
                     .interval_end = kStart,
                     .params = R"({"limit":5,"region":"us"})",
                     .retry_of = first.run_id,
                     .only_tasks = {"transform"}};
  Result<orc::Run> queued = store_->EnqueueRun(retry);
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  auto check = [&](const orc::Run& run) {
    EXPECT_EQ(run.interval_start, retry.interval_start);
    EXPECT_EQ(run.interval_end, retry.interval_end);
    EXPECT_EQ(nlohmann::json::parse(run.params), nlohmann::json::parse(retry.params));
    EXPECT_EQ(run.retry_of, first.run_id);
    EXPECT_EQ(run.only_tasks, retry.only_tasks);
  };
  check(*queued);
  check(*store_->GetRun(queued->run_id));
  const Page<orc::Run> listed = *store_->ListRuns({.job_id = job.job_id});
  ASSERT_EQ(listed.items.size(), 2u);
  for (const orc::Run& run : listed.items) {
    if (run.run_id == queued->run_id) {
      check(run);
      continue;
    }
    EXPECT_EQ(run.params, "{}");
    EXPECT_TRUE(run.only_tasks.empty());
    EXPECT_FALSE(run.interval_start.has_value());
  }
}

TEST_P(StateStoreTest, OneRunPerScheduleSlot) {
  Job job = Create("scheduled");
  const TimePoint slot = kStart + std::chrono::hours(9);
  NewRun scheduled{
      .job_id = job.job_id, .triggered_by = TriggeredBy::kScheduler, .scheduled_for = slot};
  Result<orc::Run> first = store_->EnqueueRun(scheduled);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->scheduled_for, slot);
  EXPECT_EQ(first->triggered_by, TriggeredBy::kScheduler);
  EXPECT_EQ(store_->EnqueueRun(scheduled).status().code(), StatusCode::kAlreadyExists);
  scheduled.triggered_by = TriggeredBy::kBackfill;
  EXPECT_EQ(store_->EnqueueRun(scheduled).status().code(), StatusCode::kAlreadyExists);
  // Manual runs have no slot and never collide.
  Enqueue(job.job_id);
  Enqueue(job.job_id);
  EXPECT_EQ(store_->ListRuns({.job_id = job.job_id})->total, 3);
}

// Enqueues arriving together (a burst of triggers, several scheduler slots asked for at once):
// each caller gets its own run, or its own reason why not, and one slot never gets two runs.
TEST_P(StateStoreTest, ConcurrentEnqueuesEachGetTheirOwnOutcome) {
  constexpr int kThreads = 8;
  constexpr int kEach = 60;
  const Job job = Create("busy", kThreads);
  const std::string unknown_job = "00000000-0000-4000-8000-000000000000";
  std::mutex mutex;
  std::vector<orc::Run> created;
  std::map<int, int> stored_per_slot;
  std::atomic<int> not_found{0};
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        // A third for a job that does not exist; a third for slots every thread asks for (one of
        // them gets each); a third manual.
        NewRun new_run{.job_id = i % 3 == 0 ? unknown_job : job.job_id};
        if (i % 3 == 1) {
          new_run.triggered_by = TriggeredBy::kScheduler;
          new_run.scheduled_for = kStart + std::chrono::hours(i);
        }
        Result<orc::Run> run = store_->EnqueueRun(new_run);
        if (i % 3 == 0) {
          EXPECT_EQ(run.status().code(), StatusCode::kNotFound) << run.status().ToString();
          EXPECT_NE(run.status().message().find(unknown_job), std::string::npos);
          ++not_found;
          continue;
        }
        if (!run.ok()) {
          EXPECT_EQ(run.status().code(), StatusCode::kAlreadyExists) << run.status().ToString();
          EXPECT_EQ(i % 3, 1) << "a manual run was refused: " << run.status().ToString();
          ++taken;
          continue;
        }
        EXPECT_EQ(run->job_id, job.job_id);
        EXPECT_EQ(run->status, RunStatus::kQueued);
        EXPECT_EQ(run->triggered_by, new_run.triggered_by);
        EXPECT_EQ(run->scheduled_for, new_run.scheduled_for);
        EXPECT_EQ(run->queued_at, kStart);
        EXPECT_EQ(run->available_at, kStart);
        EXPECT_EQ(run->max_attempts, job.retry.max_attempts);
        std::lock_guard lock(mutex);
        created.push_back(*run);
        if (i % 3 == 1) ++stored_per_slot[i];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  constexpr int kSlots = kEach / 3;
  constexpr int kManual = kThreads * kEach / 3;
  EXPECT_EQ(not_found, kThreads * kEach / 3);
  EXPECT_EQ(stored_per_slot.size(), static_cast<size_t>(kSlots));
  for (const auto& [slot, stored] : stored_per_slot) EXPECT_EQ(stored, 1) << "slot " << slot;
  EXPECT_EQ(taken, kThreads * kSlots - kSlots);
  ASSERT_EQ(created.size(), static_cast<size_t>(kManual + kSlots));
  // What each caller got back is what was stored.
  for (const orc::Run& run : created) {
    Result<orc::Run> stored = store_->GetRun(run.run_id);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(*stored, run);
  }
  EXPECT_EQ(store_->ListRuns({.job_id = job.job_id})->total, kManual + kSlots);
}

TEST_P(StateStoreTest, RunLifecycle) {
  Job job = Create("daily sales");
  orc::Run queued = Enqueue(job.job_id);
  EXPECT_EQ(queued.status, RunStatus::kQueued);
  EXPECT_EQ(queued.triggered_by, TriggeredBy::kManual);
  EXPECT_EQ(queued.queued_at, kStart);
  EXPECT_EQ(queued.max_attempts, 5);  // from the job's retry policy

  clock_.Advance(milliseconds(3));
  std::optional<orc::Run> claimed = Claim("worker-1");
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->run_id, queued.run_id);
  EXPECT_EQ(claimed->status, RunStatus::kRunning);
  EXPECT_EQ(claimed->lease_owner, "worker-1");
  EXPECT_EQ(claimed->lease_expires_at, kStart + milliseconds(3) + kLease);
  EXPECT_EQ(claimed->started_at, kStart + milliseconds(3));
  EXPECT_EQ(claimed->attempt, 1);
  EXPECT_FALSE(Claim("worker-2"));  // nothing else is queued

  clock_.Advance(seconds(10));
  Result<LeaseState> renewed = store_->RenewLease(queued.run_id, "worker-1", kLease);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_FALSE(renewed->cancel_requested);
  EXPECT_EQ(store_->GetRun(queued.run_id)->lease_expires_at,
            kStart + milliseconds(3) + seconds(10) + kLease);

  clock_.Advance(milliseconds(1));
  Result<orc::Run> finished = store_->FinishRun(
      queued.run_id, "worker-1",
      RunOutcome{.status = RunStatus::kSuccess, .rows_extracted = 10, .rows_loaded = 9});
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->status, RunStatus::kSuccess);
  EXPECT_EQ(finished->finished_at, kStart + milliseconds(3) + seconds(10) + milliseconds(1));
  EXPECT_EQ(finished->rows_extracted, 10);
  EXPECT_EQ(finished->rows_loaded, 9);
  EXPECT_EQ(finished->lease_owner, "");
  EXPECT_EQ(*store_->GetRun(queued.run_id), *finished);
}

TEST_P(StateStoreTest, StatusChangesAreChecked) {
  Job job = Create("daily sales");
  orc::Run run = Enqueue(job.job_id);
  // Not running yet: nobody can finish or renew it.
  EXPECT_EQ(store_->FinishRun(run.run_id, "worker-1", {}).status().code(), StatusCode::kConflict);
  ASSERT_TRUE(Claim("worker-1"));
  // Another owner cannot touch it.
  Result<orc::Run> stolen = store_->FinishRun(run.run_id, "worker-2", {});
  EXPECT_EQ(stolen.status().code(), StatusCode::kConflict);
  EXPECT_NE(stolen.status().message().find("held by 'worker-1'"), std::string::npos);
  EXPECT_EQ(store_->RenewLease(run.run_id, "worker-2", kLease).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(store_->ReleaseRun(run.run_id, "worker-2").code(), StatusCode::kConflict);
  // A run finishes once, only with a final status.
  EXPECT_EQ(
      store_->FinishRun(run.run_id, "worker-1", {.status = RunStatus::kRunning}).status().code(),
      StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->FinishRun(run.run_id, "worker-1", {.status = RunStatus::kFailed}).ok());
  Result<orc::Run> twice = store_->FinishRun(run.run_id, "worker-1", {});
  EXPECT_EQ(twice.status().code(), StatusCode::kConflict);
  EXPECT_NE(twice.status().message().find("is failed, not running"), std::string::npos);
  // A finished run is never claimed again.
  EXPECT_FALSE(Claim("worker-1"));
  EXPECT_EQ(store_->GetRun(run.run_id)->status, RunStatus::kFailed);
  EXPECT_EQ(store_->FinishRun("00000000-0000-4000-8000-000000000000", "w", {}).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StateStoreTest, ClaimsOldestDueRunFirst) {
  Job job = Create("daily sales", 10);
  orc::Run later =
      *store_->EnqueueRun({.job_id = job.job_id, .available_at = kStart + seconds(60)});
  clock_.Advance(milliseconds(1));
  orc::Run first = Enqueue(job.job_id);
  clock_.Advance(milliseconds(1));
  orc::Run second = Enqueue(job.job_id);
  EXPECT_EQ(Claim()->run_id, first.run_id);
  EXPECT_EQ(Claim()->run_id, second.run_id);
  EXPECT_FALSE(Claim());  // `later` is not due yet
  clock_.Advance(seconds(60));
  EXPECT_EQ(Claim()->run_id, later.run_id);
}

TEST_P(StateStoreTest, ClaimRespectsMaxActiveRunsPerJob) {
  Job single = Create("single", 1);
  Job other = Create("other", 1);
  orc::Run a = Enqueue(single.job_id);
  clock_.Advance(milliseconds(1));
  orc::Run b = Enqueue(single.job_id);
  clock_.Advance(milliseconds(1));
  orc::Run c = Enqueue(other.job_id);
  EXPECT_EQ(Claim()->run_id, a.run_id);
  EXPECT_EQ(Claim()->run_id, c.run_id);  // b waits: its job is at its limit
  EXPECT_FALSE(Claim());
  ASSERT_TRUE(store_->FinishRun(a.run_id, "worker-1", {}).ok());
  EXPECT_EQ(Claim()->run_id, b.run_id);
}

TEST_P(StateStoreTest, ReplacingAJobChangesHowManyOfItsRunsMayRun) {
  Job job = Create("widened", 1);
  orc::Run a = Enqueue(job.job_id);
  clock_.Advance(milliseconds(1));
  orc::Run b = Enqueue(job.job_id);
  clock_.Advance(milliseconds(1));
  orc::Run c = Enqueue(job.job_id);
  EXPECT_EQ(Claim()->run_id, a.run_id);
  EXPECT_FALSE(Claim());
  job.max_active_runs = 2;
  ASSERT_TRUE(store_->ReplaceJob(job).ok());
  EXPECT_EQ(Claim()->run_id, b.run_id);
  EXPECT_FALSE(Claim());
  job.max_active_runs = 1;
  ASSERT_TRUE(store_->ReplaceJob(job).ok());
  ASSERT_TRUE(store_->FinishRun(a.run_id, "worker-1", {}).ok());
  EXPECT_FALSE(Claim()) << "b still runs, and the job now allows one";
  ASSERT_TRUE(store_->FinishRun(b.run_id, "worker-1", {}).ok());
  EXPECT_EQ(Claim()->run_id, c.run_id);
}

TEST_P(StateStoreTest, EveryWayOutOfRunningFreesTheJobsPlace) {
  // A job that runs one run at a time: after each way a run stops running, the job's next run
  // can be claimed, and no other while that one runs.
  Job job = SampleJob("one at a time");
  job.max_active_runs = 1;
  job.retry.max_attempts = 2;
  job = *store_->CreateJob(job);
  auto claim_next = [&]() -> std::string {
    clock_.Advance(milliseconds(1));
    Enqueue(job.job_id);
    std::optional<orc::Run> run = Claim();
    EXPECT_TRUE(run) << "the job's place was not freed";
    EXPECT_FALSE(Claim()) << "two runs of a one-at-a-time job";
    return run ? run->run_id : "";
  };
  auto expire = [&] { clock_.Advance(kLease + milliseconds(1)); };

  std::string run_id = claim_next();
  ASSERT_TRUE(store_->FinishRun(run_id, "worker-1", {}).ok());
  run_id = claim_next();
  ASSERT_TRUE(store_->FinishRun(run_id, "worker-1", {.status = RunStatus::kFailed}).ok());
  run_id = claim_next();
  ASSERT_TRUE(store_->ReleaseRun(run_id, "worker-1").ok());
  run_id = Claim()->run_id;  // the released run itself
  expire();
  EXPECT_EQ(store_->ReclaimExpiredLeases(std::chrono::seconds(5))->requeued,
            std::vector<std::string>{run_id});
  EXPECT_EQ(Claim()->run_id, run_id);  // the requeued run, on its second attempt
  expire();
  EXPECT_EQ(store_->ReclaimExpiredLeases(std::chrono::seconds(5))->failed,
            std::vector<std::string>{run_id});
  run_id = claim_next();
  ASSERT_TRUE(store_->RequestCancel(run_id).ok());
  expire();
  EXPECT_EQ(store_->ReclaimExpiredLeases(std::chrono::seconds(5))->cancelled,
            std::vector<std::string>{run_id});
  run_id = claim_next();
  ASSERT_TRUE(store_->FinishRun(run_id, "worker-1", {.status = RunStatus::kCancelled}).ok());
  claim_next();
}

TEST_P(StateStoreTest, ExpiredLeasesAreRequeuedThenFailedWhenAttemptsRunOut) {
  Job job = SampleJob("flaky");
  job.retry.max_attempts = 2;
  Job created = *store_->CreateJob(job);
  orc::Run run = Enqueue(created.job_id);

  ASSERT_TRUE(Claim("worker-1"));
  EXPECT_TRUE(store_->ReclaimExpiredLeases(std::chrono::seconds(5))
                  ->requeued.empty());  // lease still valid
  clock_.Advance(kLease + milliseconds(1));
  Result<ReclaimedRuns> first = store_->ReclaimExpiredLeases(std::chrono::seconds(5));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->requeued, std::vector<std::string>{run.run_id});
  EXPECT_EQ(store_->GetRun(run.run_id)->status, RunStatus::kQueued);
  // The lost worker can no longer finish it.
  EXPECT_EQ(store_->FinishRun(run.run_id, "worker-1", {}).status().code(), StatusCode::kConflict);

  std::optional<orc::Run> second_claim = Claim("worker-2");
  ASSERT_TRUE(second_claim);
  EXPECT_EQ(second_claim->attempt, 2);
  clock_.Advance(kLease + milliseconds(1));
  Result<ReclaimedRuns> second = store_->ReclaimExpiredLeases(std::chrono::seconds(5));
  EXPECT_EQ(second->failed, std::vector<std::string>{run.run_id});
  orc::Run failed = *store_->GetRun(run.run_id);
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_NE(failed.error_message.find("worker lost"), std::string::npos) << failed.error_message;
  EXPECT_NE(failed.error_message.find("worker-2"), std::string::npos) << failed.error_message;
  EXPECT_TRUE(failed.finished_at.has_value());
  // The job's slot is free again.
  orc::Run next = Enqueue(created.job_id);
  EXPECT_EQ(Claim()->run_id, next.run_id);
}

TEST_P(StateStoreTest, ReleasedRunIsQueuedWithoutCountingTheAttempt) {
  Job job = Create("daily sales");
  orc::Run run = Enqueue(job.job_id);
  ASSERT_TRUE(Claim("worker-1"));
  ASSERT_TRUE(store_->ReleaseRun(run.run_id, "worker-1").ok());
  orc::Run released = *store_->GetRun(run.run_id);
  EXPECT_EQ(released.status, RunStatus::kQueued);
  EXPECT_EQ(released.attempt, 0);
  EXPECT_EQ(Claim("worker-2")->attempt, 1);
}

TEST_P(StateStoreTest, CancelQueuedAtOnceRunningThroughItsOwner) {
  Job job = Create("daily sales", 5);
  orc::Run queued = Enqueue(job.job_id);
  Result<orc::Run> cancelled = store_->RequestCancel(queued.run_id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->status, RunStatus::kCancelled);
  EXPECT_EQ(cancelled->finished_at, kStart);
  EXPECT_FALSE(Claim());

  orc::Run running = Enqueue(job.job_id);
  ASSERT_TRUE(Claim("worker-1"));
  Result<orc::Run> requested = store_->RequestCancel(running.run_id);
  EXPECT_EQ(requested->status, RunStatus::kRunning);
  EXPECT_TRUE(requested->cancel_requested);
  EXPECT_TRUE(store_->RenewLease(running.run_id, "worker-1", kLease)->cancel_requested);
  ASSERT_TRUE(
      store_->FinishRun(running.run_id, "worker-1", {.status = RunStatus::kCancelled}).ok());
  EXPECT_EQ(store_->RequestCancel(running.run_id).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->RequestCancel("00000000-0000-4000-8000-000000000000").status().code(),
            StatusCode::kNotFound);
}

TEST_P(StateStoreTest, LostWorkerOfACancelledRunEndsItCancelled) {
  Job job = Create("daily sales");
  orc::Run run = Enqueue(job.job_id);
  ASSERT_TRUE(Claim("worker-1"));
  ASSERT_TRUE(store_->RequestCancel(run.run_id).ok());
  clock_.Advance(kLease + milliseconds(1));
  EXPECT_EQ(store_->ReclaimExpiredLeases(std::chrono::seconds(5))->cancelled,
            std::vector<std::string>{run.run_id});
  EXPECT_EQ(store_->GetRun(run.run_id)->status, RunStatus::kCancelled);
}

TEST_P(StateStoreTest, ListRunsNewestFirstWithFilters) {
  Job a = Create("a", 10);
  Job b = Create("b", 10);
  std::vector<std::string> a_runs;
  for (int i = 0; i < 3; ++i) {
    a_runs.push_back(Enqueue(a.job_id).run_id);
    clock_.Advance(milliseconds(1));
  }
  Enqueue(b.job_id);
  clock_.Advance(milliseconds(1));
  ASSERT_TRUE(store_->RequestCancel(a_runs[0]).ok());

  Result<Page<orc::Run>> all = store_->ListRuns({});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->total, 4);
  EXPECT_EQ(all->items[0].job_id, b.job_id);
  Result<Page<orc::Run>> of_a = store_->ListRuns({.limit = 2, .job_id = a.job_id});
  EXPECT_EQ(of_a->total, 3);
  ASSERT_EQ(of_a->items.size(), 2u);
  EXPECT_EQ(of_a->items[0].run_id, a_runs[2]);
  EXPECT_EQ(of_a->items[1].run_id, a_runs[1]);
  Result<Page<orc::Run>> cancelled = store_->ListRuns({.status = RunStatus::kCancelled});
  ASSERT_EQ(cancelled->items.size(), 1u);
  EXPECT_EQ(cancelled->items[0].run_id, a_runs[0]);
  EXPECT_EQ(store_->ListRuns({.job_id = b.job_id, .status = RunStatus::kCancelled})->total, 0);
}

TEST_P(StateStoreTest, ListRunsByTriggerAndQueueTimeCountingUpToACap) {
  Job job = Create("a", 10);
  std::vector<orc::Run> runs;  // queued a second apart: manual, backfill, manual, backfill, ...
  for (int i = 0; i < 6; ++i) {
    Result<orc::Run> run = store_->EnqueueRun(
        NewRun{.job_id = job.job_id,
               .triggered_by = i % 2 == 0 ? TriggeredBy::kManual : TriggeredBy::kBackfill});
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    runs.push_back(*run);
    clock_.Advance(seconds(1));
  }
  Result<Page<orc::Run>> backfills = store_->ListRuns({.triggered_by = TriggeredBy::kBackfill});
  ASSERT_TRUE(backfills.ok()) << backfills.status().ToString();
  EXPECT_EQ(backfills->total, 3);
  ASSERT_EQ(backfills->items.size(), 3u);
  EXPECT_EQ(backfills->items[0].run_id, runs[5].run_id);
  EXPECT_FALSE(backfills->total_capped);

  // [queued_from, queued_before): runs 2, 3 and 4, to the microsecond at both ends.
  Result<Page<orc::Run>> window =
      store_->ListRuns({.queued_from = runs[2].queued_at, .queued_before = runs[5].queued_at});
  ASSERT_EQ(window->items.size(), 3u);
  EXPECT_EQ(window->items[0].run_id, runs[4].run_id);
  EXPECT_EQ(window->items[2].run_id, runs[2].run_id);
  EXPECT_EQ(store_->ListRuns({.queued_from = runs[5].queued_at + microseconds(1)})->total, 0);
  EXPECT_EQ(
      store_->ListRuns({.triggered_by = TriggeredBy::kManual, .queued_from = runs[1].queued_at})
          ->total,
      2);

  // The count stops at offset + count_beyond and says so; the page is whole either way.
  Result<Page<orc::Run>> capped = store_->ListRuns({.limit = 2, .offset = 1, .count_beyond = 3});
  EXPECT_EQ(capped->total, 4);
  EXPECT_TRUE(capped->total_capped);
  ASSERT_EQ(capped->items.size(), 2u);
  EXPECT_EQ(capped->items[0].run_id, runs[4].run_id);
  Result<Page<orc::Run>> exact = store_->ListRuns({.offset = 1, .count_beyond = 5});
  EXPECT_EQ(exact->total, 6);
  EXPECT_FALSE(exact->total_capped);
}

TEST_P(StateStoreTest, LatestRunPerJobIsEachJobsNewestRun) {
  Job a = Create("a", 10);
  Job b = Create("b", 10);
  Create("never run");
  EXPECT_TRUE(store_->LatestRunPerJob()->empty());
  std::string newest_of_a;
  for (int i = 0; i < 3; ++i) {
    newest_of_a = Enqueue(a.job_id).run_id;
    clock_.Advance(std::chrono::microseconds(5));  // runs a few microseconds apart still order
  }
  const std::string only_of_b = Enqueue(b.job_id).run_id;
  clock_.Advance(milliseconds(1));
  const std::string newest = Enqueue(a.job_id).run_id;

  Result<std::vector<orc::Run>> latest = store_->LatestRunPerJob();
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].run_id, newest);  // newest first
  EXPECT_EQ((*latest)[1].run_id, only_of_b);
  EXPECT_NE(newest, newest_of_a);
}

TEST_P(StateStoreTest, TaskRunsAreSavedAndReplaced) {
  Job job = Create("daily sales");
  const orc::Run run = Enqueue(job.job_id);
  ASSERT_TRUE(Claim("worker-1"));
  TaskRun second{.run_id = run.run_id,
                 .task_id = job.tasks[1].task_id,
                 .task_name = "transform",
                 .task_order = 2,
                 .status = TaskRunStatus::kPending};
  TaskRun first = Extracting(job, run.run_id);
  ASSERT_TRUE(store_->SaveTaskRun(second, "worker-1").ok());
  ASSERT_TRUE(store_->SaveTaskRun(first, "worker-1").ok());

  first.status = TaskRunStatus::kSuccess;
  first.attempts = 3;
  first.errors = {"HTTP 503 from api", "timed out after 30 s"};
  first.error_message = "timed out after 30 s";
  first.finished_at = kStart + seconds(2);
  first.rows_extracted = 1000;
  first.rows_loaded = 998;
  first.bytes_read = 123456;
  first.bytes_total = 234567;
  first.rows_processed = 999;
  ASSERT_TRUE(store_->SaveTaskRun(first, "worker-1").ok());

  Result<std::vector<TaskRun>> task_runs = store_->GetTaskRuns(run.run_id);
  ASSERT_TRUE(task_runs.ok()) << task_runs.status().ToString();
  ASSERT_EQ(task_runs->size(), 2u);
  EXPECT_EQ((*task_runs)[0], first);
  EXPECT_EQ((*task_runs)[1], second);

  TaskRun orphan = first;
  orphan.run_id = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(store_->SaveTaskRun(orphan, "worker-1").code(), StatusCode::kNotFound);
}

// A worker whose lease expired while another took the run over must not overwrite what the new
// owner records; nor may anyone write to a run that is not running.
TEST_P(StateStoreTest, OnlyTheRunsOwnerSavesItsTaskRuns) {
  Job job = Create("daily sales");
  const orc::Run run = Enqueue(job.job_id);
  TaskRun task_run = Extracting(job, run.run_id);
  const Status queued = store_->SaveTaskRun(task_run, "worker-1");
  EXPECT_EQ(queued.code(), StatusCode::kConflict) << queued.ToString();
  EXPECT_NE(queued.message().find("is queued, not running"), std::string::npos) << queued.message();

  ASSERT_TRUE(Claim("worker-1"));
  ASSERT_TRUE(store_->SaveTaskRun(task_run, "worker-1").ok());
  // worker-1's lease runs out and worker-2 gets the run.
  clock_.Advance(kLease + seconds(1));
  ASSERT_TRUE(store_->ReclaimExpiredLeases(std::chrono::seconds(5)).ok());
  ASSERT_TRUE(Claim("worker-2"));
  task_run.attempts = 2;
  ASSERT_TRUE(store_->SaveTaskRun(task_run, "worker-2").ok());

  TaskRun stale = task_run;
  stale.attempts = 1;
  stale.status = TaskRunStatus::kFailed;
  stale.error_message = "from the worker that lost the run";
  const Status lost = store_->SaveTaskRun(stale, "worker-1");
  EXPECT_EQ(lost.code(), StatusCode::kConflict) << lost.ToString();
  EXPECT_NE(lost.message().find("held by 'worker-2'"), std::string::npos) << lost.message();
  Result<std::vector<TaskRun>> saved = store_->GetTaskRuns(run.run_id);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ((*saved)[0], task_run);

  ASSERT_TRUE(store_->FinishRun(run.run_id, "worker-2", {}).ok());
  EXPECT_EQ(store_->SaveTaskRun(task_run, "worker-2").code(), StatusCode::kConflict);
}

TEST_P(StateStoreTest, FinishSavesTheFinalTaskRunsAtomically) {
  Job job = Create("daily sales");
  orc::Run run = Enqueue(job.job_id);
  ASSERT_TRUE(Claim("worker-1"));
  TaskRun done{.run_id = run.run_id,
               .task_id = job.tasks[0].task_id,
               .task_name = "extract",
               .task_order = 1,
               .status = TaskRunStatus::kSuccess,
               .attempts = 1,
               .finished_at = kStart,
               .rows_loaded = 7,
               .bytes_read = 300,
               .bytes_total = 300,
               .rows_processed = 7};
  TaskRun other = done;
  other.run_id = Enqueue(job.job_id).run_id;
  // A task run of another run is refused, and nothing of the finish is saved.
  Result<orc::Run> failed = store_->FinishRun(run.run_id, "worker-1", {.task_runs = {done, other}});
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(failed.status().message().find("cannot save a task run of run '" + other.run_id),
            std::string::npos)
      << failed.status().message();
  EXPECT_EQ(store_->GetRun(run.run_id)->status, RunStatus::kRunning);
  EXPECT_TRUE(store_->GetTaskRuns(run.run_id)->empty());

  ASSERT_TRUE(
      store_->FinishRun(run.run_id, "worker-1", {.rows_loaded = 7, .task_runs = {done}}).ok());
  EXPECT_EQ(store_->GetRun(run.run_id)->status, RunStatus::kSuccess);
  ASSERT_EQ(store_->GetTaskRuns(run.run_id)->size(), 1u);
  EXPECT_EQ(store_->GetTaskRuns(run.run_id)->front(), done);
}

TEST_P(StateStoreTest, RunLogsAreNumberedAndCapped) {
  store_ = Open({.max_log_lines_per_run = 5});
  Job job = Create("daily sales");
  orc::Run run = Enqueue(job.job_id);
  std::vector<RunLogLine> lines;
  for (int i = 1; i <= 3; ++i) {
    lines.push_back({.time = kStart + milliseconds(i),
                     .level = "info",
                     .task_name = "extract",
                     .message = "line " + std::to_string(i)});
  }
  ASSERT_TRUE(store_->AppendRunLogs(run.run_id, lines).ok());
  ASSERT_TRUE(store_->AppendRunLogs(run.run_id, lines).ok());  // lines 4-6: 5 is the cap

  Result<std::vector<RunLogLine>> all = store_->GetRunLogs(run.run_id, 0, 100);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0], (RunLogLine{1, kStart + milliseconds(1), "info", "extract", "line 1"}));
  EXPECT_EQ((*all)[3].line, 4);
  EXPECT_EQ((*all)[3].message, "line 1");
  EXPECT_EQ((*all)[4].level, "warn");
  EXPECT_NE((*all)[4].message.find("log truncated"), std::string::npos);

  Result<std::vector<RunLogLine>> after = store_->GetRunLogs(run.run_id, 3, 1);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].line, 4);
  EXPECT_EQ(store_->AppendRunLogs("00000000-0000-4000-8000-000000000000", lines).code(),
            StatusCode::kNotFound);
}

TEST_P(StateStoreTest, ConcurrentAppendersNumberTheirLinesWithoutGapsOrRepeats) {
  constexpr int kThreads = 4;
  constexpr int kAppends = 25;
  Job job = Create("daily sales");
  const orc::Run run = Enqueue(job.job_id);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        const std::string message = std::to_string(t) + "/" + std::to_string(i);
        const Status appended =
            store_->AppendRunLogs(run.run_id, {{.time = kStart, .message = message + " a"},
                                               {.time = kStart, .message = message + " b"}});
        EXPECT_TRUE(appended.ok()) << appended.ToString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  Result<std::vector<RunLogLine>> all = store_->GetRunLogs(run.run_id, 0, 1000);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), static_cast<size_t>(kThreads * kAppends * 2));
  std::map<int, int> next_append;  // per thread, in the order its lines were numbered
  for (size_t i = 0; i < all->size(); i += 2) {
    const RunLogLine& a = (*all)[i];
    const RunLogLine& b = (*all)[i + 1];
    ASSERT_EQ(a.line, static_cast<int64_t>(i) + 1);
    ASSERT_EQ(b.line, static_cast<int64_t>(i) + 2);
    // An append's two lines are numbered together, and each thread's appends in its order.
    const std::string message = a.message.substr(0, a.message.size() - 2);
    EXPECT_EQ(b.message, message + " b");
    const int thread = std::stoi(message.substr(0, message.find('/')));
    EXPECT_EQ(message, std::to_string(thread) + "/" + std::to_string(next_append[thread]++));
  }
}

TEST_P(StateStoreTest, TimesKeepSubSecondPrecision) {
  Job job = Create("daily sales", 10);
  orc::Run first = Enqueue(job.job_id);
  clock_.Advance(std::chrono::microseconds(1));
  orc::Run second = Enqueue(job.job_id);
  EXPECT_EQ(second.queued_at - first.queued_at, std::chrono::microseconds(1));
  EXPECT_EQ(store_->ListRuns({})->items[0].run_id, second.run_id);
}

TEST_P(StateStoreTest, ReopeningAppliesNoMigrationTwice) {
  if (GetParam() == TestBackend::kMemory) GTEST_SKIP() << "a memory store has no schema";
  store_.reset();
  store_ = Open();
  ASSERT_TRUE(store_);
  EXPECT_TRUE(store_->Ping().ok());
  Create("still works");
}

TEST_P(StateStoreTest, ConcurrentClaimersTakeEachRunExactlyOnce) {
  constexpr int kRuns = 10000;
  constexpr int kThreads = 8;
  constexpr int kJobs = 10;
  std::vector<std::string> job_ids;
  for (int j = 0; j < kJobs; ++j) job_ids.push_back(Create("job " + std::to_string(j), 4).job_id);
  std::set<std::string> enqueued;
  for (int i = 0; i < kRuns; ++i) enqueued.insert(Enqueue(job_ids[i % kJobs]).run_id);

  std::mutex mutex;
  std::multiset<std::string> claimed;
  std::atomic<int> errors{0};
  OnWorkers(kThreads, [&](const std::string& owner) {
    while (true) {
      Result<std::optional<orc::Run>> run = store_->ClaimRun(owner, kLease);
      if (!run.ok()) {
        ADD_FAILURE() << run.status().ToString();
        ++errors;
        continue;
      }
      if (!*run) break;
      if (Status finished = store_->FinishRun((*run)->run_id, owner, {}).status(); !finished.ok()) {
        ADD_FAILURE() << finished.ToString();
        ++errors;
      }
      std::lock_guard lock(mutex);
      claimed.insert((*run)->run_id);
    }
  });
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kRuns));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), enqueued);
  EXPECT_EQ(store_->ListRuns({.status = RunStatus::kSuccess})->total, kRuns);
}

TEST_P(StateStoreTest, ConcurrentClaimersNeverExceedMaxActiveRuns) {
  constexpr int kRuns = 200;
  Job job = Create("limited", 2);
  for (int i = 0; i < kRuns; ++i) Enqueue(job.job_id);
  std::atomic<int> done{0};
  std::atomic<int64_t> most_running{0};
  OnWorkers(6, [&](const std::string& owner) {
    while (done < kRuns) {
      Result<std::optional<orc::Run>> run = store_->ClaimRun(owner, kLease);
      if (!run.ok() || !*run) continue;
      // While this claim is held, the store must show at most max_active_runs running.
      const int64_t running =
          store_->ListRuns({.job_id = job.job_id, .status = RunStatus::kRunning})->total;
      int64_t seen = most_running;
      while (running > seen && !most_running.compare_exchange_weak(seen, running)) {
      }
      EXPECT_TRUE(store_->FinishRun((*run)->run_id, owner, {}).ok());
      ++done;
    }
  });
  EXPECT_EQ(done, kRuns);
  EXPECT_GE(most_running, 1);
  EXPECT_LE(most_running, 2);
}

TEST_P(StateStoreTest, ClaimersOfOneJobTakeTurnsInsteadOfComingBackEmpty) {
  // A backfill: many queued runs of one job, far under its limit. Claimers racing for the job
  // must each get a run; a claim that finds nothing would send a worker to sleep with work left.
  constexpr int kRuns = 300;
  constexpr int kThreads = 6;
  Job job = Create("backfill", 1000);
  for (int i = 0; i < kRuns; ++i) Enqueue(job.job_id);
  std::atomic<int> claimed{0};
  std::atomic<int> empty{0};
  OnWorkers(kThreads, [&](const std::string& owner) {
    for (int i = 0; i < kRuns / kThreads; ++i) {
      Result<std::optional<orc::Run>> run = store_->ClaimRun(owner, kLease);
      ASSERT_TRUE(run.ok()) << run.status().ToString();
      if (!*run) {
        ++empty;
        continue;
      }
      ++claimed;
      EXPECT_TRUE(store_->FinishRun((*run)->run_id, owner, {}).ok());
    }
  });
  EXPECT_EQ(empty, 0);
  EXPECT_EQ(claimed, kRuns);
}

TEST_P(StateStoreTest, EnqueueSlotsSkipsSlotsThatHaveARunAndReportsTheLatest) {
  const Job job = Create("slots");
  const TimePoint first = kStart + std::chrono::minutes(1);
  const TimePoint second = kStart + std::chrono::minutes(2);
  auto slot = [&](TimePoint at) {
    return NewRun{
        .job_id = job.job_id, .triggered_by = TriggeredBy::kScheduler, .scheduled_for = at};
  };
  Result<std::vector<orc::Run>> created = store_->EnqueueSlots({slot(first)});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->size(), 1u);
  EXPECT_EQ((*created)[0].scheduled_for, first);
  EXPECT_EQ((*created)[0].triggered_by, TriggeredBy::kScheduler);

  created = store_->EnqueueSlots({slot(first), slot(second)});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->size(), 1u) << "the first slot had its run already";
  EXPECT_EQ((*created)[0].scheduled_for, second);

  Result<std::map<std::string, TimePoint>> latest = store_->LatestSlots();
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->at(job.job_id), second);

  Result<std::vector<orc::Run>> unknown = store_->EnqueueSlots(
      {NewRun{.job_id = "00000000-0000-4000-8000-000000000000", .scheduled_for = first}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST_P(StateStoreTest, ABatchOfSlotsComesBackInTheOrderAskedWithRepeatsQueuedOnce) {
  const Job a = Create("a");
  const Job b = Create("b");
  const TimePoint at = kStart + std::chrono::minutes(1);
  auto slot = [&](const Job& job, TimePoint when) {
    return NewRun{
        .job_id = job.job_id, .triggered_by = TriggeredBy::kScheduler, .scheduled_for = when};
  };
  Result<std::vector<orc::Run>> created =
      store_->EnqueueSlots({slot(b, at), slot(a, at + seconds(1)), slot(b, at), slot(a, at)});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(created->size(), 3u) << "b's slot asked twice is queued once";
  EXPECT_EQ((*created)[0].job_id, b.job_id);
  EXPECT_EQ((*created)[1].job_id, a.job_id);
  EXPECT_EQ((*created)[1].scheduled_for, at + seconds(1));
  EXPECT_EQ((*created)[2].job_id, a.job_id);
  EXPECT_EQ((*created)[2].scheduled_for, at);
  Result<std::vector<orc::Run>> unknown = store_->EnqueueSlots(
      {slot(a, at + seconds(2)),
       NewRun{.job_id = "00000000-0000-4000-8000-000000000000", .scheduled_for = at}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("00000000-0000-4000-8000-000000000000"),
            std::string::npos);
  EXPECT_EQ(store_->ListRuns({.limit = 10, .job_id = a.job_id})->items.size(), 2u)
      << "a batch with an unknown job queues nothing";
}

TEST_P(StateStoreTest, APausedJobGetsNoScheduledSlotButItsBackfillStillQueues) {
  Job job = Create("paused");
  job.is_active = false;
  ASSERT_TRUE(store_->ReplaceJob(job).ok());
  const TimePoint at = kStart + std::chrono::minutes(1);
  Result<std::vector<orc::Run>> scheduled = store_->EnqueueSlots(
      {NewRun{.job_id = job.job_id, .triggered_by = TriggeredBy::kScheduler, .scheduled_for = at}});
  ASSERT_TRUE(scheduled.ok()) << scheduled.status().ToString();
  EXPECT_TRUE(scheduled->empty()) << "a scheduler that has not heard of the pause yet";
  Result<std::vector<orc::Run>> backfilled = store_->EnqueueSlots(
      {NewRun{.job_id = job.job_id, .triggered_by = TriggeredBy::kBackfill, .scheduled_for = at}});
  ASSERT_TRUE(backfilled.ok()) << backfilled.status().ToString();
  EXPECT_EQ(backfilled->size(), 1u);
}

TEST_P(StateStoreTest, NodesRegisterHeartbeatAndDeregister) {
  const NodeInfo node{.node_id = "host-a:10:abcd",
                      .host = "host-a",
                      .roles = {"api", "worker"},
                      .version = "1.2.3",
                      .started_at = kStart,
                      .workers = 4};
  ASSERT_TRUE(store_->RegisterNode(node).ok());
  clock_.Advance(seconds(2));
  ASSERT_TRUE(store_
                  ->RegisterNode(NodeInfo{.node_id = "host-b:11:ef01",
                                          .host = "host-b",
                                          .roles = {"scheduler"},
                                          .version = "1.2.3",
                                          .started_at = kStart + seconds(2)})
                  .ok());
  clock_.Advance(milliseconds(1500));
  ASSERT_TRUE(store_->HeartbeatNode("host-a:10:abcd", 3).ok());

  Result<std::vector<NodeInfo>> nodes = store_->ListNodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ(nodes->size(), 2u);
  const NodeInfo& a = (*nodes)[0];  // oldest first
  EXPECT_EQ(a.node_id, "host-a:10:abcd");
  EXPECT_EQ(a.host, "host-a");
  EXPECT_EQ(a.roles, (std::vector<std::string>{"api", "worker"}));
  EXPECT_EQ(a.version, "1.2.3");
  EXPECT_EQ(a.started_at, kStart);
  EXPECT_EQ(a.heartbeat_at, kStart + milliseconds(3500));
  EXPECT_EQ(a.workers, 4);
  EXPECT_EQ(a.workers_busy, 3);
  EXPECT_EQ((*nodes)[1].roles, std::vector<std::string>{"scheduler"});
  EXPECT_EQ((*nodes)[1].heartbeat_at, kStart + seconds(2));

  ASSERT_TRUE(store_->DeregisterNode("host-a:10:abcd").ok());
  EXPECT_EQ(store_->HeartbeatNode("host-a:10:abcd", 0).code(), StatusCode::kNotFound)
      << "a deregistered node registers again";
  EXPECT_EQ(store_->ListNodes()->size(), 1u);
  // A node silent for a day is forgotten when another registers.
  clock_.Advance(std::chrono::hours(25));
  ASSERT_TRUE(store_->RegisterNode(node).ok());
  nodes = store_->ListNodes();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].node_id, "host-a:10:abcd");
}

TEST_P(StateStoreTest, RunsOfASilentNodeAreTakenBackBeforeTheirLeaseExpires) {
  const Job job = Create("nodes", /*max_active_runs=*/3);
  const orc::Run of_silent = Enqueue(job.job_id);
  clock_.Advance(milliseconds(1));  // claimed in this order
  const orc::Run of_live = Enqueue(job.job_id);
  clock_.Advance(milliseconds(1));
  const orc::Run of_unregistered = Enqueue(job.job_id);
  ASSERT_TRUE(store_->RegisterNode(NodeInfo{.node_id = "silent"}).ok());
  ASSERT_TRUE(store_->RegisterNode(NodeInfo{.node_id = "live"}).ok());
  ASSERT_EQ(Claim("silent")->run_id, of_silent.run_id);
  ASSERT_EQ(Claim("live")->run_id, of_live.run_id);
  ASSERT_EQ(Claim("old-binary")->run_id, of_unregistered.run_id);  // a node that never registers

  clock_.Advance(seconds(5));
  ASSERT_TRUE(store_->HeartbeatNode("live", 1).ok());
  Result<ReclaimedRuns> reclaimed = store_->ReclaimExpiredLeases(seconds(5));
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().ToString();
  EXPECT_TRUE(reclaimed->requeued.empty()) << "silent exactly the timeout: not yet lost";

  clock_.Advance(milliseconds(1));
  reclaimed = store_->ReclaimExpiredLeases(seconds(5));
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().ToString();
  EXPECT_EQ(reclaimed->requeued, std::vector<std::string>{of_silent.run_id});
  const orc::Run requeued = *store_->GetRun(of_silent.run_id);
  EXPECT_EQ(requeued.status, RunStatus::kQueued);
  EXPECT_NE(requeued.error_message.find("silent stopped answering"), std::string::npos)
      << requeued.error_message;
  // The silent node comes back: what it writes for the run is refused (its lease is gone).
  EXPECT_EQ(store_->RenewLease(of_silent.run_id, "silent", kLease).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(store_->SaveTaskRun(Extracting(job, of_silent.run_id), "silent").code(),
            StatusCode::kConflict);
  EXPECT_EQ(store_->FinishRun(of_silent.run_id, "silent", {}).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(store_->GetRun(of_live.run_id)->status, RunStatus::kRunning);
  EXPECT_EQ(store_->GetRun(of_unregistered.run_id)->status, RunStatus::kRunning)
      << "a node that never registered keeps its run until the lease expires";
  clock_.Advance(kLease);
  reclaimed = store_->ReclaimExpiredLeases(seconds(5));
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().ToString();
  std::vector<std::string> expired = reclaimed->requeued;
  std::sort(expired.begin(), expired.end());
  std::vector<std::string> expected = {of_live.run_id, of_unregistered.run_id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(expired, expected);
}

TEST_P(StateStoreTest, OneNodeHoldsATermAndAnotherTakesItOverOnceItExpires) {
  const Duration term = seconds(5);
  Result<Leadership> a = store_->TryLead("scheduler", "a", term);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->leading);
  EXPECT_FALSE(a->previous_renewed_at) << "nobody held it before";
  EXPECT_EQ(a->expires_at, kStart + term);

  clock_.Advance(seconds(1));
  Result<Leadership> b = store_->TryLead("scheduler", "b", term);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(b->leading);
  EXPECT_EQ(b->holder, "a");
  EXPECT_EQ(store_->CurrentTerm("scheduler")->holder, "a");
  EXPECT_EQ(store_->CurrentTerm("other")->holder, "") << "a term nobody took";

  a = store_->TryLead("scheduler", "a", term);  // renewed at kStart + 1 s
  EXPECT_TRUE(a->leading);
  EXPECT_FALSE(a->previous_renewed_at) << "a renewal is no takeover";
  EXPECT_EQ(a->expires_at, kStart + seconds(1) + term);

  clock_.Advance(term);  // exactly the end of a's term: still a's
  EXPECT_FALSE(store_->TryLead("scheduler", "b", term)->leading);
  clock_.Advance(milliseconds(1));
  b = store_->TryLead("scheduler", "b", term);
  ASSERT_TRUE(b->leading);
  ASSERT_TRUE(b->previous_renewed_at);
  EXPECT_EQ(*b->previous_renewed_at, kStart + seconds(1)) << "when a last renewed";
  EXPECT_FALSE(store_->TryLead("scheduler", "a", term)->leading) << "a comes back: b leads";

  // A clean stop hands the term on at once, with the time of the last renewal.
  ASSERT_TRUE(store_->StepDown("scheduler", "a").ok()) << "not a's: changes nothing";
  EXPECT_FALSE(store_->TryLead("scheduler", "a", term)->leading);
  clock_.Advance(seconds(1));
  ASSERT_TRUE(store_->StepDown("scheduler", "b").ok());
  a = store_->TryLead("scheduler", "a", term);
  ASSERT_TRUE(a->leading);
  EXPECT_EQ(*a->previous_renewed_at, kStart + seconds(6) + milliseconds(1));
}

TEST_P(StateStoreTest, ConcurrentCandidatesTakeATermOnce) {
  std::atomic<int> leaders{0};
  OnWorkers(8, [&](const std::string& owner) {
    Result<Leadership> term = store_->TryLead("scheduler", owner, seconds(5));
    EXPECT_TRUE(term.ok()) << term.status().ToString();
    if (term.ok() && term->leading) ++leaders;
  });
  EXPECT_EQ(leaders.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StateStoreTest,
                         ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgres,
                                           TestBackend::kMemory),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace orc
