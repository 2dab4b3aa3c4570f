// NewRun: a run to be queued, as the API, the scheduler and backfills ask the state store for one.
// A plain value; the state store gives it an id and a status when it enqueues it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/run.h"

namespace orc {

struct NewRun {
  std::string job_id;
  TriggeredBy triggered_by = TriggeredBy::kManual;
  std::optional<TimePoint> scheduled_for;   // unique per job: a slot is enqueued at most once
  std::optional<TimePoint> available_at;    // default: now
  std::optional<TimePoint> interval_start;  // see Run
  std::optional<TimePoint> interval_end;
  std::string params = "{}";
  std::string retry_of;
  std::vector<std::string> only_tasks;
};

}  // namespace orc
