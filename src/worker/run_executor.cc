#include "worker/run_executor.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "core/run_templates.h"
#include "executor/attempt_runner.h"
#include "executor/task_runner.h"
#include "plugins/plugin_registry.h"
#include "worker/database_write_locks.h"

namespace orc {
namespace {

// An attempt ready for the executor: its configurations with their secrets resolved and the
// DuckDB files it writes, and what hides those secrets again.
// A task whose result downstream tasks may use: it succeeded in this run, or in the run this one
// retries (skipped here).
bool Succeeded(const TaskRun& task_run) {
  return task_run.status == TaskRunStatus::kSuccess || task_run.status == TaskRunStatus::kSkipped;
}

struct PreparedAttempt {
  TaskAssignment assignment;
  Redactor redactor;
};

class RunExecution {
 public:
  RunExecution(ExecutionEnvironment& environment, AttemptRunner& runner, ActiveRun& active,
               RunLog& log)
      : environment_(environment),
        runner_(runner),
        active_(active),
        log_(log),
        run_(active.run()) {}

  RunOutcome Execute() {
    Result<Job> job = environment_.store.GetJob(run_.job_id);
    if (!job.ok()) {
      return {.status = RunStatus::kFailed,
              .error_message = job.status().WithContext("cannot read the job").message()};
    }
    job_ = std::move(*job);
    Result<TemplateContext> templates = RunTemplateContext(job_, run_);
    if (!templates.ok()) {
      return {.status = RunStatus::kFailed, .error_message = templates.status().message()};
    }
    templates_ = std::move(*templates);
    PrepareTaskRuns();
    log_.Add("info", "",
             "run started (attempt " + std::to_string(run_.attempt) + ", " +
                 std::to_string(job_.tasks.size()) + " tasks)");
    if (!run_.only_tasks.empty()) {
      std::string names;
      for (const std::string& name : run_.only_tasks) names += (names.empty() ? "" : ", ") + name;
      log_.Add("info", "",
               "runs " + names + " again" +
                   (run_.retry_of.empty() ? "" : " (from run " + run_.retry_of + ")") +
                   "; the other tasks keep their results");
    }
    const std::vector<size_t> order = ExecutionOrder();
    for (const size_t index : order) {
      TaskRun& task_run = task_runs_[index];
      // Succeeded on an earlier claim, or not run by a run that retries part of another.
      if (task_run.status != TaskRunStatus::kPending) {
        if (task_run.status != TaskRunStatus::kSuccess) SaveTaskRun(task_run);
        continue;
      }
      if (active_.stop_reason() != StopReason::kNone) break;
      if (const std::string failed = FailedDependency(job_.tasks[index]); !failed.empty()) {
        task_run.status = TaskRunStatus::kUpstreamFailed;
        task_run.error_message = "upstream task " + failed + " did not succeed";
        log_.Add("warn", task_run.task_name, task_run.error_message);
        SaveTaskRun(task_run);
        continue;
      }
      RunTask(job_.tasks[index], task_run);
    }
    return Outcome();
  }

 private:
  void PrepareTaskRuns() {
    // Whatever claimed the run before (a worker that was lost, one that gave the run back at
    // shutdown, which does not count as an attempt), the tasks it saw succeed are not run again.
    std::map<std::string, TaskRun> earlier = SavedTaskRuns(run_.run_id);
    // A run that retries or clears part of another runs only its chosen tasks; the others keep
    // what they came to in that run.
    std::map<std::string, TaskRun> retried;
    if (!run_.only_tasks.empty() && !run_.retry_of.empty()) {
      for (auto& [id, task_run] : SavedTaskRuns(run_.retry_of)) {
        retried.emplace(task_run.task_name, std::move(task_run));
      }
    }
    for (const Task& task : job_.tasks) {
      index_by_name_[task.task_name] = task_runs_.size();
      const auto found = earlier.find(task.task_id);
      if (found != earlier.end() && found->second.status == TaskRunStatus::kSuccess) {
        task_runs_.push_back(found->second);
        continue;
      }
      TaskRun task_run{.run_id = run_.run_id,
                       .task_id = task.task_id,
                       .task_name = task.task_name,
                       .task_order = task.task_order};
      const auto before = retried.find(task.task_name);
      const bool chosen = std::find(run_.only_tasks.begin(), run_.only_tasks.end(),
                                    task.task_name) != run_.only_tasks.end();
      if (!chosen && before != retried.end()) KeepEarlierResult(before->second, task_run);
      task_runs_.push_back(std::move(task_run));
    }
  }

