// TerminationSignals: turns SIGINT and SIGTERM into an ordinary blocking call, so that shutdown
// runs as normal code on a normal thread instead of inside a signal handler.
//
// Construct it in main() before any other thread starts: it blocks SIGINT and SIGTERM for the
// calling thread, and threads started later inherit that mask, so the signals stay pending until
// Wait() takes them. Wait() may be called from one thread at a time; Cancel() from any thread.
#pragma once

namespace orc {

class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // Blocks until SIGINT or SIGTERM arrives (returns its number) or Cancel() is called (returns 0).
  int Wait();

  // Ends a current or the next Wait() with 0.
  void Cancel();

 private:
  int signal_fd_ = -1;
  int cancel_fd_ = -1;
};

}  // namespace orc
