// The rules a job's tasks obey as a graph. The worker runs tasks in dependency order and relies on
// these having been checked when the job was written: every depends_on names another task of the
// job, and there is no cycle.
#pragma once

#include <vector>

#include "common/status.h"
#include "core/job.h"

namespace orc {

// Checks the tasks as ApplyTaskDefaults leaves them: names are unique, orders are unique, each
// depends_on entry names another task of the job, and depends_on makes no cycle. InvalidArgument
// naming the field at fault, e.g. "tasks[2].depends_on[0]". Iterative: no recursion however long a
// chain of dependencies is.
Status ValidateTaskGraph(const std::vector<Task>& tasks);

}  // namespace orc
