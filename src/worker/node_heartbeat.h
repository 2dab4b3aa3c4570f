// NodeHeartbeat: this process's row in the node registry (state/cluster_store.h). It registers
// the node at Start(), refreshes its heartbeat every `interval` with the number of busy workers,
// and deregisters it at Stop().
//
// Fencing. Other nodes take a node's runs back once its heartbeat is `node_timeout` old
// (RunQueue::ReclaimExpiredLeases). A node cut off from the database cannot know when that
// happens, so it counts its own silence: when no heartbeat has succeeded for `fence_after` (less
// than node_timeout, by enough to stop a task), it calls `on_silent` once — the workers stop every
// run held here without writing anything more — and `on_heard` once a heartbeat succeeds again.
// The times compared are the starts of the calls, so a heartbeat that hangs counts as silence
// from the moment it was sent. A second thread watches the time, so a call that hangs (a network
// cut) does not delay the fence.
//
// Thread safety: Start and Stop from one thread; the callbacks run on the watchdog thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "state/cluster_store.h"

namespace orc {

// This machine's name (gethostname), as nodes report it.
std::string HostName();
// A new node's id: host:pid:random, unique across restarts; also the lease_owner of its runs.
std::string NewNodeId();

struct NodeHeartbeatOptions {
  Duration interval = std::chrono::seconds(1);
  Duration node_timeout = std::chrono::seconds(5);
  Duration fence_after = std::chrono::seconds(3);
  std::function<int()> busy_workers;  // may be empty: 0
  std::function<void()> on_silent;    // may be empty
  std::function<void()> on_heard;     // may be empty
};

class NodeHeartbeat {
 public:
  NodeHeartbeat(ClusterStore& store, Clock& clock, NodeInfo node, NodeHeartbeatOptions options);
  ~NodeHeartbeat();  // Stop()
  NodeHeartbeat(const NodeHeartbeat&) = delete;
  NodeHeartbeat& operator=(const NodeHeartbeat&) = delete;

  // Registers the node (its error when it cannot) and starts the threads.
  Status Start();
  // Stops the threads and deregisters the node (logged when it cannot).
  void Stop();

  const NodeInfo& node() const { return node_; }
  // Whether on_silent was called and no heartbeat has succeeded since.
  bool silent() const { return silent_.load(); }

 private:
  void BeatLoop();
  void WatchLoop();

  ClusterStore& store_;
  Clock& clock_;
  const NodeInfo node_;
  const NodeHeartbeatOptions options_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> silent_{false};
  std::atomic<int64_t> last_heard_us_{0};  // start of the last successful heartbeat, epoch us
  WakeSignal beat_wake_;
  WakeSignal watch_wake_;
  std::thread beat_;
  std::thread watch_;
};

}  // namespace orc
