#include "core/task_graph.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

Task Node(std::string name, std::vector<std::string> depends_on = {}, int order = 0) {
  return Task{
      .task_order = order, .task_name = std::move(name), .depends_on = std::move(depends_on)};
}

using FieldAndMessage = std::pair<std::string, std::string>;

// The field and message of a graph the check refuses.
FieldAndMessage Refusal(const std::vector<Task>& tasks) {
  const Status status = ValidateTaskGraph(tasks);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  return {status.field(), status.message()};
}

TEST(TaskGraphTest, AcceptsADiamond) {
  const Status status =
      ValidateTaskGraph({Node("extract"), Node("left", {"extract"}), Node("right", {"extract"}),
                         Node("join", {"left", "right"})});
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(TaskGraphTest, AcceptsNoTasks) { EXPECT_TRUE(ValidateTaskGraph({}).ok()); }

TEST(TaskGraphTest, RefusesTwoTasksWithOneName) {
  EXPECT_EQ(
      Refusal({Node("a"), Node("a")}),
      FieldAndMessage("tasks[1].task_name", "tasks[1].task_name 'a' is used by another task"));
}

// Checked with the default names filled in, so a name can clash with a default one.
TEST(TaskGraphTest, RefusesANameThatADefaultNameTakes) {
  EXPECT_EQ(Refusal({Node("task_2"), Node("")}).first, "tasks[1].task_name");
}

TEST(TaskGraphTest, RefusesTwoTasksAtOneOrder) {
  EXPECT_EQ(Refusal({Node("a", {}, 2), Node("b")}),
            FieldAndMessage("tasks[1].task_order", "tasks[1].task_order 2 is used twice"));
}

TEST(TaskGraphTest, DependsOnMayNameADefaultName) {
  EXPECT_TRUE(ValidateTaskGraph({Node(""), Node("b", {"task_1"})}).ok());
}

TEST(TaskGraphTest, RefusesAnUnknownDependency) {
  EXPECT_EQ(Refusal({Node("a"), Node("b", {"a", "nope"})}),
            FieldAndMessage("tasks[1].depends_on[1]",
                            "tasks[1].depends_on[1] 'nope' is no task of this job"));
}

TEST(TaskGraphTest, RefusesATaskThatDependsOnItself) {
  EXPECT_EQ(Refusal({Node("a", {"a"})}).second,
            "tasks[0].depends_on[0] a task cannot depend on itself");
}

TEST(TaskGraphTest, RefusesACycleNamingTheTaskThatClosesIt) {
  EXPECT_EQ(
      Refusal({Node("a", {"c"}), Node("b", {"a"}), Node("c", {"b"})}),
      FieldAndMessage("tasks[1].depends_on", "tasks[1].depends_on makes a cycle through 'a'"));
}

TEST(TaskGraphTest, RefusesACycleBehindAnAcyclicPart) {
  EXPECT_EQ(Refusal({Node("root"), Node("x", {"root", "y"}), Node("y", {"x"})}).first,
            "tasks[2].depends_on");
}

// A chain as long as a job may be, and longer: no recursion to run out of stack.
TEST(TaskGraphTest, HandlesALongChain) {
  std::vector<Task> tasks;
  for (int i = 0; i < 100'000; ++i) {
    tasks.push_back(Node("t" + std::to_string(i),
                         i == 0 ? std::vector<std::string>{}
                                : std::vector<std::string>{"t" + std::to_string(i - 1)}));
  }
  EXPECT_TRUE(ValidateTaskGraph(tasks).ok());
  tasks[0].depends_on = {"t99999"};  // t0 -> t99999 -> ... -> t1 -> t0
  EXPECT_EQ(Refusal(tasks).first, "tasks[1].depends_on");
}

TaskRun Ran(std::string name, TaskRunStatus status) {
  return TaskRun{.task_name = std::move(name), .status = status};
}

// extract -> load -> report, and an independent audit.
std::vector<Task> Pipeline() {
  return {Node("extract", {}, 1), Node("load", {"extract"}, 2), Node("report", {"load"}, 3),
          Node("audit", {}, 4)};
}

TEST(TaskGraphTest, WithDownstreamFollowsDependenciesTransitively) {
  EXPECT_EQ(WithDownstream(Pipeline(), {"extract"}),
            (std::vector<std::string>{"extract", "load", "report"}));
  EXPECT_EQ(WithDownstream(Pipeline(), {"report"}), (std::vector<std::string>{"report"}));
  EXPECT_EQ(WithDownstream(Pipeline(), {"audit", "load"}),
            (std::vector<std::string>{"load", "report", "audit"}));
  EXPECT_TRUE(WithDownstream(Pipeline(), {"nope"}).empty());
}

// A retry runs what did not succeed and what is downstream of it; skipped (an earlier success
// that stood) counts as success.
TEST(TaskGraphTest, RetryRunsWhatFailedAndItsDownstream) {
  EXPECT_EQ(TasksToRetry(Pipeline(), {Ran("extract", TaskRunStatus::kSuccess),
                                      Ran("load", TaskRunStatus::kFailed),
                                      Ran("report", TaskRunStatus::kUpstreamFailed),
                                      Ran("audit", TaskRunStatus::kSuccess)}),
            (std::vector<std::string>{"load", "report"}));
  EXPECT_EQ(TasksToRetry(
                Pipeline(),
                {Ran("extract", TaskRunStatus::kSkipped), Ran("load", TaskRunStatus::kSuccess),
                 Ran("report", TaskRunStatus::kSuccess), Ran("audit", TaskRunStatus::kCancelled)}),
            (std::vector<std::string>{"audit"}));
  EXPECT_TRUE(
      TasksToRetry(Pipeline(),
                   {Ran("extract", TaskRunStatus::kSuccess), Ran("load", TaskRunStatus::kSuccess),
                    Ran("report", TaskRunStatus::kSuccess), Ran("audit", TaskRunStatus::kSkipped)})
          .empty());
  // A run lost before it saved any task run retries everything.
  EXPECT_EQ(TasksToRetry(Pipeline(), {}).size(), 4u);
}

}  // namespace
}  // namespace orc
