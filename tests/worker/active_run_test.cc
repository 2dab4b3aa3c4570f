#include "worker/active_run.h"

#include <gtest/gtest.h>

#include <chrono>

namespace orc {
namespace {

using namespace std::chrono_literals;

class ActiveRunTest : public ::testing::Test {
 protected:
  // Announces an attempt without a deadline, interruptible through `interrupter`.
  void BeginAttempt(Interrupter& interrupter) {
    active_.BeginAttempt(&interrupter, std::nullopt, 0, TaskRun{}, &progress_);
  }

  ActiveRun active_{orc::Run{.run_id = "run-1", .job_id = "job-1"}};
  TaskProgress progress_;
};

TEST_F(ActiveRunTest, NotStoppedUntilStopIsCalled) {
  EXPECT_EQ(active_.stop_reason(), StopReason::kNone);
  active_.Stop(StopReason::kNone);
  EXPECT_EQ(active_.stop_reason(), StopReason::kNone);
}

TEST_F(ActiveRunTest, TheFirstReasonWins) {
  active_.Stop(StopReason::kShutdown);
  active_.Stop(StopReason::kCancelRequested);
  active_.Stop(StopReason::kLeaseLost);
  EXPECT_EQ(active_.stop_reason(), StopReason::kShutdown);
}

TEST_F(ActiveRunTest, StopInterruptsTheRunningAttemptWithTheReasonsError) {
  Interrupter interrupter;
  BeginAttempt(interrupter);
  active_.Stop(StopReason::kCancelRequested);
  EXPECT_TRUE(interrupter.interrupted());
  EXPECT_EQ(interrupter.reason().code(), StatusCode::kCancelled);
  EXPECT_EQ(interrupter.reason().message(), "cancelled by request");
  active_.EndAttempt();
}

TEST_F(ActiveRunTest, AnAttemptBegunAfterTheStopIsInterruptedAtOnce) {
  active_.Stop(StopReason::kLeaseLost);
  Interrupter interrupter;
  BeginAttempt(interrupter);
  EXPECT_TRUE(interrupter.interrupted());
  EXPECT_EQ(interrupter.reason().code(), StatusCode::kConflict);
  active_.EndAttempt();
}

TEST_F(ActiveRunTest, APassedDeadlineInterruptsTheAttemptButDoesNotStopTheRun) {
  Interrupter interrupter;
  const TimePoint start{};
  active_.BeginAttempt(&interrupter, start + 5s, 5, TaskRun{}, &progress_);
  active_.Enforce(start + 4s);
  EXPECT_FALSE(interrupter.interrupted());
  active_.Enforce(start + 5s);
  EXPECT_EQ(interrupter.reason().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(active_.stop_reason(), StopReason::kNone);
  active_.EndAttempt();
}

TEST(StopErrorTest, EachReasonHasItsOwnError) {
  EXPECT_EQ(StopError(StopReason::kCancelRequested).code(), StatusCode::kCancelled);
  EXPECT_EQ(StopError(StopReason::kShutdown).code(), StatusCode::kUnavailable);
  EXPECT_EQ(StopError(StopReason::kLeaseLost).code(), StatusCode::kConflict);
  EXPECT_EQ(StopError(StopReason::kShutdown).message(), "orc is shutting down");
}

}  // namespace
}  // namespace orc
