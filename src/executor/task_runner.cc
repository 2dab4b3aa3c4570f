#include "executor/task_runner.h"

#include "plugins/plugin_registry.h"

namespace orc {

Result<TaskAttemptResult> RunTaskAttempt(const Task& task, const PluginRegistry& plugins,
                                         TaskContext& context) {
  if (!task.transform_config.empty()) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<Transform> transform,
                         plugins.MakeTransform(task.transform_config));
    ORC_ASSIGN_OR_RETURN(int64_t rows, transform->Run(context));
    return TaskAttemptResult{.rows_loaded = rows};
  }
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<Extractor> extractor,
                       plugins.MakeExtractor(task.extractor_config));
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<Loader> loader, plugins.MakeLoader(task.loader_config));
  ORC_ASSIGN_OR_RETURN(LoadResult loaded, loader->Load(context, *extractor));
  return TaskAttemptResult{.rows_loaded = loaded.rows_loaded,
                           .already_loaded = loaded.already_loaded};
}

bool IsRetryable(StatusCode code) {
  switch (code) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

}  // namespace orc
