#include "worker/attempt_script.h"

namespace orc::testing {

// A blocked attempt that nothing ends within this much real time fails instead of hanging the
// test.
constexpr auto kBlockLimit = std::chrono::seconds(60);

class AttemptScript::Runner final : public AttemptRunner {
 public:
  explicit Runner(AttemptScript& script) : script_(script) {}

  Status Start() override {
    std::lock_guard lock(script_.mutex_);
    ++script_.starts_;
    return script_.start_status_;
  }

  TaskReport Run(const TaskAssignment& task, Interrupter& interrupter, const LogSink& on_log,
                 const ProgressSink& on_progress) override {
    return script_.Run(task, interrupter, on_log, on_progress);
  }

  const std::string& sandbox() const override { return sandbox_; }

 private:
  AttemptScript& script_;
  const std::string sandbox_ = "scripted";
};

void AttemptScript::Script(const std::string& task_name, std::vector<ScriptedAttempt> attempts) {
  std::lock_guard lock(mutex_);
  script_[task_name] = std::move(attempts);
}

void AttemptScript::FailStarts(Status status) {
  std::lock_guard lock(mutex_);
  start_status_ = std::move(status);
}

std::unique_ptr<AttemptRunner> AttemptScript::NewRunner() {
  return std::make_unique<Runner>(*this);
}

std::function<std::unique_ptr<AttemptRunner>()> AttemptScript::Factory() {
  return [this] { return NewRunner(); };
}

std::vector<RecordedAttempt> AttemptScript::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

std::vector<std::string> AttemptScript::TaskNames() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const RecordedAttempt& attempt : attempts_) names.push_back(attempt.assignment.task_name);
  return names;
}

int AttemptScript::starts() const {
  std::lock_guard lock(mutex_);
  return starts_;
}

bool AttemptScript::AwaitBlocked(int count, std::chrono::steady_clock::duration timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return blocked_ >= count; });
}

void AttemptScript::Release(const std::string& task_name) {
  {
    std::lock_guard lock(mutex_);
    ++released_[task_name];
  }
  changed_.notify_all();
}

TaskReport AttemptScript::Run(const TaskAssignment& task, Interrupter& interrupter,
                              const AttemptRunner::LogSink& on_log,
                              const AttemptRunner::ProgressSink& on_progress) {
  ScriptedAttempt step;
  size_t index = 0;
  {
    std::lock_guard lock(mutex_);
    index = attempts_.size();
    attempts_.push_back({.assignment = task, .began = clock_.Now()});
    const auto found = script_.find(task.task_name);
    if (found != script_.end() && task.attempt >= 1 &&
        static_cast<size_t>(task.attempt) <= found->second.size()) {
      step = found->second[task.attempt - 1];
    }
  }
  // Runs on the interrupting thread, under the interrupter's lock (so it cannot ask for the
  // reason): records when, so a test can tell which Enforce() fired it.
  Interrupter::Registration registration = interrupter.OnInterrupt([this, index] {
    {
      std::lock_guard lock(mutex_);
      if (!attempts_[index].interrupted) attempts_[index].interrupted = clock_.Now();
    }
    changed_.notify_all();
  });
  on_progress(step.progress);
  for (std::string& line : step.log) on_log("info", std::move(line));
  if (step.action) step.action();
  if (step.block) {
    std::unique_lock lock(mutex_);
    ++blocked_;
    changed_.notify_all();
    const bool ended = changed_.wait_for(lock, kBlockLimit, [&] {
      return interrupter.interrupted() || released_[task.task_name] > 0;
    });
    --blocked_;
    if (!ended) return {.status = InternalError("scripted attempt was never interrupted")};
    if (!interrupter.interrupted()) --released_[task.task_name];
  }
  if (interrupter.interrupted()) {
    const Status reason = interrupter.reason();
    std::lock_guard lock(mutex_);
    attempts_[index].interrupt_reason = reason;
    return {.status = reason, .counters = step.progress};
  }
  return {.status = step.status, .rows = step.rows, .counters = step.progress};
}

}  // namespace orc::testing
