#include "worker/node_heartbeat.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/uuid.h"

namespace orc {
namespace {

constexpr Duration kWatchTick = std::chrono::milliseconds(100);

int64_t Micros(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

double Seconds(Duration duration) { return std::chrono::duration<double>(duration).count(); }

}  // namespace

std::string HostName() {
  char host[256] = "orc";
  gethostname(host, sizeof host - 1);
  return host;
}

std::string NewNodeId() {
  return HostName() + ":" + std::to_string(getpid()) + ":" + NewUuidV4().substr(0, 8);
}

NodeHeartbeat::NodeHeartbeat(ClusterStore& store, Clock& clock, NodeInfo node,
                             NodeHeartbeatOptions options)
    : store_(store), clock_(clock), node_(std::move(node)), options_(std::move(options)) {}

NodeHeartbeat::~NodeHeartbeat() { Stop(); }

Status NodeHeartbeat::Start() {
  const TimePoint sent = clock_.Now();
  ORC_RETURN_IF_ERROR(store_.RegisterNode(node_).WithContext("cannot register this node"));
  last_heard_us_ = Micros(sent);
  beat_ = std::thread([this] { BeatLoop(); });
  watch_ = std::thread([this] { WatchLoop(); });
  return Status::Ok();
}

void NodeHeartbeat::Stop() {
  if (!beat_.joinable() || stopping_.exchange(true)) return;
  beat_wake_.Wake();
  watch_wake_.Wake();
  beat_.join();
  watch_.join();
  if (Status gone = store_.DeregisterNode(node_.node_id); !gone.ok()) {
    spdlog::warn("cannot deregister node {}: {}", node_.node_id, gone.message());
  }
}

void NodeHeartbeat::BeatLoop() {
  while (!stopping_.load()) {
    const TimePoint sent = clock_.Now();
    const int busy = options_.busy_workers ? options_.busy_workers() : 0;
    Status beat = store_.HeartbeatNode(node_.node_id, busy);
    if (beat.code() == StatusCode::kNotFound) {
      // Forgotten (deregistered by a test, or silent for a day): register again.
      NodeInfo again = node_;
      again.workers_busy = busy;
      beat = store_.RegisterNode(again);
    }
    if (beat.ok()) {
      last_heard_us_ = Micros(sent);
      watch_wake_.Wake();
    } else {
      spdlog::debug("node heartbeat failed: {}", beat.message());
    }
    clock_.WaitUntil(beat_wake_, sent + options_.interval);
  }
}

void NodeHeartbeat::WatchLoop() {
  while (!stopping_.load()) {
    const TimePoint now = clock_.Now();
    const TimePoint heard{std::chrono::microseconds(last_heard_us_.load())};
    const bool quiet = now - heard > options_.fence_after;
    if (quiet && !silent_.load()) {
      silent_ = true;
      spdlog::error(
          "node {}: no heartbeat reached the state database for {:.1f} s; stopping the runs held "
          "here, which other nodes take over once this node is {:.0f} s silent",
          node_.node_id, Seconds(now - heard), Seconds(options_.node_timeout));
      if (options_.on_silent) options_.on_silent();
    } else if (!quiet && silent_.load()) {
      silent_ = false;
      spdlog::info("node {}: heartbeats reach the state database again", node_.node_id);
      if (options_.on_heard) options_.on_heard();
    }
    clock_.WaitUntil(watch_wake_, now + kWatchTick);
  }
}

}  // namespace orc
