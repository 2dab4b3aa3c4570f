// What only the PostgreSQL backend does: connections, credentials, a server that goes away, and
// several processes starting on one database.
#include <gtest/gtest.h>

#include <future>
#include <regex>
#include <thread>

#include "state/retried_calls.h"
#include "state/state_store.h"
#include "support/test_database.h"

namespace orc {
namespace {

using testing::ExecuteOnPostgresTestServer;
using testing::PostgresTestServerUrl;
using testing::TestBackend;
using testing::TestDatabase;

Result<std::unique_ptr<StateStore>> OpenUrl(const std::string& url,
                                            StateStoreOptions options = {}) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) return parsed.status();
  return OpenStateStore(*parsed, SystemClock::Instance(), options);
}

TEST(PostgresStateStoreTest, WrongPasswordFailsAtOnceWithoutEchoingIt) {
  const std::string url = std::regex_replace(
      PostgresTestServerUrl(), std::regex(":orc-test-password@"), ":not-the-password@");
  const auto started = std::chrono::steady_clock::now();
  Result<std::unique_ptr<StateStore>> store = OpenUrl(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnauthenticated) << store.status().ToString();
  EXPECT_NE(store.status().message().find("password authentication failed"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("orc:***@127.0.0.1"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find("not-the-password"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(PostgresStateStoreTest, UnreachableServerIsRetriedForTheTimeoutThenReported) {
  // A port nothing listens on: bind one, note it, close it.
  const std::string url = "postgres://orc:secret@127.0.0.1:1/orc";
  const auto started = std::chrono::steady_clock::now();
  Result<std::unique_ptr<StateStore>> store =
      OpenUrl(url, {.connect_timeout = std::chrono::milliseconds(1500)});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("127.0.0.1:1"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("gave up after"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find("secret"), std::string::npos);
  EXPECT_GE(took, std::chrono::milliseconds(700));
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(PostgresStateStoreTest, MissingDatabaseIsNotRetried) {
  const std::string url =
      std::regex_replace(PostgresTestServerUrl(), std::regex("/orc$"), "/no_such_database");
  Result<std::unique_ptr<StateStore>> store = OpenUrl(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
  EXPECT_NE(store.status().message().find("does not exist"), std::string::npos);
}

TEST(PostgresStateStoreTest, DroppedConnectionsAreReopened) {
  TestDatabase database(TestBackend::kPostgres);
  Result<std::unique_ptr<StateStore>> opened = OpenUrl(database.url(), {.max_connections = 2});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  StateStore& store = **opened;
  ASSERT_TRUE(store.Ping().ok());

  // The server ends every session of this store (and of no test running beside this one).
  const auto end_sessions = [&] {
    ExecuteOnPostgresTestServer(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
        database.name() + "'");
  };
  end_sessions();
  // A read that meets a dead connection is tried again on a fresh one.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(store.Ping().ok());
  // A write that meets one fails (it may have committed before the break); later ones do not.
  end_sessions();
  int failures = 0;
  for (int i = 0; i < 10; ++i) {
    Job job;
    job.job_name = "after the drop " + std::to_string(i);
    if (!store.CreateJob(job).ok()) ++failures;
  }
  EXPECT_GE(failures, 1);  // the store's sessions were really ended
  EXPECT_LE(failures, 2);  // at most once per pooled connection
  Job job;
  job.job_name = "after the drops";
  EXPECT_TRUE(store.CreateJob(job).ok());
}

TEST(PostgresStateStoreTest, ConcurrentStartupsMigrateOnce) {
  TestDatabase database(TestBackend::kPostgres);
  std::vector<std::future<Status>> startups;
  for (int i = 0; i < 6; ++i) {
    startups.push_back(std::async(std::launch::async, [&] {
      Result<std::unique_ptr<StateStore>> store = OpenUrl(database.url());
      return store.ok() ? (*store)->Ping() : store.status();
    }));
  }
  for (auto& startup : startups) {
    Status status = startup.get();
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
}

TEST(PostgresStateStoreTest, SchemaNewerThanTheBinaryIsRefused) {
  TestDatabase database(TestBackend::kPostgres);
  ASSERT_TRUE(OpenUrl(database.url()).ok());
  ExecuteOnPostgresTestServer("INSERT INTO " + database.name() +
                              ".schema_migrations VALUES (999, 'from the future', 0)");
  Result<std::unique_ptr<StateStore>> store = OpenUrl(database.url());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 999"), std::string::npos);
}

TEST(PostgresStateStoreTest, RunsAreFoundThroughIndexesWhenStatisticsSayTheTableIsSmall) {
  // Statistics taken while the tables were small (a new or quiet installation) make plans that
  // read the whole table, and a connection keeps its plans while the table grows under a burst.
  // The statements of running runs must look runs up through an index all the same.
  TestDatabase database(TestBackend::kPostgres);
  constexpr int kSmall = 5;
  constexpr int kRuns = 300;
  {
    Result<std::unique_ptr<StateStore>> opened = OpenUrl(database.url(), {.max_connections = 2});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    StateStore& store = **opened;
    Job job;
    job.job_name = "busy from the start";
    job.tasks.push_back(Task{.task_name = "load", .transform_config = R"({"type":"sql"})"});
    Result<Job> created = store.CreateJob(job);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    for (int i = 0; i < kSmall + kRuns; ++i) {
      if (i == kSmall) {
        ExecuteOnPostgresTestServer("VACUUM ANALYZE " + database.name() + ".runs, " +
                                    database.name() + ".task_runs, " + database.name() + ".jobs");
      }
      ASSERT_TRUE(store.EnqueueRun({.job_id = created->job_id}).ok());
      Result<std::optional<orc::Run>> run = store.ClaimRun("worker", std::chrono::seconds(60));
      ASSERT_TRUE(run.ok() && *run) << run.status().ToString();
      const std::string& run_id = (*run)->run_id;
      TaskRun task_run{.run_id = run_id,
                       .task_id = created->tasks[0].task_id,
                       .task_name = "load",
                       .task_order = 1,
                       .status = TaskRunStatus::kRunning,
                       .attempts = 1};
      ASSERT_TRUE(store.SaveTaskRun(task_run, "worker").ok());
      ASSERT_TRUE(store.RenewLease(run_id, "worker", std::chrono::seconds(60)).ok());
      task_run.status = TaskRunStatus::kSuccess;
      ASSERT_TRUE(store.FinishRun(run_id, "worker", {.task_runs = {task_run}}).ok());
    }
  }  // the store's sessions end, and report their statistics as they go
  // Updates of runs, its rows read by sequential scans, and the scans of its queue and lease
  // indexes: each claim reads the queue once (and then its run by id), nothing else reads them.
  const std::string schema = "schemaname = '" + database.name() + "'";
  const std::string stats =
      "SELECT CONCAT(t.n_tup_upd, ' ', t.seq_tup_read, ' ', q.idx_scan, ' ', l.idx_scan) "
      "FROM pg_stat_user_tables t, pg_stat_user_indexes q, pg_stat_user_indexes l WHERE t." +
      schema + " AND t.relname = 'runs' AND q." + schema + " AND q.indexrelname = 'runs_queue' " +
      "AND l." + schema + " AND l.indexrelname = 'runs_lease'";
  const int total = kSmall + kRuns;
  std::string counts;
  for (int attempt = 0; attempt < 100; ++attempt) {
    counts = ExecuteOnPostgresTestServer(stats);
    if (counts.starts_with(std::to_string(3 * total) + " ")) break;  // claims, heartbeats, finishes
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(counts, std::to_string(3 * total) + " 0 " + std::to_string(total) + " 0");
}

TEST(PostgresStateStoreTest, BusyClaimersOfJobsAtTheirLimitNeverDeadlock) {
  // Workers that each enqueue, claim and finish runs of three jobs that run one run at a time:
  // claims keep meeting jobs at their limit and runs other claimers hold. The server counts the
  // deadlocks it broke, for the whole database (a deadlock in a test running beside this one
  // counts too, and would be as much a bug): none may happen, as each stalls its claims for a
  // second and then fails them. A claim that locked its candidate's job row with the run deadlocked
  // here 1 to 6 times in 1,600 lifecycles.
  TestDatabase database(TestBackend::kPostgres);
  constexpr int kThreads = 8;
  constexpr int kJobs = 3;
  constexpr int kLifecycles = 400;
  const std::string deadlocks =
      "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()";
  const int64_t before = std::stoll(ExecuteOnPostgresTestServer(deadlocks));
  {
    Result<std::unique_ptr<StateStore>> opened =
        OpenUrl(database.url(), {.max_connections = kThreads});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    StateStore& store = **opened;
    std::vector<std::string> jobs;
    for (int t = 0; t < kJobs; ++t) {
      Job job;
      job.job_name = "one at a time " + std::to_string(t);
      jobs.push_back(store.CreateJob(job)->job_id);
    }
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const std::string owner = "worker-" + std::to_string(t);
        for (int i = 0; i < kLifecycles; ++i) {
          if (!store.EnqueueRun({.job_id = jobs[t % kJobs]}).ok()) ++errors;
          Result<std::optional<orc::Run>> run = store.ClaimRun(owner, std::chrono::seconds(60));
          if (!run.ok()) ++errors;
          if (!run.ok() || !*run) continue;
          if (!store.FinishRun((*run)->run_id, owner, {}).ok()) ++errors;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(errors, 0);
  }  // the sessions end and report what they counted
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(std::stoll(ExecuteOnPostgresTestServer(deadlocks)), before);
}

TEST(PostgresStateStoreTest, ValuesOutsideTheirRangesAreRefused) {
  TestDatabase database(TestBackend::kPostgres);
  Result<std::unique_ptr<StateStore>> opened = OpenUrl(database.url());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Job job;
  job.job_name = "strict";
  Result<Job> created = (*opened)->CreateJob(job);
  ASSERT_TRUE(created.ok());
  Result<orc::Run> run = (*opened)->EnqueueRun({.job_id = created->job_id});
  ASSERT_TRUE(run.ok());
  const std::string runs = database.name() + ".runs";
  const std::string where = " WHERE run_id = '" + run->run_id + "'";
  EXPECT_THROW(ExecuteOnPostgresTestServer("UPDATE " + runs + " SET status = 'done'" + where),
               std::runtime_error);
  EXPECT_THROW(ExecuteOnPostgresTestServer("UPDATE " + runs + " SET triggered_by = 'cron'" + where),
               std::runtime_error);
  EXPECT_EQ(
      ExecuteOnPostgresTestServer("SELECT status || ' ' || triggered_by FROM " + runs + where),
      "queued manual");
  const std::string jobs = database.name() + ".jobs";
  const std::string job_row = " WHERE job_id = '" + created->job_id + "'";
  EXPECT_THROW(ExecuteOnPostgresTestServer("UPDATE " + jobs + " SET max_active_runs = 0" + job_row),
               std::runtime_error);
  EXPECT_EQ(ExecuteOnPostgresTestServer("SELECT max_active_runs FROM " + jobs + job_row), "1");
}

TEST(PostgresStateStoreTest, RetriedCallsStartOver) {
  testing::ExpectRetriedCallsStartOver(TestBackend::kPostgres);
}

}  // namespace
}  // namespace orc
