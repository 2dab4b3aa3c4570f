// NodeHeartbeat on fake time against the in-memory store: registration, heartbeats, and the fence
// a node puts up when its heartbeats stop reaching the database.
#include "worker/node_heartbeat.h"

#include <gtest/gtest.h>

#include <atomic>

#include "common/time_format.h"
#include "state/memory_state_store.h"
#include "support/cut_off_store.h"

namespace orc {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = *ParseRfc3339("2026-03-01T12:00:00Z");

class NodeHeartbeatTest : public ::testing::Test {
 protected:
  // Advances the fake clock in steps of 100 ms (the watchdog's tick), letting both threads run.
  void Advance(Duration by) {
    for (Duration done{}; done < by; done += 100ms) {
      clock_.Advance(100ms);
      ASSERT_TRUE(clock_.AwaitWaiters(2));
    }
  }

  std::vector<NodeInfo> Nodes() { return *store_.ListNodes(); }

  FakeClock clock_{kStart};
  MemoryStateStore store_{clock_};
  testing::CutOffStore process_{store_};
  std::atomic<int> silent_calls_{0};
  std::atomic<int> heard_calls_{0};
  NodeHeartbeat heartbeat_{process_, clock_,
                           NodeInfo{.node_id = "node-1", .roles = {"worker"}, .workers = 8},
                           NodeHeartbeatOptions{.interval = 1s,
                                                .node_timeout = 5s,
                                                .fence_after = 3s,
                                                .busy_workers = [] { return 2; },
                                                .on_silent = [this] { ++silent_calls_; },
                                                .on_heard = [this] { ++heard_calls_; }}};
};

TEST_F(NodeHeartbeatTest, RegistersBeatsEverySecondAndDeregistersAtStop) {
  ASSERT_TRUE(heartbeat_.Start().ok());
  ASSERT_TRUE(clock_.AwaitWaiters(2));
  ASSERT_EQ(Nodes().size(), 1u);
  EXPECT_EQ(Nodes()[0].roles, std::vector<std::string>{"worker"});
  Advance(2s);
  EXPECT_EQ(Nodes()[0].heartbeat_at, kStart + 2s);
  EXPECT_EQ(Nodes()[0].workers_busy, 2);
  // Forgotten (another process deregistered it): it registers again.
  ASSERT_TRUE(store_.DeregisterNode("node-1").ok());
  Advance(1s);
  ASSERT_EQ(Nodes().size(), 1u);
  EXPECT_EQ(Nodes()[0].heartbeat_at, kStart + 3s);
  heartbeat_.Stop();
  EXPECT_TRUE(Nodes().empty());
  EXPECT_EQ(silent_calls_.load(), 0);
}

TEST_F(NodeHeartbeatTest, ASilentNodeFencesItselfBeforeOthersCountItLostAndLiftsItWhenHeard) {
  ASSERT_TRUE(heartbeat_.Start().ok());
  ASSERT_TRUE(clock_.AwaitWaiters(2));
  Advance(1s);  // last heartbeat heard at 12:00:01
  process_.cut = true;
  Advance(3s);  // 12:00:04: silent exactly fence_after
  EXPECT_EQ(silent_calls_.load(), 0);
  Advance(100ms);
  EXPECT_EQ(silent_calls_.load(), 1) << "fenced 3.1 s after the last heartbeat";
  EXPECT_TRUE(heartbeat_.silent());
  // Others would count it lost only at 12:00:06 (heartbeat_at + node_timeout).
  EXPECT_EQ(Nodes()[0].heartbeat_at, kStart + 1s);
  Advance(3s);
  EXPECT_EQ(silent_calls_.load(), 1) << "once per silence";
  process_.cut = false;
  Advance(1s);
  EXPECT_EQ(heard_calls_.load(), 1);
  EXPECT_FALSE(heartbeat_.silent());
}

TEST_F(NodeHeartbeatTest, StartFailsWhenTheNodeCannotRegister) {
  process_.cut = true;
  const Status started = heartbeat_.Start();
  EXPECT_EQ(started.code(), StatusCode::kUnavailable);
  EXPECT_NE(started.message().find("cannot register this node"), std::string::npos);
}

}  // namespace
}  // namespace orc
