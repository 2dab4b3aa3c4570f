#include "common/termination_signals.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>

namespace orc {

TerminationSignals::TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal_fd_ = signalfd(-1, &signals, SFD_CLOEXEC);
  cancel_fd_ = eventfd(0, EFD_CLOEXEC);
  // Both only fail when the process is out of file descriptors at startup; nothing can run then.
  if (signal_fd_ < 0 || cancel_fd_ < 0) std::abort();
}

TerminationSignals::~TerminationSignals() {
  close(signal_fd_);
  close(cancel_fd_);
}

int TerminationSignals::Wait() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {cancel_fd_, POLLIN, 0}};
  while (true) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count = 0;
      (void)!read(cancel_fd_, &count, sizeof(count));
      return 0;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signal_fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        return static_cast<int>(info.ssi_signo);
      }
    }
  }
}

void TerminationSignals::Cancel() {
  const uint64_t one = 1;
  (void)!write(cancel_fd_, &one, sizeof(one));
}

}  // namespace orc
