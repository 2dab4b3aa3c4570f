// SlotPlanner: what the API needs from the scheduler of its process: to hear that a job changed,
// and the slots a backfill would enqueue. An interface, so that the API neither links nor starts a
// scheduler; `Scheduler` implements it.
//
// Implementations must be thread-safe: the API calls them from its request threads. The caller
// keeps nothing the planner returns beyond the call.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/new_run.h"

namespace orc {

class SlotPlanner {
 public:
  virtual ~SlotPlanner() = default;

  // `job_id` was created, replaced, patched (paused, resumed) or deleted: re-plan it now, from now
  // on. Must not block.
  virtual void JobChanged(const std::string& job_id) = 0;
  // One run (triggered_by "backfill") per slot of `job_id` with start <= slot <= end, also for a
  // paused job, for the caller to enqueue. NotFound for an unknown job; InvalidArgument for a job
  // without schedule, end < start, or more slots than the planner allows in one backfill.
  virtual Result<std::vector<NewRun>> BackfillSlots(const std::string& job_id, TimePoint start,
                                                    TimePoint end) = 0;
};

}  // namespace orc
