// RunTaskAttempt: one attempt of one task: makes its plugins from the task's configuration and
// moves its data (extractor -> loader) or runs its transform.
#pragma once

#include "common/status.h"
#include "core/job.h"
#include "plugins/plugin.h"

namespace orc {

class PluginRegistry;

struct TaskAttemptResult {
  int64_t rows_loaded = 0;
  bool already_loaded = false;  // an earlier attempt had committed this load
};

// Errors keep the whole cause chain (plugin, input, root cause) and a code that says whether
// another attempt can help (see IsRetryable).
Result<TaskAttemptResult> RunTaskAttempt(const Task& task, const PluginRegistry& plugins,
                                         TaskContext& context);

// Whether a failed attempt with `code` may succeed when tried again. Bad configuration, missing
// input, refused credentials and cancellation cannot heal; a timeout, an unavailable source or a
// conflict with a concurrent writer can.
bool IsRetryable(StatusCode code);

}  // namespace orc
