#include "core/task_graph.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "core/task_defaults.h"

namespace orc {
namespace {

std::string TaskPath(size_t index) { return "tasks[" + std::to_string(index) + "]"; }

Status Invalid(const std::string& field, const std::string& why) {
  return InvalidArgumentError(field + " " + why).WithField(field);
}

// Depth-first search for a cycle, from each task in turn, following depends_on in its order.
// `by_name` maps every name in depends_on to its task (checked before).
Status FindCycle(const std::vector<Task>& tasks, const std::map<std::string, size_t>& by_name) {
  enum class Visit { kNot, kOnPath, kDone };
  std::vector<Visit> state(tasks.size(), Visit::kNot);
  std::vector<std::pair<size_t, size_t>> path;  // (task, next depends_on entry to follow)
  for (size_t start = 0; start < tasks.size(); ++start) {
    if (state[start] != Visit::kNot) continue;
    state[start] = Visit::kOnPath;
    path.emplace_back(start, 0);
    while (!path.empty()) {
      auto& [task, entry] = path.back();
      if (entry == tasks[task].depends_on.size()) {
        state[task] = Visit::kDone;
        path.pop_back();
        continue;
      }
      const std::string& dependency = tasks[task].depends_on[entry++];
      const size_t next = by_name.at(dependency);
      if (state[next] == Visit::kOnPath) {
        return Invalid(TaskPath(task) + ".depends_on",
                       "makes a cycle through '" + dependency + "'");
      }
      if (state[next] == Visit::kNot) {
        state[next] = Visit::kOnPath;
        path.emplace_back(next, 0);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTaskGraph(const std::vector<Task>& given) {
  std::vector<Task> tasks = given;
  ApplyTaskDefaults(tasks);
  std::map<std::string, size_t> by_name;
  std::set<int> orders;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const std::string& name = tasks[i].task_name;
    if (!by_name.emplace(name, i).second) {
      return Invalid(TaskPath(i) + ".task_name", "'" + name + "' is used by another task");
    }
    if (!orders.insert(tasks[i].task_order).second) {
      return Invalid(TaskPath(i) + ".task_order",
                     std::to_string(tasks[i].task_order) + " is used twice");
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (size_t d = 0; d < tasks[i].depends_on.size(); ++d) {
      const std::string& dependency = tasks[i].depends_on[d];
      const std::string field = TaskPath(i) + ".depends_on[" + std::to_string(d) + "]";
      const auto found = by_name.find(dependency);
      if (found == by_name.end())
        return Invalid(field, "'" + dependency + "' is no task of this job");
      if (found->second == i) return Invalid(field, "a task cannot depend on itself");
    }
  }
  return FindCycle(tasks, by_name);
}

std::vector<std::string> WithDownstream(const std::vector<Task>& tasks,
                                        const std::vector<std::string>& seeds) {
  std::set<std::string> chosen;
  std::vector<std::string> todo;
  for (const std::string& seed : seeds) {
    const bool known = std::any_of(tasks.begin(), tasks.end(),
                                   [&](const Task& task) { return task.task_name == seed; });
    if (known && chosen.insert(seed).second) todo.push_back(seed);
  }
  // Each task is added once, and each addition scans the tasks once: O(tasks^2) at worst, for
  // at most the 1000 tasks a job may have.
  while (!todo.empty()) {
    const std::string name = std::move(todo.back());
    todo.pop_back();
    for (const Task& task : tasks) {
      if (chosen.contains(task.task_name)) continue;
      if (std::find(task.depends_on.begin(), task.depends_on.end(), name) !=
          task.depends_on.end()) {
        chosen.insert(task.task_name);
        todo.push_back(task.task_name);
      }
    }
  }
  std::vector<std::string> out;
  for (const Task& task : tasks) {
    if (chosen.contains(task.task_name)) out.push_back(task.task_name);
  }
  return out;
}

std::vector<std::string> TasksToRetry(const std::vector<Task>& tasks,
                                      const std::vector<TaskRun>& task_runs) {
  std::vector<std::string> seeds;
  for (const Task& task : tasks) {
    const auto found = std::find_if(task_runs.begin(), task_runs.end(), [&](const TaskRun& run) {
      return run.task_name == task.task_name;
    });
    if (found == task_runs.end() ||
        (found->status != TaskRunStatus::kSuccess && found->status != TaskRunStatus::kSkipped)) {
      seeds.push_back(task.task_name);
    }
  }
  return WithDownstream(tasks, seeds);
}

}  // namespace orc
