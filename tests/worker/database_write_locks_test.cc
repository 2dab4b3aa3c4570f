#include "worker/database_write_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
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
  std::promise<void> waiting;
  std::thread second([&] {
    Interrupter own;
    auto held = locks.Acquire({"/d/a.duckdb"}, own, [&] { waiting.set_value(); });
    acquired = held.ok();
  });
  // The second thread may start late on a busy machine: wait for it to wait, not a fixed time.
  EXPECT_EQ(waiting.get_future().wait_for(30s), std::future_status::ready);
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
  std::promise<void> waiting;
  std::thread cancel([&] {
    waiting.get_future().wait();  // the waiter found the file held
    waiter.Interrupt(CancelledError("cancelled by request"));
  });
  auto waited = locks.Acquire({"/d/a.duckdb", "/d/b.duckdb"}, waiter, [&] { waiting.set_value(); });
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
