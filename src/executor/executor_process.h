// ExecutorProcess: one executor process, as orc sees it: started when needed, given one task
// attempt at a time over a FrameChannel, and killed and started again when an attempt crashes it,
// hangs past a stop or grows past its memory limit. The attempt fails with a clear error; orc and
// every other attempt go on.
//
// The process is `command` (normally orc's own binary, `orc executor`), started with posix_spawn:
// the channel as file descriptor 3 and no other descriptor of orc's, a small environment (none of
// orc's secrets: the variables tasks may read arrive resolved inside their configurations), its
// own temporary directory as TMPDIR, and a lower CPU priority than orc's own threads, so that the
// API and the scheduler stay responsive while tasks load data.
//
// It is the AttemptRunner of each worker of orc (executor/attempt_runner.h).
//
// Thread safety: one thread at a time (the worker that owns it); pid() may be read from any.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/interrupter.h"
#include "executor/attempt_runner.h"
#include "executor/executor_protocol.h"

namespace orc {

class FrameChannel;

struct ExecutorOptions {
  // The program to start and its arguments, e.g. {"/proc/self/exe", "executor"}.
  std::vector<std::string> command;
  // Sent to the process at start; temp_dir is made for each process and filled in.
  ExecutorSettings settings;
  // After a stop request, how long an attempt may take to wind down before its process is
  // killed; stop and kill together stay within the one second a cancel or timeout promises.
  Duration stop_grace = std::chrono::milliseconds(500);
  // How often a running attempt's memory is measured against its limit.
  Duration memory_check_interval = std::chrono::milliseconds(100);
  // How long a new process may take to say it is ready.
  Duration start_timeout = std::chrono::seconds(30);
  // Whether the process runs under SCHED_BATCH: its fair share of the CPU against every other
  // process, without preempting orc's own threads (API, scheduler, bookkeeping) when they wake.
  // Not a nice value: that gives a load's share away to every other process on the machine, not
  // only to orc's threads (at nice 10, loads beside one busy process took 4x as long).
  bool batch_scheduling = true;
};

class ExecutorProcess final : public AttemptRunner {
 public:
  explicit ExecutorProcess(ExecutorOptions options);
  ~ExecutorProcess() override;  // ends the process
  ExecutorProcess(const ExecutorProcess&) = delete;
  ExecutorProcess& operator=(const ExecutorProcess&) = delete;

  // Starts the process unless it runs. Unavailable naming the command and the reason when it
  // cannot be started or does not become ready in time.
  Status Start() override;

  // Runs `task`, starting the process first when needed. Log lines and progress reach `on_log` and
  // `on_progress` on this thread as they arrive. When `interrupter` fires, the attempt is asked to
  // stop; if it has not ended `stop_grace` later, the process is killed and the report carries the
  // interrupter's reason. A process that dies meanwhile fails the attempt ("task process crashed
  // (SIGSEGV)"), as does one whose resident memory passes task.memory_limit_mb (ResourceExhausted
  // "task exceeded its memory limit of 2048 MiB"); the next Run starts a new process.
  TaskReport Run(const TaskAssignment& task, Interrupter& interrupter, const LogSink& on_log,
                 const ProgressSink& on_progress) override;

  // The process's id while it runs, else 0.
  pid_t pid() const { return pid_.load(); }
  // How the process confined itself, as it reported when it became ready.
  const std::string& sandbox() const override { return sandbox_; }

 private:
  Status Spawn();
  // Kills the process (when it runs) and collects it; returns how it ended, for messages.
  std::string Kill();
  // Collects the process, which has ended or is ending; returns how it ended.
  std::string Collect();
  // True (and collected) when the process has ended since it was started.
  bool Ended();
  void Forget();

  const ExecutorOptions options_;
  std::atomic<pid_t> pid_{0};
  std::unique_ptr<FrameChannel> channel_;
  std::filesystem::path temp_dir_;
  std::string sandbox_;
};

// The resident memory of process `pid` in bytes, or nullopt when it cannot be read.
std::optional<int64_t> ResidentBytes(pid_t pid);

}  // namespace orc
