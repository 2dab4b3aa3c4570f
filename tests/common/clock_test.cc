#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace orc {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

TEST(FakeClockTest, MovesOnlyWhenTold) {
  FakeClock clock(kStart);
  EXPECT_EQ(clock.Now(), kStart);
  clock.Advance(seconds(90));
  EXPECT_EQ(clock.Now(), kStart + seconds(90));
  clock.Set(kStart - hours(1));
  EXPECT_EQ(clock.Now(), kStart - hours(1));
}

TEST(FakeClockTest, PastDeadlineReturnsAtOnce) {
  FakeClock clock(kStart);
  WakeSignal signal;
  EXPECT_EQ(clock.WaitUntil(signal, kStart), WaitResult::kDeadlineReached);
  EXPECT_EQ(clock.WaitUntil(signal, kStart - seconds(1)), WaitResult::kDeadlineReached);
}

TEST(FakeClockTest, WaiterWakesWhenTimeReachesDeadline) {
  FakeClock clock(kStart);
  WakeSignal signal;
  auto waiter =
      std::async(std::launch::async, [&] { return clock.WaitUntil(signal, kStart + seconds(10)); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(seconds(9));
  // Still short of the deadline: the waiter is still asleep.
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(waiter.wait_for(seconds(0)), std::future_status::timeout);
  clock.Advance(seconds(1));
  EXPECT_EQ(waiter.get(), WaitResult::kDeadlineReached);
  EXPECT_EQ(clock.WaiterCount(), 0);
}

TEST(FakeClockTest, WakeEndsTheWaitEarly) {
  FakeClock clock(kStart);
  WakeSignal signal;
  auto waiter =
      std::async(std::launch::async, [&] { return clock.WaitUntil(signal, kStart + hours(24)); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  signal.Wake();
  EXPECT_EQ(waiter.get(), WaitResult::kWoken);
  EXPECT_EQ(clock.Now(), kStart);
}

TEST(FakeClockTest, WakeBeforeWaitIsNotLost) {
  FakeClock clock(kStart);
  WakeSignal signal;
  signal.Wake();
  EXPECT_EQ(clock.WaitUntil(signal, kStart + hours(1)), WaitResult::kWoken);
  // The wake was consumed: the next wait runs to its deadline.
  auto waiter =
      std::async(std::launch::async, [&] { return clock.WaitUntil(signal, kStart + hours(1)); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(hours(1));
  EXPECT_EQ(waiter.get(), WaitResult::kDeadlineReached);
}

TEST(FakeClockTest, ManyWaitersAdvancingConcurrentlyNeverHang) {
  FakeClock clock(kStart);
  constexpr int kWaiters = 8;
  constexpr int kRounds = 200;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&clock, i] {
      WakeSignal signal;
      for (int round = 1; round <= kRounds; ++round) {
        clock.WaitUntil(signal, kStart + seconds(round * kWaiters + i));
      }
    });
  }
  const TimePoint end = kStart + seconds((kRounds + 1) * kWaiters);
  while (clock.Now() < end) clock.Advance(seconds(1));
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(clock.WaiterCount(), 0);
}

TEST(FakeClockTest, AwaitWaitersReturnsOnceTheThreadsSleep) {
  FakeClock clock(kStart);
  WakeSignal first_signal;
  WakeSignal second_signal;
  std::thread first([&] { clock.WaitUntil(first_signal, kStart + seconds(1)); });
  std::thread second([&] { clock.WaitUntil(second_signal, kStart + seconds(2)); });
  ASSERT_TRUE(clock.AwaitWaiters(2));
  EXPECT_EQ(clock.WaiterCount(), 2);
  clock.Advance(seconds(2));
  first.join();
  second.join();
  EXPECT_EQ(clock.WaiterCount(), 0);
}

TEST(FakeClockTest, AwaitWaitersGivesUpWhenNobodySleeps) {
  FakeClock clock(kStart);
  EXPECT_FALSE(clock.AwaitWaiters(1, milliseconds(10)));
}

// The pattern of a component's loop: woken, it does some work, then sleeps again. Awaiting its
// waiter after the wake returns only once the work is done, never on the wait the wake ended.
TEST(FakeClockTest, AWokenWaiterCountsAgainOnlyWhenItSleepsAgain) {
  FakeClock clock(kStart);
  WakeSignal signal;
  std::atomic<int> passes{0};
  std::atomic<bool> stop{false};
  std::thread loop([&] {
    while (!stop.load()) {
      clock.WaitUntil(signal, kStart + hours(1));
      ++passes;
    }
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  for (int round = 1; round <= 100; ++round) {
    signal.Wake();
    ASSERT_TRUE(clock.AwaitWaiters(1));
    ASSERT_EQ(passes.load(), round);
  }
  stop = true;
  signal.Wake();
  loop.join();
}

TEST(FakeClockTest, AWaiterReleasedByTheClockCountsAgainOnlyWhenItSleepsAgain) {
  FakeClock clock(kStart);
  std::atomic<int> passes{0};
  std::thread loop([&] {
    WakeSignal signal;
    for (int round = 1; round <= 100; ++round) {
      clock.WaitUntil(signal, kStart + seconds(round));
      ++passes;
    }
  });
  for (int round = 1; round < 100; ++round) {
    ASSERT_TRUE(clock.AwaitWaiters(1));
    ASSERT_EQ(passes.load(), round - 1);
    clock.Advance(seconds(1));
  }
  clock.Advance(seconds(1));
  loop.join();
  EXPECT_EQ(passes.load(), 100);
}

TEST(FakeClockTest, AutoAdvanceMovesTheClockToTheDeadline) {
  FakeClock clock(kStart);
  clock.SetAutoAdvance(true);
  WakeSignal signal;
  EXPECT_EQ(clock.WaitUntil(signal, kStart + seconds(5)), WaitResult::kDeadlineReached);
  EXPECT_EQ(clock.Now(), kStart + seconds(5));
  EXPECT_EQ(clock.WaitUntil(signal, kStart + seconds(1)), WaitResult::kDeadlineReached);
  EXPECT_EQ(clock.Now(), kStart + seconds(5)) << "a deadline in the past does not move it back";
  signal.Wake();
  EXPECT_EQ(clock.WaitUntil(signal, kStart + hours(1)), WaitResult::kWoken);
  EXPECT_EQ(clock.Now(), kStart + seconds(5)) << "a woken wait does not move it";
  EXPECT_EQ(clock.WaiterCount(), 0);
}

TEST(FakeClockTest, AnAutoAdvancingWaitReleasesTheWaitersItPasses) {
  FakeClock clock(kStart);
  WakeSignal other_signal;
  auto other = std::async(std::launch::async,
                          [&] { return clock.WaitUntil(other_signal, kStart + seconds(3)); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.SetAutoAdvance(true);
  WakeSignal signal;
  clock.WaitUntil(signal, kStart + seconds(5));
  EXPECT_EQ(other.get(), WaitResult::kDeadlineReached);
}

TEST(SystemClockTest, NowFollowsTheWallClock) {
  const TimePoint before = std::chrono::system_clock::now();
  const TimePoint now = SystemClock::Instance().Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now - before, seconds(1));
}

TEST(SystemClockTest, WaitsUntilTheDeadline) {
  SystemClock clock;
  WakeSignal signal;
  const TimePoint deadline = clock.Now() + milliseconds(20);
  EXPECT_EQ(clock.WaitUntil(signal, deadline), WaitResult::kDeadlineReached);
  EXPECT_GE(clock.Now(), deadline);
}

TEST(SystemClockTest, WakeEndsTheWaitEarly) {
  SystemClock clock;
  WakeSignal signal;
  const auto started = std::chrono::steady_clock::now();
  std::thread waker([&] { signal.Wake(); });
  EXPECT_EQ(clock.WaitUntil(signal, clock.Now() + hours(1)), WaitResult::kWoken);
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(10));
}

}  // namespace
}  // namespace orc
