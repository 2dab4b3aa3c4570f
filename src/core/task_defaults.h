// What a task left empty becomes. One rule, applied wherever a job's tasks are decoded, checked
// or stored, so that a task has the same name and order in the API's answer, in the validation of
// its depends_on and in the state store.
#pragma once

#include <vector>

#include "core/job.h"

namespace orc {

// Fills in each task's task_order (0: unset) with its position in `tasks` counted from 1, and its
// task_name (empty: unset) with "task_N", N that same position (not its task_order): the tasks
// [{task_order: 2}, {task_order: 1}] are named task_1 and task_2. Set fields are left as they are.
void ApplyTaskDefaults(std::vector<Task>& tasks);

}  // namespace orc
