// The PostgreSQL change feed: what the store announces reaches a listener in milliseconds, and a
// listener whose connection dropped comes back by itself and says so.
#include "state/change_feed.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "state/postgres/postgres_connection.h"
#include "state/state_store.h"
#include "support/printers.h"
#include "support/test_database.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using testing::TestBackend;
using testing::TestDatabase;

// What a feed handed on, in order, as "runs", "job:<id>", "cancel:<id>", "resumed".
class Heard {
 public:
  ChangeHandlers Handlers() {
    return {.runs_queued = [this] { Add("runs"); },
            .job_changed = [this](const std::string& id) { Add("job:" + id); },
            .cancel_requested = [this](const std::string& id) { Add("cancel:" + id); },
            .resumed = [this] { Add("resumed"); }};
  }

  // Waits up to `timeout` for `event`; true when it arrived (and forgets it).
  bool Await(const std::string& event, std::chrono::milliseconds timeout = 2000ms) {
    std::unique_lock lock(mutex_);
    const bool arrived = changed_.wait_for(lock, timeout, [&] {
      return std::find(events_.begin(), events_.end(), event) != events_.end();
    });
    if (arrived) events_.erase(std::find(events_.begin(), events_.end(), event));
    return arrived;
  }

 private:
  void Add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

TEST(ChangeFeedTest, WritesOfOneStoreReachTheListenerOfAnother) {
  TestDatabase database(TestBackend::kPostgres);
  Result<std::unique_ptr<StateStore>> store =
      OpenStateStore(*ParseDatabaseUrl(database.url()), SystemClock::Instance());
  ASSERT_TRUE(store.ok()) << store.status();
  Heard heard;
  std::unique_ptr<ChangeFeed> feed =
      OpenChangeFeed(*ParseDatabaseUrl(database.url()), heard.Handlers());
  ASSERT_NE(feed, nullptr);
  ASSERT_TRUE(feed->Start().ok());
  ASSERT_TRUE(heard.Await("resumed")) << "listening";
  EXPECT_TRUE(feed->listening());

  Result<Job> job = (*store)->CreateJob(
      Job{.job_name = "announced",
          .tasks = {Task{
              .task_name = "t",
              .transform_config = R"({"type":"sql","db_path":":memory:","sql":"select 1"})"}}});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(heard.Await("job:" + job->job_id));

  const auto started = std::chrono::steady_clock::now();
  Result<orc::Run> run = (*store)->EnqueueRun(NewRun{.job_id = job->job_id});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(heard.Await("runs"));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 100ms) << "enqueue to notification";

  ASSERT_TRUE((*store)->ClaimRun("a worker elsewhere", 30s).ok());
  ASSERT_TRUE((*store)->RequestCancel(run->run_id).ok());
  EXPECT_TRUE(heard.Await("cancel:" + run->run_id));

  // The listening session ends (a restart, a network cut): the feed listens again by itself and
  // says so, so that its process looks at what it may have missed.
  testing::ExecuteOnPostgresTestServer(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
      database.name() + "'");
  EXPECT_TRUE(heard.Await("resumed", 5000ms));
  // The store's own pooled connections were ended too: a write may fail once on one.
  bool enqueued = false;
  for (int i = 0; i < 3 && !enqueued; ++i) {
    enqueued = (*store)->EnqueueRun(NewRun{.job_id = job->job_id}).ok();
  }
  ASSERT_TRUE(enqueued);
  EXPECT_TRUE(heard.Await("runs"));
  feed->Stop();
}

// Anyone who may connect to the database may NOTIFY on orc's channels: a payload that is no id,
// or as long as PostgreSQL allows (just under 8,000 bytes), is handed on as text, and the feed
// goes on listening. (The handlers look the id up: an unknown one finds nothing.)
TEST(ChangeFeedTest, ForeignNotificationsAreHandedOnAsTextAndTheFeedListensOn) {
  TestDatabase database(TestBackend::kPostgres);
  Heard heard;
  std::unique_ptr<ChangeFeed> feed =
      OpenChangeFeed(*ParseDatabaseUrl(database.url()), heard.Handlers());
  ASSERT_NE(feed, nullptr);
  ASSERT_TRUE(feed->Start().ok());
  ASSERT_TRUE(heard.Await("resumed"));
  Result<std::unique_ptr<SqlConnection>> sender = OpenPostgresConnection(
      PostgresOptions{.uri = ParseDatabaseUrl(database.url())->postgres_uri});
  ASSERT_TRUE(sender.ok()) << sender.status();
  const std::string huge(7990, 'x');
  for (const auto& [channel, payload] :
       std::vector<std::pair<std::string, std::string>>{{"orc_jobs", "'; DROP TABLE jobs; --"},
                                                        {"orc_cancel", huge},
                                                        {"orc_runs", "unexpected"},
                                                        {"orc_other", "ignored"}}) {
    ASSERT_TRUE((*sender)->Execute("SELECT pg_notify($1, $2)", {channel, payload}).ok());
  }
  EXPECT_TRUE(heard.Await("job:'; DROP TABLE jobs; --"));
  EXPECT_TRUE(heard.Await("cancel:" + huge));
  EXPECT_TRUE(heard.Await("runs"));
  EXPECT_TRUE(feed->listening());
  ASSERT_TRUE((*sender)->Execute("SELECT pg_notify('orc_runs', '')", {}).ok());
  EXPECT_TRUE(heard.Await("runs")) << "still listening";
  feed->Stop();
}

TEST(ChangeFeedTest, SqliteHasNone) {
  TestDatabase database(TestBackend::kSqlite);
  EXPECT_EQ(OpenChangeFeed(*ParseDatabaseUrl(database.url()), {}), nullptr);
}

}  // namespace
}  // namespace orc
