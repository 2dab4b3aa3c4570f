#include "executor/executor_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "executor/executor_main.h"
#include "executor/frame_channel.h"

extern char** environ;

namespace orc {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long a message to the process may wait for room in the socket: it reads all the time, so
// a full socket means it hangs.
constexpr auto kSendTimeout = std::chrono::seconds(5);
// How long a process asked to end (its channel closed) has before it is killed.
constexpr auto kExitGrace = std::chrono::milliseconds(200);
// The process's standard error, in its temporary directory, and how much of its end an error
// quotes.
constexpr const char* kStderrFile = "stderr.log";
constexpr std::streamoff kStderrTail = 500;

// The variables an executor inherits: what locale, time zone, TLS and the sanitizers need, never
// the server's configuration or secrets (DATABASE_URL, ORC_API_TOKEN, ...).
bool InheritedVariable(std::string_view entry) {
  static constexpr std::string_view kNames[] = {
      "PATH=",         "HOME=",          "LANG=",         "LANGUAGE=",
      "TZ=",           "SSL_CERT_FILE=", "SSL_CERT_DIR=", "CURL_CA_BUNDLE=",
      "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS="};
  if (entry.starts_with("LC_")) return true;
  for (std::string_view name : kNames) {
    if (entry.starts_with(name)) return true;
  }
  return false;
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("crashed (") +
           (name != nullptr ? "SIG" + std::string(name)
                            : "signal " + std::to_string(WTERMSIG(status))) +
           ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

// A file descriptor that becomes readable when Signal() is called; for waking a poll().
class WakeFd {
 public:
  WakeFd() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~WakeFd() { close(fd_); }
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;
  int fd() const { return fd_; }
  void Signal() const {
    const uint64_t one = 1;
    (void)!write(fd_, &one, sizeof one);
  }
  void Drain() const {
    uint64_t count = 0;
    (void)!read(fd_, &count, sizeof count);
  }

 private:
  int fd_;
};

int MillisecondsUntil(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

}  // namespace

std::optional<int64_t> ResidentBytes(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  int64_t size = 0;
  int64_t resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

ExecutorProcess::ExecutorProcess(ExecutorOptions options) : options_(std::move(options)) {}

ExecutorProcess::~ExecutorProcess() {
  if (pid_ == 0) return;
  channel_.reset();  // the process exits when its channel closes
  const auto deadline = SteadyClock::now() + kExitGrace;
  while (SteadyClock::now() < deadline) {
    if (Ended()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Kill();
}

Status ExecutorProcess::Start() {
  if (pid_ != 0 && !Ended()) return Status::Ok();
  Status spawned = Spawn();
  if (!spawned.ok()) {
    Kill();
    return spawned.WithContext("cannot start a task process (" + options_.command.front() + ")");
  }
  return Status::Ok();
}

Status ExecutorProcess::Spawn() {
  std::string pattern = (std::filesystem::temp_directory_path() / "orc-executor-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return UnavailableError(std::string("cannot create a temporary directory: ") +
                            std::strerror(errno));
  }
  temp_dir_ = pattern;
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return UnavailableError(std::string("socketpair: ") + std::strerror(errno));
  }
  // dup2 clears close-on-exec, except when the socket already has the target's number.
  if (sockets[1] == kExecutorChannelFd) {
    const int moved = fcntl(sockets[1], F_DUPFD_CLOEXEC, kExecutorChannelFd + 1);
    close(sockets[1]);
    sockets[1] = moved;
  }
  channel_ = std::make_unique<FrameChannel>(sockets[0]);

  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (InheritedVariable(*entry)) environment.emplace_back(*entry);
  }
  environment.push_back("TMPDIR=" + temp_dir_.string());
  environment.push_back("ORC_EXECUTOR_PARENT=" + std::to_string(getpid()));
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> arguments = options_.command;
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sockets[1], kExecutorChannelFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, kExecutorChannelFd + 1);
  // Nothing a task prints reaches orc's own output: standard output is discarded, and standard
  // error (where a crashing library says why) is kept in the process's temporary directory, for
  // the error of the attempt it ends (which is redacted like every other).
  const std::string stderr_path = (temp_dir_ / kStderrFile).string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(sockets[1]);
  if (error != 0) return UnavailableError(std::strerror(error));
  pid_ = pid;
  if (options_.batch_scheduling) {
    // posix_spawn cannot set SCHED_BATCH. The process starts no thread before it has its
    // settings (sent below), so every thread it starts inherits the policy.
    const sched_param priority{.sched_priority = 0};
    sched_setscheduler(pid, SCHED_BATCH, &priority);
  }

  ExecutorSettings settings = options_.settings;
  settings.temp_dir = temp_dir_;
  const auto deadline = SteadyClock::now() + options_.start_timeout;
  ORC_RETURN_IF_ERROR(channel_->Send(ToJson(settings).dump(), deadline));
  const auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.start_timeout);
  Result<std::optional<std::string>> frame = channel_->Receive(timeout);
  if (!frame.ok()) return UnavailableError("the process " + Collect() + " before it was ready");
  if (!*frame) return UnavailableError("the process did not become ready in time");
  Result<nlohmann::json> ready = ParseMessage(**frame);
  if (!ready.ok() || (*ready)["type"] != "ready") {
    return UnavailableError("the process did not say it was ready");
  }
  sandbox_ = ready->value("sandbox", "");
  return Status::Ok();
}