  std::map<std::string, TaskRun> SavedTaskRuns(const std::string& run_id) {
    std::map<std::string, TaskRun> by_id;
    if (Result<std::vector<TaskRun>> saved = environment_.store.GetTaskRuns(run_id); saved.ok()) {
      for (TaskRun& task_run : *saved) by_id[task_run.task_id] = std::move(task_run);
    }
    return by_id;
  }

  // A task this run does not run: skipped when it succeeded in the run retried (its result
  // stands, and the tasks downstream may use it), else what it came to there.
  void KeepEarlierResult(const TaskRun& before, TaskRun& task_run) const {
    task_run.finished_at = before.finished_at;
    if (before.status == TaskRunStatus::kSuccess || before.status == TaskRunStatus::kSkipped) {
      task_run.status = TaskRunStatus::kSkipped;
      return;
    }
    task_run.status =
        before.status == TaskRunStatus::kPending || before.status == TaskRunStatus::kRunning
            ? TaskRunStatus::kCancelled
            : before.status;
    task_run.attempts = before.attempts;
    task_run.error_message = "not run again: " + std::string(ToString(before.status)) + " in run " +
                             run_.retry_of +
                             (before.error_message.empty() ? "" : ": " + before.error_message);
  }

  // Task indexes in task_order, except that a task comes after the tasks it depends on (the job's
  // validation guarantees there is no cycle).
  std::vector<size_t> ExecutionOrder() const {
    std::vector<size_t> order;
    std::vector<bool> placed(job_.tasks.size(), false);
    while (order.size() < job_.tasks.size()) {
      const size_t before = order.size();
      for (size_t index = 0; index < job_.tasks.size(); ++index) {
        if (placed[index]) continue;
        bool ready = true;
        for (const std::string& name : job_.tasks[index].depends_on) {
          const auto found = index_by_name_.find(name);
          ready = ready && (found == index_by_name_.end() || placed[found->second]);
        }
        if (!ready) continue;
        placed[index] = true;
        order.push_back(index);
        break;
      }
      if (order.size() == before) break;  // a cycle after all: the rest never runs
    }
    return order;
  }

  // The name of a task `task` depends on that did not succeed; empty when all did.
  std::string FailedDependency(const Task& task) const {
    for (const std::string& name : task.depends_on) {
      const auto found = index_by_name_.find(name);
      if (found == index_by_name_.end() || !Succeeded(task_runs_[found->second])) return name;
    }
    return "";
  }

  void RunTask(const Task& task, TaskRun& task_run) {
    const RetryPolicy policy = task.retry.value_or(job_.retry);
    const std::optional<int> timeout_s = task.timeout_s ? task.timeout_s : job_.timeout_s;
    const int max_attempts = std::max(1, policy.max_attempts);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      Status failure = RunAttempt(task, task_run, attempt, timeout_s);
      if (failure.ok()) break;
      task_run.errors.push_back(failure.message());
      task_run.error_message = failure.message();
      const StopReason stop = active_.stop_reason();
      if (stop != StopReason::kNone) {
        task_run.status = stop == StopReason::kCancelRequested ? TaskRunStatus::kCancelled
                                                               : TaskRunStatus::kFailed;
        break;
      }
      if (!IsRetryable(failure.code()) || attempt == max_attempts) {
        task_run.status = TaskRunStatus::kFailed;
        log_.Add("error", task.task_name,
                 "failed after " + std::to_string(attempt) + " attempt" +
                     (attempt == 1 ? "" : "s") +
                     (IsRetryable(failure.code()) ? "" : " (not retried: this error cannot heal)") +
                     ": " + failure.message());
        break;
      }
      const Duration delay = RetryDelay(policy, attempt + 1, environment_.random);
      log_.Add("warn", task.task_name,
               "attempt " + std::to_string(attempt) + " failed: " + failure.message() +
                   "; retrying in " + FormatSeconds(delay));
      task_run.status = TaskRunStatus::kPending;
      SaveTaskRun(task_run);
      environment_.clock.WaitUntil(active_.stop_signal(), environment_.clock.Now() + delay);
      if (active_.stop_reason() != StopReason::kNone) {
        task_run.status = TaskRunStatus::kCancelled;
        break;
      }
    }
    task_run.finished_at = environment_.clock.Now();
    // Saved before anything else happens, the last task's end included (the run's finish saves it
    // again): whatever stops this process from here on, a task that succeeded is not run again.
    SaveTaskRun(task_run);
  }

