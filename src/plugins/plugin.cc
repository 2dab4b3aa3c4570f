#include "plugins/plugin.h"

namespace orc {

void TaskContext::Sleep(Duration duration) const {
  WakeSignal woken;
  Interrupter::Registration registration = interrupter->OnInterrupt([&woken] { woken.Wake(); });
  clock->WaitUntil(woken, clock->Now() + duration);
}

Status Extractor::Finish(TaskContext& context, DuckDbConnection& connection, int64_t rows_read) {
  return Status::Ok();
}

Status Extractor::Explain(Status error) const { return error; }

}  // namespace orc