TaskReport ExecutorProcess::Run(const TaskAssignment& task, Interrupter& interrupter,
                                const LogSink& on_log, const ProgressSink& on_progress) {
  if (Status started = Start(); !started.ok()) return {.status = started};
  WakeFd wake;
  Interrupter::Registration registration = interrupter.OnInterrupt([&wake] { wake.Signal(); });
  const std::string what = "task process (pid " + std::to_string(pid_) + ")";
  if (Status sent = channel_->Send(ToJson(task).dump(), SteadyClock::now() + kSendTimeout);
      !sent.ok()) {
    Kill();
    return {.status = InternalError(what + " did not take the task; it was killed")};
  }
  const int64_t limit_bytes = task.memory_limit_mb << 20;
  const auto check_interval =
      std::chrono::duration_cast<SteadyClock::duration>(options_.memory_check_interval);
  auto next_check = SteadyClock::now() + check_interval;
  std::optional<SteadyClock::time_point> kill_at;
  while (true) {
    pollfd fds[2] = {{.fd = channel_->fd(), .events = POLLIN, .revents = 0},
                     {.fd = wake.fd(), .events = POLLIN, .revents = 0}};
    const auto until = kill_at ? std::min(next_check, *kill_at) : next_check;
    if (::poll(fds, 2, MillisecondsUntil(until)) < 0 && errno != EINTR) {
      return {.status = InternalError(std::string("poll: ") + std::strerror(errno))};
    }
    if (fds[1].revents != 0) {
      wake.Drain();
      if (!kill_at) {
        kill_at = SteadyClock::now() +
                  std::chrono::duration_cast<SteadyClock::duration>(options_.stop_grace);
        (void)channel_->Send(StopMessage(interrupter.reason()).dump(),
                             SteadyClock::now() + std::chrono::milliseconds(100));
      }
    }
    if (fds[0].revents != 0) {
      const Status read = channel_->ReadAvailable();
      while (true) {
        Result<std::optional<std::string>> frame = channel_->TakeFrame();
        if (!frame.ok() || !*frame) {
          if (!frame.ok()) {
            Kill();
            return {.status = InternalError(what + " sent a malformed message; it was killed")};
          }
          break;
        }
        Result<nlohmann::json> message = ParseMessage(**frame);
        if (!message.ok()) {
          Kill();
          return {.status = InternalError(what + " sent a malformed message; it was killed")};
        }
        const std::string type = (*message)["type"];
        if (type == "log") {
          on_log(message->value("level", "info"), message->value("message", ""));
        } else if (type == "progress") {
          on_progress(TaskCountersFromJson(*message));
        } else if (type == "done") {
          Result<TaskReport> report = TaskReportFromJson(*message);
          if (!report.ok()) {
            Kill();
            return {.status = InternalError(what + " sent a malformed report; it was killed")};
          }
          return std::move(*report);
        }
      }
      if (!read.ok()) {
        const std::string ended = Collect();
        if (kill_at) return {.status = interrupter.reason()};
        return {.status = InternalError("task process " + ended)};
      }
    }
    const auto now = SteadyClock::now();
    if (kill_at && now >= *kill_at) {
      Kill();
      return {.status = interrupter.reason()};
    }
    if (now >= next_check) {
      next_check = now + check_interval;
      const std::optional<int64_t> resident = limit_bytes > 0 ? ResidentBytes(pid_) : std::nullopt;
      if (resident && *resident > limit_bytes) {
        Kill();
        return {.status = ResourceExhaustedError(
                    "task exceeded its memory limit of " + std::to_string(task.memory_limit_mb) +
                    " MiB (" + std::to_string(*resident >> 20) + " MiB resident)")};
      }
    }
  }
}

bool ExecutorProcess::Ended() {
  if (pid_ == 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  Forget();
  return true;
}

std::string ExecutorProcess::Collect() {
  if (pid_ == 0) return "ended";
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  std::string ended = DescribeExit(status);
  // The end of what the process wrote to standard error, usually why it crashed.
  std::ifstream output(temp_dir_ / kStderrFile, std::ios::binary | std::ios::ate);
  const std::streamoff size = output ? static_cast<std::streamoff>(output.tellg()) : 0;
  if (size > 0) {
    const std::streamoff from = std::max<std::streamoff>(0, size - kStderrTail);
    std::string tail(static_cast<size_t>(size - from), '\0');
    output.seekg(from);
    output.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back()))) tail.pop_back();
    std::replace(tail.begin(), tail.end(), '\n', ' ');
    if (!tail.empty()) ended += ": " + std::string(from > 0 ? "..." : "") + tail;
  }
  Forget();
  return ended;
}

std::string ExecutorProcess::Kill() {
  if (pid_ == 0) return "ended";
  kill(pid_, SIGKILL);
  return Collect();
}

void ExecutorProcess::Forget() {
  pid_ = 0;
  channel_.reset();
  std::error_code ignored;
  if (!temp_dir_.empty()) std::filesystem::remove_all(temp_dir_, ignored);
  temp_dir_.clear();
}

}  // namespace orc