  // One attempt; OK on success (task_run then records it), else the attempt's error.
  Status RunAttempt(const Task& task, TaskRun& task_run, int attempt,
                    std::optional<int> timeout_s) {
    const TimePoint started = environment_.clock.Now();
    task_run.status = TaskRunStatus::kRunning;
    task_run.attempts = attempt;
    if (!task_run.started_at) task_run.started_at = started;
    SaveTaskRun(task_run);

    Interrupter interrupter;
    TaskProgress progress;
    active_.BeginAttempt(
        &interrupter,
        timeout_s ? std::optional(started + std::chrono::seconds(*timeout_s)) : std::nullopt,
        timeout_s.value_or(0), task_run, &progress);
    const TaskReport report = Dispatch(task, attempt, interrupter, progress);
    active_.EndAttempt();

    task_run.rows_extracted = progress.rows_extracted.load(std::memory_order_relaxed);
    task_run.rows_loaded = progress.rows_loaded.load(std::memory_order_relaxed);
    task_run.bytes_read = progress.bytes_read.load(std::memory_order_relaxed);
    task_run.bytes_total = progress.bytes_to_read.load(std::memory_order_relaxed);
    task_run.rows_processed = progress.rows_processed.load(std::memory_order_relaxed);
    const Duration took = environment_.clock.Now() - started;
    if (!report.status.ok()) {
      Status failure = report.status;
      if (failure.code() == StatusCode::kDeadlineExceeded) {
        failure = std::move(failure).WithContext("attempt " + std::to_string(attempt));
      }
      return failure;
    }
    if (report.already_loaded) task_run.rows_loaded = report.rows;
    task_run.status = TaskRunStatus::kSuccess;
    task_run.error_message.clear();
    log_.Add("info", task.task_name,
             "succeeded (attempt " + std::to_string(attempt) + ", " + std::to_string(report.rows) +
                 (task.transform_config.empty() ? " rows loaded, " : " rows changed, ") +
                 FormatSeconds(took) + ")");
    return Status::Ok();
  }

  // Runs one attempt in the worker's runner, once the DuckDB files it writes are free; its
  // counters go to `progress` as they arrive, its log to the run's log.
  TaskReport Dispatch(const Task& task, int attempt, Interrupter& interrupter,
                      TaskProgress& progress) {
    Result<PreparedAttempt> prepared = Prepare(task, attempt);
    if (!prepared.ok()) return {.status = prepared.status()};
    const Redactor& redactor = prepared->redactor;
    const std::vector<std::filesystem::path>& databases = prepared->assignment.databases_written;
    Result<DatabaseWriteLocks::Held> held =
        environment_.database_locks.Acquire(databases, interrupter, [&] {
          log_.Add("info", task.task_name,
                   "waiting for another task writing " + databases.front().string());
        });
    if (!held.ok()) return {.status = held.status()};
    auto count = [&progress](const TaskCounters& counters) {
      progress.rows_extracted.store(counters.rows_extracted, std::memory_order_relaxed);
      progress.rows_loaded.store(counters.rows_loaded, std::memory_order_relaxed);
      progress.bytes_read.store(counters.bytes_read, std::memory_order_relaxed);
      progress.bytes_to_read.store(counters.bytes_total, std::memory_order_relaxed);
      progress.rows_processed.store(counters.rows_processed, std::memory_order_relaxed);
    };
    TaskReport report = runner_.Run(
        prepared->assignment, interrupter,
        [&](std::string_view level, std::string message) {
          log_.Add(level, task.task_name, redactor.Redact(std::move(message)));
        },
        count);
    count(report.counters);
    if (!report.status.ok()) {
      report.status = Status(report.status.code(), redactor.Redact(report.status.message()))
                          .WithField(report.status.field());
    }
    return report;
  }

