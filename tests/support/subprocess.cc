#include "support/subprocess.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace orc::testing {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> BuildEnvironment(const SubprocessOptions& options) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable(*entry);
    const std::string name = variable.substr(0, variable.find('='));
    bool drop = options.set_env.count(name) > 0;
    for (const std::string& unset : options.unset_env) drop = drop || unset == name;
    if (!drop) environment.push_back(variable);
  }
  for (const auto& [name, value] : options.set_env) environment.push_back(name + "=" + value);
  return environment;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

Subprocess::Subprocess(SubprocessOptions options) {
  if (options.argv.empty()) throw std::runtime_error("Subprocess needs a program");
  std::vector<std::string> environment = BuildEnvironment(options);
  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp = CStrings(environment);
  const std::string stdout_path = output_dir_.File("stdout");
  const std::string stderr_path = output_dir_.File("stderr");

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    // Child: only async-signal-safe calls from here on.
    const int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || null < 0) _exit(126);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    // The test process may block signals (e.g. SIGTERM) for its own threads; the child must not
    // inherit that mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!options.working_directory.empty() && chdir(options.working_directory.c_str()) != 0) {
      _exit(126);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Subprocess::Signal(int signal_number) {
  if (!exit_code_) kill(pid_, signal_number);
}

std::optional<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  return exit_code_;
}

std::string Subprocess::Stdout() const { return ReadFile(output_dir_.File("stdout")); }
std::string Subprocess::Stderr() const { return ReadFile(output_dir_.File("stderr")); }

bool Subprocess::WaitForStderr(const std::string& text, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    if (Stderr().find(text) != std::string::npos) return true;
    if (Wait(std::chrono::milliseconds(0))) return Stderr().find(text) != std::string::npos;
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

std::unique_ptr<Subprocess> RunToCompletion(SubprocessOptions options,
                                            std::chrono::milliseconds timeout) {
  auto process = std::make_unique<Subprocess>(std::move(options));
  process->Wait(timeout);
  return process;
}

}  // namespace orc::testing
