#include "worker/database_write_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace orc {
namespace {

using namespace std::chrono_literals;

TEST(DatabaseWriteLocksTest, OneHolderPerFileAtATime) {
  DatabaseWriteLocks locks;
  Interrupter interrupter;
  auto first = locks.Acquire({"/d/a.duckdb"}, interrupter);
  ASSERT_TRUE(first.ok());
  // Another file is free.
  EXPECT_TRUE(locks.Acquire({"/d/b.duckdb"}, interrupter).ok());
  std::atomic<bool> acquired{false};
  std::atomic<bool> waited{false};
  std::thread second([&] {
    Interrupter own;
    auto held = locks.Acquire({"/d/a.duckdb"}, own, [&] { waited = true; });
    acquired = held.ok();
  });
  // The second thread may start late on a busy machine: wait for it to wait, not a fixed time.
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !waited && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(waited);
  EXPECT_FALSE(acquired);
  *first = DatabaseWriteLocks::Held();  // released
  second.join();
  EXPECT_TRUE(acquired);
}

TEST(DatabaseWriteLocksTest, AnInterruptEndsTheWaitWithItsReason) {
  DatabaseWriteLocks locks;
  Interrupter holder;
  auto held = locks.Acquire({"/d/a.duckdb"}, holder);
  ASSERT_TRUE(held.ok());
  Interrupter waiter;
  std::thread cancel([&] {
    std::this_thread::sleep_for(30ms);
    waiter.Interrupt(CancelledError("cancelled by request"));
  });
  auto waited = locks.Acquire({"/d/a.duckdb", "/d/b.duckdb"}, waiter);
  cancel.join();
  EXPECT_EQ(waited.status(), CancelledError("cancelled by request"));
  // Nothing of the failed acquisition stays held.
  Interrupter other;
  EXPECT_TRUE(locks.Acquire({"/d/b.duckdb"}, other).ok());
}

TEST(DatabaseWriteLocksTest, NoFilesNeedNoLock) {
  DatabaseWriteLocks locks;
  Interrupter interrupter;
  interrupter.Interrupt(CancelledError("x"));
  EXPECT_TRUE(locks.Acquire({}, interrupter).ok());
}

}  // namespace
}  // namespace orc
