// ClusterStore: the role of the state store through which the orc processes sharing one database
// know of each other: the node registry (each process's row, refreshed by its heartbeat) and
// leadership terms (the one scheduler that fires schedules).
//
// Nodes. Every `orc serve` registers itself at start, refreshes its heartbeat about once a second
// and deregisters on a clean shutdown. A node whose heartbeat is older than the node timeout is
// lost: RunQueue::ReclaimExpiredLeases(node_timeout) takes its runs back without waiting for their
// leases, and the node, which counts its own silence, has stopped them before (worker/
// node_heartbeat.h).
//
// Leadership. A term is a row (name, holder, renewed_at, expires_at). The holder renews it; any
// node may take it once it expired. A node that is not leading only reads it, so standbys write
// nothing. Times come from the nodes' clocks, as leases do: the clocks of the machines must agree
// to well under a second (NTP).
//
// Errors: NotFound (HeartbeatNode: no such node, e.g. deregistered), Unavailable, Internal.
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace orc {

// A node silent this long is forgotten (its row deleted) when another registers.
inline constexpr Duration kForgetSilentNodesAfter = std::chrono::hours(24);

struct NodeInfo {
  std::string node_id;             // also the lease_owner of the runs it holds
  std::string host;                // the machine's name
  std::vector<std::string> roles;  // "api", "scheduler", "worker"
  std::string version;             // orc's version
  TimePoint started_at{};
  TimePoint heartbeat_at{};  // set by the store: the time of the last heartbeat
  int workers = 0;
  int workers_busy = 0;
};

struct Leadership {
  bool leading = false;  // the caller holds the term now
  std::string holder;    // who does ("" when nobody has)
  TimePoint expires_at{};
  // Set when the caller just took the term over from another holder: when that holder last
  // renewed it. The new leader replays what the old one may have missed since.
  std::optional<TimePoint> previous_renewed_at;
};

class ClusterStore {
 public:
  virtual ~ClusterStore() = default;

  // Inserts or replaces `node`'s row with heartbeat_at = now; also forgets nodes silent for
  // kForgetSilentNodesAfter.
  virtual Status RegisterNode(const NodeInfo& node) = 0;
  // heartbeat_at = now and the busy workers. NotFound when the node has no row (register again).
  virtual Status HeartbeatNode(const std::string& node_id, int workers_busy) = 0;
  // Deletes the node's row (a clean shutdown).
  virtual Status DeregisterNode(const std::string& node_id) = 0;
  // Every registered node, oldest first.
  virtual Result<std::vector<NodeInfo>> ListNodes() = 0;

  // Takes or renews the term `name` for `holder` until now + term when it is free, expired or
  // already `holder`'s; otherwise only reads who holds it.
  virtual Result<Leadership> TryLead(const std::string& name, const std::string& holder,
                                     Duration term) = 0;
  // Who holds the term `name` (leading is false; holder "" when nobody ever did). Reads only.
  virtual Result<Leadership> CurrentTerm(const std::string& name) = 0;
  // Ends `holder`'s term at once (a clean shutdown), so a standby takes over without waiting.
  virtual Status StepDown(const std::string& name, const std::string& holder) = 0;
};

}  // namespace orc
