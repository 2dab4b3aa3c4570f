// Subprocess: runs a program (usually the orc binary) as a child process for end-to-end tests,
// with its stdout and stderr captured to files that the test can read while it runs.
//
// The destructor kills (SIGKILL) and reaps a child that is still running, so a failing test
// leaves no process behind. Not thread-safe; one test thread drives one Subprocess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace orc::testing {

struct SubprocessOptions {
  std::vector<std::string> argv;               // argv[0] is the program's path
  std::map<std::string, std::string> set_env;  // added to (or replacing in) the environment
  std::vector<std::string> unset_env;          // removed from the environment
  std::string working_directory;               // empty: the test's own
};

class Subprocess {
 public:
  // Starts the child; throws std::runtime_error when it cannot be started.
  explicit Subprocess(SubprocessOptions options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal_number);

  // The exit code (128 + N when killed by signal N), or nullopt if it still runs after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

  // What the child wrote so far.
  std::string Stdout() const;
  std::string Stderr() const;

  // Waits until the child's stderr contains `text`; false if it exits or `timeout` passes first.
  bool WaitForStderr(const std::string& text, std::chrono::milliseconds timeout);

 private:
  TempDir output_dir_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Runs a child to completion (at most `timeout`) and returns it, exited.
std::unique_ptr<Subprocess> RunToCompletion(SubprocessOptions options,
                                            std::chrono::milliseconds timeout);

}  // namespace orc::testing
