#include "core/task_defaults.h"

#include <string>

namespace orc {

void ApplyTaskDefaults(std::vector<Task>& tasks) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    const int position = static_cast<int>(i + 1);
    if (tasks[i].task_order == 0) tasks[i].task_order = position;
    if (tasks[i].task_name.empty()) tasks[i].task_name = "task_" + std::to_string(position);
  }
}

}  // namespace orc