  Result<PreparedAttempt> Prepare(const Task& task, int attempt) {
    ORC_RETURN_IF_ERROR(environment_.paths.CheckProtectedFilesHaveOneName());
    PreparedAttempt prepared{
        .assignment = {.job_id = run_.job_id,
                       .run_id = run_.run_id,
                       .task_id = task.task_id,
                       .task_name = task.task_name,
                       .attempt = attempt,
                       .memory_limit_mb = task.memory_mb.value_or(job_.memory_mb.value_or(
                           static_cast<int>(environment_.task_memory_mb)))}};
    // Resolved for each attempt: a variable may have been set since the last one failed.
    const TaskTemplates templates{.plugins = environment_.plugins, .context = templates_};
    ORC_ASSIGN_OR_RETURN(ResolvedTask resolved,
                         ResolveTask(task, environment_.secrets, &templates));
    TaskAssignment& assignment = prepared.assignment;
    assignment.extractor_config = std::move(resolved.extractor_config);
    assignment.loader_config = std::move(resolved.loader_config);
    assignment.transform_config = std::move(resolved.transform_config);
    prepared.redactor = std::move(resolved.redactor);
    // A path refused here fails the attempt in the executor, which checks it again with its reason.
    for (const auto& [kind, config] :
         {std::pair{PluginKind::kLoader, &assignment.loader_config},
          std::pair{PluginKind::kTransform, &assignment.transform_config}}) {
      if (config->is_null()) continue;
      Result<std::vector<std::filesystem::path>> files =
          environment_.plugins.DatabasesWritten(kind, *config, environment_.paths);
      if (files.ok()) {
        assignment.databases_written.insert(assignment.databases_written.end(), files->begin(),
                                            files->end());
      }
    }
    return prepared;
  }

  void SaveTaskRun(const TaskRun& task_run) {
    // A run whose lease was lost (another node took it over, or this node fenced itself) is no
    // longer this worker's to write, even where the store would still take it.
    if (active_.stop_reason() == StopReason::kLeaseLost) return;
    if (Status saved = environment_.store.SaveTaskRun(task_run, run_.lease_owner); !saved.ok()) {
      log_.Add("warn", task_run.task_name, "cannot save the task's progress: " + saved.message());
    }
  }

  RunOutcome Outcome() {
    RunOutcome outcome;
    // What the run's last log line says of a failure: the failed task's own line said its cause
    // already, so the run's line only names the task (error_message keeps the cause, for the API).
    std::string logged_error;
    const StopReason stop = active_.stop_reason();
    for (TaskRun& task_run : task_runs_) {
      if (task_run.status == TaskRunStatus::kPending ||
          task_run.status == TaskRunStatus::kRunning) {
        task_run.status = TaskRunStatus::kCancelled;
      }
      outcome.rows_extracted += task_run.rows_extracted;
      outcome.rows_loaded += task_run.rows_loaded;
      if (outcome.error_message.empty() && task_run.status == TaskRunStatus::kFailed) {
        outcome.error_message = "task " + task_run.task_name + " failed after " +
                                std::to_string(task_run.attempts) + " attempt" +
                                (task_run.attempts == 1 ? "" : "s") + ": " + task_run.error_message;
        logged_error = "task " + task_run.task_name + " failed";
      }
    }
    if (stop != StopReason::kNone) {
      outcome.status = RunStatus::kCancelled;
      outcome.error_message = Describe(stop);
      logged_error = outcome.error_message;
    } else {
      const bool all_succeeded = std::all_of(task_runs_.begin(), task_runs_.end(), Succeeded);
      outcome.status = all_succeeded ? RunStatus::kSuccess : RunStatus::kFailed;
      if (!all_succeeded && outcome.error_message.empty()) {
        outcome.error_message = "a task did not succeed";
      }
    }
    if (logged_error.empty()) logged_error = outcome.error_message;
    log_.Add(outcome.status == RunStatus::kSuccess ? "info" : "error", "",
             "run " + std::string(ToString(outcome.status)) +
                 (logged_error.empty() ? "" : ": " + logged_error));
    outcome.task_runs = std::move(task_runs_);
    return outcome;
  }

  ExecutionEnvironment& environment_;
  AttemptRunner& runner_;
  ActiveRun& active_;
  RunLog& log_;
  const Run& run_;
  Job job_;
  TemplateContext templates_;       // what the tasks' templates render from
  std::vector<TaskRun> task_runs_;  // parallel to job_.tasks
  std::map<std::string, size_t> index_by_name_;
};

}  // namespace

RunOutcome ExecuteRun(ExecutionEnvironment& environment, AttemptRunner& runner, ActiveRun& active,
                      RunLog& log) {
  return RunExecution(environment, runner, active, log).Execute();
}

Backoff RetryBackoff(const RetryPolicy& policy) {
  return Backoff{.initial = std::chrono::duration<double>(policy.initial_delay_s),
                 .max = std::chrono::duration<double>(policy.max_delay_s),
                 .multiplier = 2,
                 .jitter = 0.5};
}

Duration RetryDelay(const RetryPolicy& policy, int next_attempt, RandomSource& random) {
  return RetryBackoff(policy).Delay(next_attempt - 2, random);
}

}  // namespace orc
