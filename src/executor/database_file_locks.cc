#include "executor/database_file_locks.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>

namespace orc {
namespace {

using namespace std::chrono_literals;

constexpr auto kFirstPause = 1ms;
constexpr auto kLongestPause = 20ms;

// An open descriptor, closed when destroyed unless released.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// `path` opened for locking only (never read: O_NONBLOCK, so a FIFO put there cannot block it);
// -1 when it does not exist.
Result<int> OpenForLock(const std::filesystem::path& path, bool directory) {
  const int fd =
      open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (directory ? O_DIRECTORY : 0));
  if (fd >= 0 || errno == ENOENT) return fd;
  return UnavailableError("cannot open " + path.string() + " to lock it: " + std::strerror(errno));
}

// Tries to lock `descriptor` in `mode` (LOCK_SH, LOCK_EX); false when another process holds it.
Result<bool> TryLock(int descriptor, int mode, const std::filesystem::path& path) {
  if (flock(descriptor, mode | LOCK_NB) == 0) return true;
  if (errno == EWOULDBLOCK) return false;
  return UnavailableError("cannot lock " + path.string() + ": " + std::strerror(errno));
}

// Locks `file` for the attempt as the header describes: its descriptor, or -1 when another
// process holds it or its directory.
Result<int> TryLockFile(const std::filesystem::path& file,
                        const DatabaseFileLocks::CreateDatabase& create) {
  const std::filesystem::path directory = file.parent_path();
  ORC_ASSIGN_OR_RETURN(const int directory_fd, OpenForLock(directory, /*directory=*/true));
  if (directory_fd < 0) {
    return NotFoundError("cannot open the DuckDB database " + file.string() + ": directory " +
                         directory.string() + " does not exist");
  }
  const Descriptor directory_lock(directory_fd);
  ORC_ASSIGN_OR_RETURN(const int existing, OpenForLock(file, /*directory=*/false));
  Descriptor file_lock(existing);
  ORC_ASSIGN_OR_RETURN(const bool directory_locked,
                       TryLock(directory_fd, existing < 0 ? LOCK_EX : LOCK_SH, directory));
  if (!directory_locked) return -1;
  if (file_lock.get() < 0) {
    // Another process may have created it between the open and the lock.
    ORC_ASSIGN_OR_RETURN(const int created_meanwhile, OpenForLock(file, /*directory=*/false));
    file_lock.reset(created_meanwhile);
  }
  if (file_lock.get() < 0) {
    ORC_RETURN_IF_ERROR(create(file));
    ORC_ASSIGN_OR_RETURN(const int created, OpenForLock(file, /*directory=*/false));
    if (created < 0) return UnavailableError("the DuckDB database " + file.string() + " vanished");
    file_lock.reset(created);
  }
  ORC_ASSIGN_OR_RETURN(const bool locked, TryLock(file_lock.get(), LOCK_EX, file));
  return locked ? file_lock.release() : -1;
}

}  // namespace

DatabaseFileLocks::Held::~Held() {
  for (const int descriptor : descriptors_) close(descriptor);
}

DatabaseFileLocks::Held& DatabaseFileLocks::Held::operator=(Held&& other) noexcept {
  if (this != &other) {
    for (const int descriptor : descriptors_) close(descriptor);
    descriptors_ = std::exchange(other.descriptors_, {});
  }
  return *this;
}

Result<DatabaseFileLocks::Held> DatabaseFileLocks::Acquire(std::vector<std::filesystem::path> files,
                                                           Interrupter& interrupter,
                                                           const CreateDatabase& create,
                                                           const std::function<void()>& on_wait) {
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  if (files.empty()) return Held();
  std::mutex mutex;
  std::condition_variable interrupted;
  // Taking the mutex first makes sure an interrupt between the check and the wait is not lost.
  Interrupter::Registration registration = interrupter.OnInterrupt([&] {
    std::lock_guard lock(mutex);
    interrupted.notify_all();
  });
  auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstPause);
  bool waited = false;
  while (true) {
    std::vector<int> descriptors;
    bool busy = false;
    for (const std::filesystem::path& file : files) {
      Result<int> locked = TryLockFile(file, create);
      if (!locked.ok() || *locked < 0) {
        Held release(std::move(descriptors));
        if (!locked.ok()) return locked.status();
        busy = true;
        break;
      }
      descriptors.push_back(*locked);
    }
    if (!busy) return Held(std::move(descriptors));
    if (!waited && on_wait) on_wait();
    waited = true;
    std::unique_lock lock(mutex);
    if (interrupted.wait_for(lock, pause, [&] { return interrupter.interrupted(); })) {
      return interrupter.reason();
    }
    pause =
        std::min(pause * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kLongestPause));
  }
}

}  // namespace orc
