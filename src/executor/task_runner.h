// RunTaskAttempt: one attempt of one task: makes its plugins from the task's configuration and
// moves its data (extractor -> loader) or runs its transform.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "core/config_template.h"
#include "core/job.h"
#include "plugins/plugin.h"
#include "plugins/secrets.h"

namespace orc {

class PluginRegistry;

// A task's configurations as its plugins get them: every ${env:NAME} replaced by its value (null
// for a configuration the task does not have), and a Redactor that keeps those values out of the
// errors and log lines of the attempt.
struct ResolvedTask {
  nlohmann::json extractor_config;
  nlohmann::json loader_config;
  nlohmann::json transform_config;
  Redactor redactor;
};

// What a task's configurations are rendered with: their templates (core/config_template.h) filled
// in from the run, SQL fields as the plugins declare them.
struct TaskTemplates {
  const PluginRegistry& plugins;
  const TemplateContext& context;
};

// InvalidArgument naming the configuration when its stored text is not JSON, when a template
// cannot render (a value of the run's that does not fit; see config_template.h), or when a
// reference names a variable `secrets` does not allow or one that is not set. Templates render
// first, when `templates` is given, so that no value of the run's can become a reference.
Result<ResolvedTask> ResolveTask(const Task& task, const SecretPolicy& secrets,
                                 const TaskTemplates* templates = nullptr);

struct TaskAttemptResult {
  int64_t rows_loaded = 0;
  bool already_loaded = false;  // an earlier attempt had committed this load
};

// Errors keep the whole cause chain (plugin, input, root cause) and a code that says whether
// another attempt can help (see IsRetryable).
Result<TaskAttemptResult> RunTaskAttempt(const ResolvedTask& task, const PluginRegistry& plugins,
                                         TaskContext& context);

// Whether a failed attempt with `code` may succeed when tried again. Bad configuration, missing
// input, refused credentials and cancellation cannot heal; a timeout, an unavailable source or a
// conflict with a concurrent writer can.
bool IsRetryable(StatusCode code);

}  // namespace orc
