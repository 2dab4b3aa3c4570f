#include "executor/executor_main.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/interrupter.h"
#include "common/landlock.h"
#include "engine/duckdb_engine.h"
#include "executor/database_file_locks.h"
#include "executor/executor_protocol.h"
#include "executor/frame_channel.h"
#include "executor/task_runner.h"
#include "plugins/extractors/api/network_policy.h"
#include "plugins/plugin.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

using namespace std::chrono_literals;

// How often the control thread sends a running task's counters when they changed.
constexpr auto kProgressInterval = 250ms;
// How long orc may take to send the settings after starting the process.
constexpr auto kInitTimeout = 30s;

// The attempt running now, shared by the thread running it and the control thread.
struct CurrentTask {
  TaskAssignment assignment;
  Interrupter interrupter;
  TaskProgress progress;
  bool started = false;
};

class Executor {
 public:
  Executor(int fd, const PluginRegistry& plugins) : channel_(fd), plugins_(plugins) {}

  int Run() {
    Result<ExecutorSettings> settings = ReceiveSettings();
    if (!settings.ok()) return Fail(settings.status());
    settings_ = std::move(*settings);
    policy_.emplace(settings_.data_dir, settings_.allowed_directories, settings_.protected_files);
    network_policy_.allow_private = settings_.allow_private;
    for (const std::string& host : settings_.allowed_hosts) {
      Result<AllowedHost> allowed = ParseAllowedHost(host);
      if (!allowed.ok()) return Fail(allowed.status().WithContext("allowed host"));
      network_policy_.allowed_hosts.push_back(std::move(*allowed));
    }
    const std::string sandbox = Confine();
    if (Status sent = Send({{"type", "ready"}, {"sandbox", sandbox}}); !sent.ok()) return 1;
    std::thread control([this] { ControlLoop(); });
    control.detach();  // ends with the process: it exits when orc closes the channel
    while (true) RunNextTask();
  }

 private:
  Result<ExecutorSettings> ReceiveSettings() {
    Result<std::optional<std::string>> frame = channel_.Receive(kInitTimeout);
    if (!frame.ok()) return frame.status();
    if (!*frame) return UnavailableError("orc sent no settings");
    ORC_ASSIGN_OR_RETURN(nlohmann::json message, ParseMessage(**frame));
    if (message["type"] != "init") return InvalidArgumentError("the first message is not init");
    return ExecutorSettingsFromJson(message);
  }

  // Confines this process, still single-threaded, to what jobs may use: Landlock (the kernel's, on
  // every file the process opens) where the kernel has it, and DuckDB's own confinement (SQL
  // reaches only the allowed directories, loads no extension, cannot change a setting back).
  // Returns how, for orc's log.
  std::string Confine() {
    std::vector<std::filesystem::path> directories = {settings_.data_dir};
    std::vector<LandlockRule> rules = ExecutorSystemPaths();
    rules.push_back({settings_.data_dir, LandlockAccess::kReadWrite});
    for (const AllowedDirectory& directory : settings_.allowed_directories) {
      directories.push_back(directory.path);
      rules.push_back({directory.path, directory.writable ? LandlockAccess::kReadWrite
                                                          : LandlockAccess::kReadOnly});
    }
    // Spool files of the api extractor, DuckDB's spills.
    directories.push_back(settings_.temp_dir);
    rules.push_back({settings_.temp_dir, LandlockAccess::kReadWrite});
    if (!settings_.confine) {
      engine_ = std::make_unique<DuckDbEngine>();
      return "not confined";
    }
    const LandlockOutcome landlock = RestrictFileAccess(rules);
    engine_ = std::make_unique<DuckDbEngine>(
        DuckDbEngineOptions{.confinement = DuckDbConfinement{.allowed_directories = directories},
                            .spill_directory = settings_.temp_dir / "spill",
                            .threads = std::max(1u, std::thread::hardware_concurrency())});
    return "DuckDB confined to " + std::to_string(directories.size()) +
           " directories without extensions; " + landlock.description;
  }

  static int Fail(const Status& status) {
    // stderr is orc's: the one place an executor writes to it, before it could report anything.
    std::fprintf(stderr, "orc executor: %s\n", status.message().c_str());
    return 1;
  }

