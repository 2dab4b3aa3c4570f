// ExecuteRun: carries one claimed run through its tasks — in dependency order, each with its
// retries and timeout — and returns the run's outcome for the caller to record. Each attempt runs
// in the worker's AttemptRunner (executor/attempt_runner.h; in orc, its executor process): this
// side resolves the task's secrets, waits for the DuckDB files it writes, relays its log and
// progress, and keeps the secrets' values out of everything it records.
//
// Tasks run one at a time in task_order, a task whose depends_on names a task that did not succeed
// is marked upstream_failed, and the others still run. A failed attempt is retried with
// exponential backoff and jitter while the retry policy allows and the error can heal; only that
// task is retried. Each task run is saved when it starts and when it ends, before the next task
// starts or the run finishes: the API shows progress, and when the run was claimed before (its
// worker was lost, or gave it back at shutdown) the tasks recorded as succeeded are not repeated.
// The destination's ledger (`_orc_loads`) keeps a task that committed just before the loss, but
// whose success was not recorded yet, from writing twice.
#pragma once

#include <string>

#include "common/backoff.h"
#include "common/clock.h"
#include "common/path_policy.h"
#include "common/random_source.h"
#include "plugins/secrets.h"
#include "state/state_store.h"
#include "worker/active_run.h"
#include "worker/run_log.h"

namespace orc {

class DatabaseWriteLocks;
class AttemptRunner;
class PluginRegistry;

// What executing runs needs from the process around it. Borrowed references, and the policies
// tasks run under: the files they may open, the environment variables they may reference.
struct ExecutionEnvironment {
  StateStore& store;
  const PluginRegistry& plugins;
  Clock& clock;
  RandomSource& random;  // the jitter of retry delays
  const PathPolicy& paths;
  const SecretPolicy& secrets;
  DatabaseWriteLocks& database_locks;
  // The memory a task may use unless its job or itself says otherwise, in MiB; 0: no limit.
  int64_t task_memory_mb = 0;
};

// Executes `active`'s run, each attempt in `runner`. Returns the outcome (success, failed or
// cancelled, with the final task runs). A stopped run's outcome is cancelled, whatever the
// StopReason; the caller reads active.stop_reason() to give a run stopped by shutdown back, or to
// leave one whose lease was lost, instead of finishing it.
RunOutcome ExecuteRun(ExecutionEnvironment& environment, AttemptRunner& runner, ActiveRun& active,
                      RunLog& log);

// The backoff of a task's attempts: from initial_delay_s, doubling, capped at max_delay_s, with a
// jitter of 0.5 (a delay is drawn in [0.5, 1) of its ceiling) so that runs failing together do not
// retry in step. common/backoff.h bounds a task's total time, HTTP retries included.
Backoff RetryBackoff(const RetryPolicy& policy);

// The delay before attempt `next_attempt` (2, 3, ...): the RetryBackoff's delay before retry
// next_attempt - 2.
Duration RetryDelay(const RetryPolicy& policy, int next_attempt, RandomSource& random);

}  // namespace orc
