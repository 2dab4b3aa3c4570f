#include "executor/task_runner.h"

#include "plugins/plugin_registry.h"

#include <tuple>

namespace orc {

Result<ResolvedTask> ResolveTask(const Task& task, const SecretPolicy& secrets,
                                 const TaskTemplates* templates) {
  ResolvedTask resolved;
  std::vector<std::string> values;
  for (auto [kind, text, config] :
       {std::tuple{PluginKind::kExtractor, &task.extractor_config, &resolved.extractor_config},
        std::tuple{PluginKind::kLoader, &task.loader_config, &resolved.loader_config},
        std::tuple{PluginKind::kTransform, &task.transform_config, &resolved.transform_config}}) {
    if (text->empty()) continue;
    const std::string name(ConfigFieldName(kind));
    nlohmann::json stored = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (stored.is_discarded()) return InvalidArgumentError(name + " is not JSON");
    if (templates != nullptr) {
      ORC_ASSIGN_OR_RETURN(stored,
                           RenderConfigTemplates(stored, templates->plugins.SqlFields(kind, stored),
                                                 templates->context, name));
    }
    Result<ResolvedSecrets> secret = ResolveSecrets(stored, secrets);
    if (!secret.ok()) return secret.status().WithContext(name);
    *config = std::move(secret->config);
    values.insert(values.end(), secret->values.begin(), secret->values.end());
  }
  resolved.redactor = Redactor(values);
  return resolved;
}

Result<TaskAttemptResult> RunTaskAttempt(const ResolvedTask& task, const PluginRegistry& plugins,
                                         TaskContext& context) {
  if (!task.transform_config.is_null()) {
    ORC_ASSIGN_OR_RETURN(std::unique_ptr<Transform> transform,
                         plugins.MakeTransform(task.transform_config, *context.paths));
    ORC_ASSIGN_OR_RETURN(int64_t rows, transform->Run(context));
    return TaskAttemptResult{.rows_loaded = rows};
  }
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<Extractor> extractor,
                       plugins.MakeExtractor(task.extractor_config, *context.paths));
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<Loader> loader,
                       plugins.MakeLoader(task.loader_config, *context.paths));
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
