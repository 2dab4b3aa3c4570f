// Transforms that misbehave on purpose, for tests of what their misbehaviour does to orc: the test
// executor (test_executor.cc) runs them, and a test's own registry knows them so that it accepts
// jobs using them.
//
//   {"type": "test_crash", "signal": "SEGV" | "ABRT", "lines": [...]}
//                                                       prints the lines, then dies of the signal
//   {"type": "test_hang", "seconds": N}                 sleeps N s, deaf to interrupts
//   {"type": "test_sleep", "seconds": N}                sleeps N s or until interrupted
//   {"type": "test_allocate", "mb": N}                  touches N MiB, then sleeps 10 s
//   {"type": "test_throw"}                              throws std::runtime_error
//   {"type": "test_echo", "lines": [...], "env": NAME}  logs each line and NAME's value
//   {"type": "test_flaky", "failures": N, "counter": F} fails (Unavailable) the first N times,
//                                                       counted in file F of the data directory
#pragma once

namespace orc {

class PluginRegistry;

void RegisterTestPlugins(PluginRegistry& registry);

}  // namespace orc
