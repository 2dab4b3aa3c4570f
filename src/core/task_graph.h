// The rules a job's tasks obey as a graph. The worker runs tasks in dependency order and relies on
// these having been checked when the job was written: every depends_on names another task of the
// job, and there is no cycle.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "core/job.h"
#include "core/run.h"

namespace orc {

// Checks the tasks as ApplyTaskDefaults leaves them: names are unique, orders are unique, each
// depends_on entry names another task of the job, and depends_on makes no cycle. InvalidArgument
// naming the field at fault, e.g. "tasks[2].depends_on[0]". Iterative: no recursion however long a
// chain of dependencies is.
Status ValidateTaskGraph(const std::vector<Task>& tasks);

// `seeds` and every task downstream of one of them (through depends_on, transitively), by name,
// in task order. Names that are not tasks of `tasks` are left out. Iterative.
std::vector<std::string> WithDownstream(const std::vector<Task>& tasks,
                                        const std::vector<std::string>& seeds);

// What a retry of a run runs (re-run from failure): the tasks of `tasks` that did not succeed in
// `task_runs` (success, or skipped: a task a retry skips is one whose success stood), the tasks
// the run did not have, and everything downstream of those. Empty when every task succeeded.
std::vector<std::string> TasksToRetry(const std::vector<Task>& tasks,
                                      const std::vector<TaskRun>& task_runs);

}  // namespace orc
