// AttemptScript: in-process task attempts for the tests of the worker side (ExecuteRun, the
// WorkerManager). Each runner it makes (an AttemptRunner) runs no task: the outcome of each
// attempt comes from the script, by task name and attempt number, and every attempt is recorded
// in the order it began, with the time on the test's clock. A scripted attempt can also report
// progress, log lines, run a test's action (a supervisor's, from inside the attempt), or block
// until it is interrupted, for the cancel, timeout, lease and shutdown cases.
//
// Thread safety: all methods are safe from any thread; one script serves the runners of all
// workers. The script and the clock must outlive the runners.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "executor/attempt_runner.h"

namespace orc::testing {

// What one attempt does, in this order: reports `progress`, logs `log`, runs `action`, then (with
// `block`) waits until it is interrupted or released, and ends with `status`, unless it was
// interrupted by then: then with the interrupter's reason, as an executor does.
struct ScriptedAttempt {
  Status status;
  int64_t rows = 0;
  TaskCounters progress;
  std::vector<std::string> log;
  std::function<void()> action;
  bool block = false;
};

// One attempt as the runner saw it.
struct RecordedAttempt {
  TaskAssignment assignment;
  TimePoint began;
  std::optional<TimePoint> interrupted;  // the clock when the interrupter fired, if it did
  Status interrupt_reason;
};

class AttemptScript {
 public:
  explicit AttemptScript(Clock& clock) : clock_(clock) {}

  // The attempts of `task_name`, first attempt first; an attempt not scripted succeeds with no
  // rows.
  void Script(const std::string& task_name, std::vector<ScriptedAttempt> attempts);
  // What the runners' Start() returns.
  void FailStarts(Status status);

  // A runner for one worker.
  std::unique_ptr<AttemptRunner> NewRunner();
  // A factory for WorkerManagerOptions::make_runner.
  std::function<std::unique_ptr<AttemptRunner>()> Factory();

  // Every attempt begun, in order.
  std::vector<RecordedAttempt> attempts() const;
  // The task names of attempts(), in order.
  std::vector<std::string> TaskNames() const;
  int starts() const;

  // Blocks until `count` attempts are blocked (scripted `block`, not yet interrupted or released).
  // False after `timeout` of real time, so that a test fails instead of hanging.
  [[nodiscard]] bool AwaitBlocked(
      int count = 1, std::chrono::steady_clock::duration timeout = std::chrono::seconds(30));
  // Ends the blocked attempts of `task_name` with their scripted status.
  void Release(const std::string& task_name);

 private:
  class Runner;

  TaskReport Run(const TaskAssignment& task, Interrupter& interrupter,
                 const AttemptRunner::LogSink& on_log,
                 const AttemptRunner::ProgressSink& on_progress);

  Clock& clock_;
  mutable std::mutex mutex_;  // guards the members below
  std::condition_variable changed_;
  std::map<std::string, std::vector<ScriptedAttempt>> script_;
  std::vector<RecordedAttempt> attempts_;
  std::map<std::string, int> released_;  // by task name: releases not yet taken by an attempt
  int blocked_ = 0;
  int starts_ = 0;
  Status start_status_;
};

}  // namespace orc::testing
