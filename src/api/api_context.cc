#include "api/api_context.h"

#include "scheduler/scheduler.h"

namespace orc {

void ApiContext::JobChanged(const std::string& job_id) const {
  if (scheduler != nullptr) scheduler->JobChanged(job_id);
}

}  // namespace orc
