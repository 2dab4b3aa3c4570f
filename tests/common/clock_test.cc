#include "common/clock.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace orc {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1));

// Waits (in real time, bounded) until `clock` has `count` waiters: the thread under test sleeps.
void AwaitWaiters(const FakeClock& clock, int count) {
  const auto give_up = std::chrono::steady_clock::now() + seconds(10);
  while (clock.WaiterCount() < count && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  ASSERT_EQ(clock.WaiterCount(), count);
}

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
  AwaitWaiters(clock, 1);
  clock.Advance(seconds(9));
  // Still short of the deadline: the waiter must still be waiting.
  EXPECT_EQ(waiter.wait_for(milliseconds(20)), std::future_status::timeout);
  clock.Advance(seconds(1));
  EXPECT_EQ(waiter.get(), WaitResult::kDeadlineReached);
  EXPECT_EQ(clock.WaiterCount(), 0);
}

TEST(FakeClockTest, WakeEndsTheWaitEarly) {
  FakeClock clock(kStart);
  WakeSignal signal;
  auto waiter =
      std::async(std::launch::async, [&] { return clock.WaitUntil(signal, kStart + hours(24)); });
  AwaitWaiters(clock, 1);
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
  AwaitWaiters(clock, 1);
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
