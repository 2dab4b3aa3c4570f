#include "plugins/plugin.h"

namespace orc {

std::filesystem::path TaskContext::Resolve(const std::string& path) const {
  if (path == ":memory:") return path;
  const std::filesystem::path given(path);
  if (given.is_absolute() || data_dir.empty()) return given;
  return data_dir / given;
}

void TaskContext::Sleep(Duration duration) const {
  WakeSignal woken;
  Interrupter::Registration registration = interrupter->OnInterrupt([&woken] { woken.Wake(); });
  clock->WaitUntil(woken, clock->Now() + duration);
}

Status Extractor::Finish(TaskContext& context, DuckDbConnection& connection, int64_t rows_read) {
  return Status::Ok();
}

}  // namespace orc
