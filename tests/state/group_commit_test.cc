#include "state/sql/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "state/sqlite/sqlite_connection.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const SqliteOptions options{.path = directory_.File("group.db")};
    pool_ =
        std::make_unique<ConnectionPool>([options] { return OpenSqliteConnection(options); }, 1);
    auto connection = pool_->Acquire();
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->ExecuteScript("CREATE TABLE items (id INTEGER PRIMARY KEY)").ok());
  }

  int64_t Count() {
    auto connection = pool_->Acquire();
    return (*connection)->Execute("SELECT COUNT(*) FROM items", {})->Int(0, 0);
  }

  testing::TempDir directory_;
  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(GroupCommitTest, ConcurrentWritesSucceedOrFailEachOnItsOwn) {
  GroupCommitter committer(*pool_);
  constexpr int kThreads = 8;
  constexpr int kWrites = 250;
  std::atomic<int> stored{0};
  std::atomic<int> rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        // Every tenth write reuses id 0, which the first of them took: a unique violation that
        // must fail that write alone, not the others sharing its transaction.
        const int64_t id = i % 10 == 0 ? 0 : int64_t{t} * kWrites + i;
        const std::vector<SqlValue> params = {SqlValue(id)};
        Status status = committer.Run([&params](SqlConnection& connection) {
          return connection.Execute("INSERT INTO items (id) VALUES ($1)", params).status();
        });
        if (status.ok()) {
          ++stored;
        } else {
          EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
          ++rejected;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const int duplicates = kThreads * kWrites / 10;
  EXPECT_EQ(rejected, duplicates - 1);
  EXPECT_EQ(stored, kThreads * kWrites - duplicates + 1);
  EXPECT_EQ(Count(), stored);
}

TEST_F(GroupCommitTest, AFailedMultiStatementWriteLeavesNothingBehind) {
  GroupCommitter committer(*pool_);
  Status status = committer.Run([](SqlConnection& connection) -> Status {
    ORC_RETURN_IF_ERROR(connection.Execute("INSERT INTO items (id) VALUES (1)", {}).status());
    return connection.Execute("INSERT INTO items (id) VALUES (1)", {}).status();
  });
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Count(), 0);
  EXPECT_TRUE(committer
                  .Run([](SqlConnection& connection) {
                    return connection.Execute("INSERT INTO items (id) VALUES (1)", {}).status();
                  })
                  .ok());
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace orc
