// What the benchmarks share: their settings from the environment, timing, CPU and medians.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/status.h"

namespace orc {

// The environment variable `name`, or `fallback` when it is unset or empty.
inline std::string Env(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// Prints `status` and returns the exit code of a failed benchmark.
inline int Fail(const Status& status) {
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return 1;
}

// Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait).
inline double MachineBusySeconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double total = 0, idle = 0, value = 0;
  stat >> cpu;
  for (int field = 0; field < 10 && stat >> value; ++field) {
    total += value;
    if (field == 3 || field == 4) idle += value;
  }
  return (total - idle) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The sum of the /proc/PID/stat fields `first` to `last` (counted from 1, as proc(5) does), in
// seconds: 14-15 the process's own user and system time, 16-17 that of the children it reaped.
inline double StatSeconds(pid_t pid, int first, int last) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t end = text.rfind(')');  // the command name may hold spaces and parentheses
  if (end == std::string::npos) return 0;
  std::istringstream fields(text.substr(end + 2));
  std::string field;
  long ticks = 0;
  for (int i = 3; i <= last && fields >> field; ++i) {
    if (i >= first) ticks += std::stol(field);
  }
  return static_cast<double>(ticks) / sysconf(_SC_CLK_TCK);
}

// CPU seconds (user and system) a process and its live children have used.
inline double TreeCpuSeconds(pid_t pid) {
  double seconds = StatSeconds(pid, 14, 15);
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child; children >> child;) seconds += TreeCpuSeconds(child);
  }
  return seconds;
}

// Wall seconds since `start`.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The median of `values` (the upper one of an even count); `values` must not be empty.
inline double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace orc
