#include "worker/run_log.h"

#include <spdlog/spdlog.h>

#include "state/run_log_store.h"

namespace orc {

void RunLog::Add(std::string_view level, std::string task_name, std::string message) {
  spdlog::debug("run {} {}{}{}", run_id_, task_name, task_name.empty() ? "" : ": ", message);
  std::lock_guard lock(mutex_);
  pending_.push_back(RunLogLine{.time = clock_.Now(),
                                .level = std::string(level),
                                .task_name = std::move(task_name),
                                .message = std::move(message)});
}

void RunLog::Flush(RunLogStore& store) {
  std::lock_guard flushing(flush_mutex_);
  std::vector<RunLogLine> lines;
  {
    std::lock_guard lock(mutex_);
    lines.swap(pending_);
  }
  if (lines.empty()) return;
  if (Status written = store.AppendRunLogs(run_id_, lines); !written.ok()) {
    spdlog::warn("run {}: cannot write {} log lines yet: {}", run_id_, lines.size(),
                 written.message());
    std::lock_guard lock(mutex_);
    pending_.insert(pending_.begin(), lines.begin(), lines.end());
  }
}

}  // namespace orc
