// MemoryStateStore: the node registry and leadership terms, as SqlStateStore keeps them
// (sql_cluster_store.cc).
#include <algorithm>

#include "state/memory_state_store.h"

namespace orc {

Status MemoryStateStore::RegisterNode(const NodeInfo& node) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  std::erase_if(nodes_, [&](const auto& entry) {
    return entry.second.heartbeat_at < now - kForgetSilentNodesAfter;
  });
  NodeInfo stored = node;
  stored.started_at = Stored(node.started_at);
  stored.heartbeat_at = now;
  nodes_[node.node_id] = std::move(stored);
  return Status::Ok();
}

Status MemoryStateStore::HeartbeatNode(const std::string& node_id, int workers_busy) {
  std::lock_guard lock(mutex_);
  const auto found = nodes_.find(node_id);
  if (found == nodes_.end()) return NotFoundError("node '" + node_id + "' is not registered");
  found->second.heartbeat_at = Now();
  found->second.workers_busy = workers_busy;
  return Status::Ok();
}

Status MemoryStateStore::DeregisterNode(const std::string& node_id) {
  std::lock_guard lock(mutex_);
  nodes_.erase(node_id);
  return Status::Ok();
}

Result<std::vector<NodeInfo>> MemoryStateStore::ListNodes() {
  std::lock_guard lock(mutex_);
  std::vector<NodeInfo> nodes;
  for (const auto& [node_id, node] : nodes_) nodes.push_back(node);
  std::sort(nodes.begin(), nodes.end(), [](const NodeInfo& a, const NodeInfo& b) {
    return std::tie(a.started_at, a.node_id) < std::tie(b.started_at, b.node_id);
  });
  return nodes;
}

Result<Leadership> MemoryStateStore::TryLead(const std::string& name, const std::string& holder,
                                             Duration term) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  const auto found = terms_.find(name);
  if (found == terms_.end()) {
    terms_[name] = Term{.holder = holder, .renewed_at = now, .expires_at = Stored(now + term)};
    return Leadership{.leading = true, .holder = holder, .expires_at = Stored(now + term)};
  }
  Term& current = found->second;
  const bool mine = current.holder == holder;
  if (!mine && current.expires_at >= now) {
    return Leadership{.leading = false, .holder = current.holder, .expires_at = current.expires_at};
  }
  Leadership result{.leading = true, .holder = holder, .expires_at = Stored(now + term)};
  if (!mine || current.expires_at < now) result.previous_renewed_at = current.renewed_at;
  current = Term{.holder = holder, .renewed_at = now, .expires_at = result.expires_at};
  return result;
}

Result<Leadership> MemoryStateStore::CurrentTerm(const std::string& name) {
  std::lock_guard lock(mutex_);
  const auto found = terms_.find(name);
  if (found == terms_.end()) return Leadership{};
  return Leadership{.holder = found->second.holder, .expires_at = found->second.expires_at};
}

Status MemoryStateStore::StepDown(const std::string& name, const std::string& holder) {
  std::lock_guard lock(mutex_);
  const auto found = terms_.find(name);
  if (found != terms_.end() && found->second.holder == holder) {
    found->second.expires_at = Now() - std::chrono::microseconds(1);
  }
  return Status::Ok();
}

}  // namespace orc
