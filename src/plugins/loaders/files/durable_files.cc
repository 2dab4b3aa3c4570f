#include "plugins/loaders/files/durable_files.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "plugins/plugin.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kLockPause = 10ms;

int Rename2(const fs::path& from, const fs::path& to, unsigned int flags) {
  return static_cast<int>(
      syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags));
}

// A descriptor closed when it goes out of scope.
struct ScopedDescriptor {
  int fd;
  ~ScopedDescriptor() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

Status SystemError(const std::string& what, int error) {
  std::string message = what + ": " + std::strerror(error);
  switch (error) {
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(message));
    case ENOENT:
      return NotFoundError(std::move(message));
    case EEXIST:
    case ENOTEMPTY:
      return AlreadyExistsError(std::move(message));
    default:
      return UnavailableError(std::move(message));
  }
}

Status SyncPath(const fs::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return SystemError("cannot open " + path.string() + " to sync it", errno);
  const ScopedDescriptor closer{fd};
  if (fsync(fd) != 0) return SystemError("cannot sync " + path.string(), errno);
  return Status::Ok();
}

Status WriteFileAtomically(const fs::path& path, const std::string& temporary_name,
                           const std::string& content) {
  const fs::path temporary = path.parent_path() / temporary_name;
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return SystemError("cannot create " + temporary.string(), errno);
  Status status = Status::Ok();
  {
    const ScopedDescriptor closer{fd};
    size_t written = 0;
    while (written < content.size() && status.ok()) {
      const ssize_t count = write(fd, content.data() + written, content.size() - written);
      if (count < 0 && errno == EINTR) continue;
      if (count < 0) status = SystemError("cannot write " + temporary.string(), errno);
      if (count > 0) written += static_cast<size_t>(count);
    }
    if (status.ok() && fsync(fd) != 0) {
      status = SystemError("cannot sync " + temporary.string(), errno);
    }
  }
  if (status.ok() && rename(temporary.c_str(), path.c_str()) != 0) {
    status = SystemError("cannot rename " + temporary.string() + " to " + path.string(), errno);
  }
  if (!status.ok()) {
    unlink(temporary.c_str());
    return status;
  }
  return SyncPath(path.parent_path());
}

Result<std::string> ReadSmallFile(const fs::path& path, size_t max_bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return SystemError("cannot open " + path.string(), errno);
  const ScopedDescriptor closer{fd};
  struct stat info {};
  if (fstat(fd, &info) != 0) return SystemError("cannot read " + path.string(), errno);
  if (!S_ISREG(info.st_mode)) return InvalidArgumentError(path.string() + " is not a file");
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const ssize_t count = read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return SystemError("cannot read " + path.string(), errno);
    if (count == 0) return content;
    if (content.size() + static_cast<size_t>(count) > max_bytes) {
      return ResourceExhaustedError(path.string() + " is larger than " + std::to_string(max_bytes) +
                                    " bytes");
    }
    content.append(buffer, static_cast<size_t>(count));
  }
}

Status RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (Rename2(from, to, RENAME_NOREPLACE) == 0) return Status::Ok();
  if (errno != EINVAL && errno != ENOSYS) {
    return SystemError("cannot rename " + from.string() + " to " + to.string(), errno);
  }
  // The file system does not support the flag: check, then rename. Our own lock keeps other
  // loads of this directory away meanwhile.
  struct stat info {};
  if (lstat(to.c_str(), &info) == 0) {
    return AlreadyExistsError("cannot rename " + from.string() + " to " + to.string() +
                              ": the target exists");
  }
  if (rename(from.c_str(), to.c_str()) != 0) {
    return SystemError("cannot rename " + from.string() + " to " + to.string(), errno);
  }
  return Status::Ok();
}

Result<fs::path> ExchangeDirectories(const fs::path& staged, const fs::path& current,
                                     const fs::path& aside) {
  if (Rename2(staged, current, RENAME_EXCHANGE) == 0) {
    ORC_RETURN_IF_ERROR(SyncPath(current.parent_path()));
    return staged;
  }
  if (errno != EINVAL && errno != ENOSYS) {
    return SystemError("cannot exchange " + staged.string() + " and " + current.string(), errno);
  }
  if (rename(current.c_str(), aside.c_str()) != 0) {
    return SystemError("cannot rename " + current.string() + " to " + aside.string(), errno);
  }
  if (rename(staged.c_str(), current.c_str()) != 0) {
    const int error = errno;
    (void)rename(aside.c_str(), current.c_str());  // put the old tree back
    return SystemError("cannot rename " + staged.string() + " to " + current.string(), error);
  }
  ORC_RETURN_IF_ERROR(SyncPath(current.parent_path()));
  return aside;
}

Status RemoveTree(const fs::path& path) {
  std::error_code error;
  fs::remove_all(path, error);
  if (error) return SystemError("cannot remove " + path.string(), error.value());
  return Status::Ok();
}

Result<std::vector<fs::path>> ListFilesBelow(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code error;
  fs::recursive_directory_iterator entries(root, error);
  if (error) return SystemError("cannot list " + root.string(), error.value());
  for (auto entry = fs::begin(entries); entry != fs::end(entries); entry.increment(error)) {
    if (error) return SystemError("cannot list " + root.string(), error.value());
    const fs::file_status status = entry->symlink_status();
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status)) {
      return InvalidArgumentError(entry->path().string() +
                                  " is neither a file nor a directory; the load publishes only "
                                  "the files it wrote");
    }
    files.push_back(entry->path().lexically_relative(root));
  }
  if (error) return SystemError("cannot list " + root.string(), error.value());
  std::sort(files.begin(), files.end());
  return files;
}

Result<DirectoryLock> DirectoryLock::Acquire(TaskContext& context, const fs::path& lock_file) {
  const int fd = open(lock_file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return SystemError("cannot open the lock file " + lock_file.string(), errno);
  DirectoryLock lock(fd);
  bool logged = false;
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return SystemError("cannot lock " + lock_file.string(), errno);
    if (context.interrupter->interrupted()) return context.interrupter->reason();
    if (!logged) {
      context.Log("info", "waiting for another task writing the directory (" + lock_file.string() +
                              " is locked)");
      logged = true;
    }
    context.Sleep(kLockPause);
  }
  return lock;
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, -1)) {}

DirectoryLock::~DirectoryLock() {
  if (descriptor_ >= 0) close(descriptor_);
}

}  // namespace orc
