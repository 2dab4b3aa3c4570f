// RunEvents: what the control plane tells the execution side of the same process, so that it acts
// at once instead of at its next poll: a run was queued, a cancel was requested.
//
// Implementations must be thread-safe and must not block: the API calls them from its request
// threads after the state store committed the change.
#pragma once

#include <string>

namespace orc {

class RunEvents {
 public:
  virtual ~RunEvents() = default;

  // A run was queued (or re-queued): idle workers should look for it now.
  virtual void RunEnqueued() = 0;
  // A cancel of `run_id` was recorded; if this process runs it, interrupt it now.
  virtual void CancelRequested(const std::string& run_id) = 0;
};

}  // namespace orc
