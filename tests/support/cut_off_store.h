// CutOffStore: the run queue and the cluster role of one process's state store, which a test can
// cut off from the database: while `cut`, the calls a scheduler and a node heartbeat make (slots,
// terms, node heartbeats) fail as Unavailable, as they do when the network drops. It counts the
// slots enqueued, so a test can check that a standby scheduler wrote none. The other calls pass
// through.
#pragma once

#include <atomic>

#include "state/state_store.h"

namespace orc::testing {

class CutOffStore final : public RunQueue, public ClusterStore {
 public:
  explicit CutOffStore(StateStore& store) : store_(store) {}

  std::atomic<bool> cut{false};
  std::atomic<int> enqueues{0};

  Result<Run> EnqueueRun(const NewRun& new_run) override {
    if (cut) return Cut();
    return store_.EnqueueRun(new_run);
  }
  Result<std::vector<Run>> EnqueueSlots(const std::vector<NewRun>& new_runs) override {
    if (cut) return Cut();
    ++enqueues;
    return store_.EnqueueSlots(new_runs);
  }
  Result<std::map<std::string, TimePoint>> LatestSlots() override {
    if (cut) return Cut();
    return store_.LatestSlots();
  }
  Result<std::optional<Run>> ClaimRun(const std::string& owner, Duration lease) override {
    return store_.ClaimRun(owner, lease);
  }
  Result<LeaseState> RenewLease(const std::string& run_id, const std::string& owner,
                                Duration lease) override {
    return store_.RenewLease(run_id, owner, lease);
  }
  Result<Run> FinishRun(const std::string& run_id, const std::string& owner,
                        const RunOutcome& outcome) override {
    return store_.FinishRun(run_id, owner, outcome);
  }
  Status ReleaseRun(const std::string& run_id, const std::string& owner) override {
    return store_.ReleaseRun(run_id, owner);
  }
  Result<Run> RequestCancel(const std::string& run_id) override {
    return store_.RequestCancel(run_id);
  }
  Result<ReclaimedRuns> ReclaimExpiredLeases(Duration node_timeout) override {
    return store_.ReclaimExpiredLeases(node_timeout);
  }
  Status SaveTaskRun(const TaskRun& task_run, const std::string& owner) override {
    return store_.SaveTaskRun(task_run, owner);
  }

  Status RegisterNode(const NodeInfo& node) override {
    if (cut) return Cut();
    return store_.RegisterNode(node);
  }
  Status HeartbeatNode(const std::string& node_id, int busy) override {
    if (cut) return Cut();
    return store_.HeartbeatNode(node_id, busy);
  }
  Status DeregisterNode(const std::string& node_id) override {
    return store_.DeregisterNode(node_id);
  }
  Result<std::vector<NodeInfo>> ListNodes() override { return store_.ListNodes(); }
  Result<Leadership> TryLead(const std::string& name, const std::string& holder,
                             Duration term) override {
    if (cut) return Cut();
    return store_.TryLead(name, holder, term);
  }
  Result<Leadership> CurrentTerm(const std::string& name) override {
    return store_.CurrentTerm(name);
  }
  Status StepDown(const std::string& name, const std::string& holder) override {
    if (cut) return Cut();
    return store_.StepDown(name, holder);
  }

 private:
  static Status Cut() { return UnavailableError("cut off from the database"); }

  StateStore& store_;
};

}  // namespace orc::testing
