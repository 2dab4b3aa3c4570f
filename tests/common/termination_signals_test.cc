#include "common/termination_signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <csignal>
#include <future>

namespace orc {
namespace {

TEST(TerminationSignalsTest, CancelEndsTheWaitWithZero) {
  TerminationSignals signals;
  auto waiter = std::async(std::launch::async, [&] { return signals.Wait(); });
  signals.Cancel();
  EXPECT_EQ(waiter.get(), 0);
}

TEST(TerminationSignalsTest, DeliversSigtermAsAValue) {
  TerminationSignals signals;
  // The signal is blocked in this thread, so it stays pending for Wait() instead of killing the
  // test process. (Process-wide delivery is covered by the orc binary's tests.)
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  EXPECT_EQ(signals.Wait(), SIGTERM);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGINT), 0);
  EXPECT_EQ(signals.Wait(), SIGINT);
}

}  // namespace
}  // namespace orc
