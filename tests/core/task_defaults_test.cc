#include "core/task_defaults.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

Task Named(std::string name, int order = 0) {
  return Task{.task_order = order, .task_name = std::move(name)};
}

TEST(TaskDefaultsTest, UnsetOrderIsThePositionFromOne) {
  std::vector<Task> tasks = {Named("a"), Named("b"), Named("c")};
  ApplyTaskDefaults(tasks);
  EXPECT_EQ(tasks[0].task_order, 1);
  EXPECT_EQ(tasks[1].task_order, 2);
  EXPECT_EQ(tasks[2].task_order, 3);
}

TEST(TaskDefaultsTest, UnsetNameIsTaskAndThePosition) {
  std::vector<Task> tasks = {Named(""), Named("middle"), Named("")};
  ApplyTaskDefaults(tasks);
  EXPECT_EQ(tasks[0].task_name, "task_1");
  EXPECT_EQ(tasks[1].task_name, "middle");
  EXPECT_EQ(tasks[2].task_name, "task_3");
}

// The name counts positions, not task_order: the JSON decoder, the graph check and the state
// store once disagreed here (the store named by task_order).
TEST(TaskDefaultsTest, NameFollowsThePositionEvenWhenTheOrderIsSet) {
  std::vector<Task> tasks = {Named("", 2), Named("", 1), Named("", 10)};
  ApplyTaskDefaults(tasks);
  EXPECT_EQ(tasks[0].task_name, "task_1");
  EXPECT_EQ(tasks[1].task_name, "task_2");
  EXPECT_EQ(tasks[2].task_name, "task_3");
  EXPECT_EQ(tasks[0].task_order, 2);
  EXPECT_EQ(tasks[1].task_order, 1);
  EXPECT_EQ(tasks[2].task_order, 10);
}

TEST(TaskDefaultsTest, IsIdempotent) {
  std::vector<Task> tasks = {Named(""), Named("b", 7)};
  ApplyTaskDefaults(tasks);
  const std::vector<Task> once = tasks;
  ApplyTaskDefaults(tasks);
  EXPECT_EQ(tasks, once);
}

TEST(TaskDefaultsTest, NoTasksIsFine) {
  std::vector<Task> tasks;
  ApplyTaskDefaults(tasks);
  EXPECT_TRUE(tasks.empty());
}

}  // namespace
}  // namespace orc
