// The `orc` command line: parses arguments and runs the chosen subcommand.
//
// Exit codes: 0 success; 1 a runtime failure (e.g. the port is in use); 2 a usage error (unknown
// flag or subcommand, a value that does not parse).
#pragma once

namespace orc {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int RunCli(int argc, char** argv);

}  // namespace orc
