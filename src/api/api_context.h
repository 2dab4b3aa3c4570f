// ApiContext: what the route handlers share. Borrowed references; the owner (orc serve, or a
// test) keeps them alive for as long as the server runs. All members are safe to use from the
// server's request threads.
#pragma once

#include <memory>

#include "common/clock.h"
#include "core/run_events.h"
#include "core/slot_planner.h"
#include "plugins/plugin_registry.h"

namespace orc {

class StateStore;
class IdempotencyKeys;

struct ApiContext {
  // The whole store: between them the handlers use every role of it (jobs, the run queue, run
  // history, run logs, keyed writes).
  StateStore& store;
  const PluginRegistry& plugins;
  Clock& clock;
  // The execution side of this process, told of new runs and cancel requests; may be null (an API
  // without workers, as in some tests).
  RunEvents* run_events = nullptr;
  // The scheduler of this process, told of job changes and asked for backfills; may be null (an
  // API without a scheduler).
  SlotPlanner* scheduler = nullptr;
  // What a job's plugin configurations are checked against when it is written: the files and
  // environment variables jobs may use. Empty (nothing confined) unless the owner sets them.
  ConfigChecks config_checks;
  // The Idempotency-Key requests this server serves, one for every route that takes a key; made
  // when the first such route is installed (IdempotencyKeysOf, api/idempotency_keys.h).
  std::shared_ptr<IdempotencyKeys> idempotency_keys;

  void RunEnqueued() const {
    if (run_events != nullptr) run_events->RunEnqueued();
  }
  void CancelRequested(const std::string& run_id) const {
    if (run_events != nullptr) run_events->CancelRequested(run_id);
  }
  void JobChanged(const std::string& job_id) const {
    if (scheduler != nullptr) scheduler->JobChanged(job_id);
  }
};

}  // namespace orc
