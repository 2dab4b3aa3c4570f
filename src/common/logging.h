// Process-wide logging setup. orc logs through spdlog to stderr, one line per event:
//   2026-11-27T09:00:00.123Z info  listening on 127.0.0.1:8080
// Code that logs includes <spdlog/spdlog.h> itself; this header only configures it.
#pragma once

#include <string_view>

#include "common/status.h"

namespace orc {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// "trace", "debug", "info", "warn" (or "warning"), "error", any case.
Result<LogLevel> ParseLogLevel(std::string_view text);

// Sends every later log line to stderr at `level` and above, timestamps in UTC. Call once, early
// in main(), before other threads start.
void InitLogging(LogLevel level);

}  // namespace orc
