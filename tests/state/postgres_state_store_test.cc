// What only the PostgreSQL backend does: connections, credentials, a server that goes away, and
// several processes starting on one database.
#include <gtest/gtest.h>

#include <future>
#include <regex>
#include <thread>

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
  ExecuteOnPostgresTestServer(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
      database.name() + "'");
  // The call that meets a dead connection may fail; later calls must not.
  int failures = 0;
  for (int i = 0; i < 10; ++i) {
    if (!store.Ping().ok()) ++failures;
  }
  EXPECT_GE(failures, 1);  // the store's session was really ended
  EXPECT_LE(failures, 2);  // at most once per pooled connection
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(store.Ping().ok());
  Job job;
  job.job_name = "after the drop";
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

}  // namespace
}  // namespace orc