  Status Send(const nlohmann::json& message) {
    return channel_.Send(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  // Reads orc's messages for as long as the channel is open, and reports progress meanwhile.
  void ControlLoop() {
    while (true) {
      Result<std::optional<std::string>> frame = channel_.Receive(kProgressInterval);
      if (!frame.ok()) std::_Exit(0);  // orc closed the channel (or is gone): nothing to finish
      if (!*frame) {
        SendProgress();
        continue;
      }
      Result<nlohmann::json> message = ParseMessage(**frame);
      if (!message.ok()) std::_Exit(2);
      const std::string type = (*message)["type"];
      if (type == "task") {
        Result<TaskAssignment> task = TaskAssignmentFromJson(*message);
        if (!task.ok()) std::_Exit(2);
        std::lock_guard lock(mutex_);
        current_ = std::make_shared<CurrentTask>();
        current_->assignment = std::move(*task);
        task_ready_.notify_one();
      } else if (type == "stop") {
        std::lock_guard lock(mutex_);
        if (current_) current_->interrupter.Interrupt(StopMessageError(*message));
      }
    }
  }

  void SendProgress() {
    std::shared_ptr<CurrentTask> task;
    {
      std::lock_guard lock(mutex_);
      if (!current_ || !current_->started) return;
      task = current_;
    }
    const TaskCounters counters = CountersOf(task->progress);
    {
      std::lock_guard lock(mutex_);
      if (counters == last_progress_) return;
      last_progress_ = counters;
    }
    (void)Send(ToJson(counters));
  }

  static TaskCounters CountersOf(TaskProgress& progress) {
    return {.rows_extracted = progress.rows_extracted.load(std::memory_order_relaxed),
            .rows_loaded = progress.rows_loaded.load(std::memory_order_relaxed),
            .bytes_read = progress.BytesReadNow(),
            .bytes_total = progress.bytes_to_read.load(std::memory_order_relaxed),
            .rows_processed = progress.RowsProcessedNow()};
  }

  void RunNextTask() {
    std::shared_ptr<CurrentTask> task;
    {
      std::unique_lock lock(mutex_);
      task_ready_.wait(lock, [this] { return current_ && !current_->started; });
      current_->started = true;
      task = current_;
      last_progress_ = {};
    }
    PrepareEngine(task->assignment);
    TaskReport report = Execute(*task);
    report.counters = CountersOf(task->progress);
    {
      std::lock_guard lock(mutex_);
      current_.reset();
    }
    (void)Send(ToJson(report));
  }

  // DuckDB's memory limit for the databases the attempt opens: three quarters of the attempt's,
  // so that DuckDB spills or fails with its own clear error before orc has to kill the process
  // (which also holds DuckDB's code, the spool and the plugins' own memory).
  //
  // ":memory:" stays open from one attempt to the next, so that the tasks of a run can hand tables
  // on through it and a trivial task does not pay for opening a database (about 15 ms). It is
  // opened again, empty, when a task of another job comes (nothing one job left there reaches
  // another) and when the memory limit changes (an open database keeps its own).
  void PrepareEngine(const TaskAssignment& assignment) {
    std::optional<uint64_t> limit;
    if (assignment.memory_limit_mb > 0) {
      limit = static_cast<uint64_t>(assignment.memory_limit_mb) * 3 / 4 << 20;
    }
    if (limit != memory_limit_) {
      memory_limit_ = limit;
      engine_->SetMemoryLimit(limit);
      engine_->DropMemoryDatabase();
    }
    if (assignment.job_id != memory_job_) {
      engine_->DropMemoryDatabase();
      memory_job_ = assignment.job_id;
    }
  }

  TaskReport Execute(CurrentTask& current) {
    const TaskAssignment& assignment = current.assignment;
    // The configurations arrive resolved; orc keeps their secrets out of what comes back.
    const ResolvedTask task{.extractor_config = assignment.extractor_config,
                            .loader_config = assignment.loader_config,
                            .transform_config = assignment.transform_config};
    TaskContext context{.run_id = assignment.run_id,
                        .task_id = assignment.task_id,
                        .task_name = assignment.task_name,
                        .attempt = assignment.attempt,
                        .paths = &*policy_,
                        .engine = engine_.get(),
                        .progress = &current.progress,
                        .interrupter = &current.interrupter,
                        .clock = &SystemClock::Instance(),
                        .network_policy = &network_policy_,
                        .log = [this](std::string_view level, std::string message) {
                          (void)Send({{"type", "log"}, {"level", level}, {"message", message}});
                        }};
    Result<DatabaseFileLocks::Held> held = DatabaseFileLocks::Acquire(
        assignment.databases_written, current.interrupter,
        [this](const std::filesystem::path& file) {
          return engine_->Connect(file.string()).status();
        },
        [&] {
          context.Log("info", "waiting for another process writing " +
                                  assignment.databases_written.front().string());
        });
    if (!held.ok()) return TaskReport{.status = held.status()};
    Result<TaskAttemptResult> result = InternalError("the task did not run");
    try {
      result = RunTaskAttempt(task, plugins_, context);
    } catch (const std::exception& error) {
      // A bug, not the input's fault: report it as the attempt's failure instead of dying.
      result = InternalError(std::string("unexpected error: ") + error.what());
    }
    if (!result.ok()) return TaskReport{.status = result.status()};
    return TaskReport{.rows = result->rows_loaded, .already_loaded = result->already_loaded};
  }

  FrameChannel channel_;
  const PluginRegistry& plugins_;
  ExecutorSettings settings_;
  std::optional<PathPolicy> policy_;
  NetworkPolicy network_policy_;
  std::unique_ptr<DuckDbEngine> engine_;  // made by Confine()
  std::optional<uint64_t> memory_limit_;  // DuckDB's, for the databases opened now
  std::string memory_job_;                // the job whose tasks ":memory:" belongs to
  std::mutex mutex_;                      // guards current_ and last_progress_
  std::condition_variable task_ready_;
  std::shared_ptr<CurrentTask> current_;
  TaskCounters last_progress_;
};

}  // namespace

int RunExecutor(int fd, const PluginRegistry& plugins) {
  // Die with orc, even when it is killed: a task must not outlive the server that ran it.
  if (const char* parent = std::getenv("ORC_EXECUTOR_PARENT"); parent != nullptr) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (std::to_string(getppid()) != parent) return 1;  // orc died before the line above
  }
  // Ctrl-C in a terminal reaches the whole process group; orc decides when its tasks stop.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  return Executor(fd, plugins).Run();
}

}  // namespace orc
