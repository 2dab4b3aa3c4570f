// The file system steps of the files loader that make a load all or nothing: files made durable
// before they are published, an atomic replacement of a file or of a whole directory tree, a lock
// that serialises the tasks writing one directory, and a listing of what DuckDB wrote that refuses
// anything but plain files and directories.
//
// Every function works on absolute paths the caller checked against the task's PathPolicy, and
// reports failures as a Status naming the path and the system's reason (EACCES, ENOSPC...).
// Thread safety: the functions share no state; DirectoryLock is used by one thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace orc {

struct TaskContext;

// `what` failed with `error` (an errno value) as a Status of its kind: PermissionDenied (EACCES,
// EPERM, EROFS), ResourceExhausted (ENOSPC, EDQUOT), NotFound, AlreadyExists, else Unavailable;
// the message is `what` and the system's reason.
Status SystemError(const std::string& what, int error);

// fsync(2) of a file or a directory (a directory's fsync makes the names in it durable).
Status SyncPath(const std::filesystem::path& path);

// Writes `content` to `path` so that a reader (or a crash) sees the old file or the new one, never
// a part: a temporary file beside it (`temporary_name`), fsync, rename over `path`, fsync of the
// directory. The temporary file is removed when a step fails.
Status WriteFileAtomically(const std::filesystem::path& path, const std::string& temporary_name,
                           const std::string& content);

// Reads the whole of `path`, at most `max_bytes` (ResourceExhausted beyond, naming the limit).
// NotFound when it does not exist.
Result<std::string> ReadSmallFile(const std::filesystem::path& path, size_t max_bytes);

// Moves `from` to `to`, failing with AlreadyExists where `to` exists (renameat2
// RENAME_NOREPLACE, or link+unlink semantics where the flag is not supported: a plain rename
// after a check).
Status RenameNoReplace(const std::filesystem::path& from, const std::filesystem::path& to);

// Swaps the directories `staged` and `current` (both in one directory): afterwards `current`
// holds the new tree and `staged` the old one. Atomic where the file system supports
// renameat2(RENAME_EXCHANGE); elsewhere `current` is renamed to `aside` and `staged` into its place
// (a reader may then find no directory for an instant), and the old tree ends at `aside`. Returns
// where the old tree is. The parent directory is fsynced.
Result<std::filesystem::path> ExchangeDirectories(const std::filesystem::path& staged,
                                                  const std::filesystem::path& current,
                                                  const std::filesystem::path& aside);

// Removes `path` and everything below it; OK when it does not exist.
Status RemoveTree(const std::filesystem::path& path);

// The regular files below `root`, relative to it, sorted. InvalidArgument on anything else (a
// symbolic link, a device, a FIFO): the loader publishes only files it wrote.
Result<std::vector<std::filesystem::path>> ListFilesBelow(const std::filesystem::path& root);

// An exclusive flock(2) on a lock file, held until destroyed; the kernel drops it when the
// process dies, so a crash never leaves a directory locked.
class DirectoryLock {
 public:
  // Locks `lock_file` (created when missing; never through a symbolic link), waiting while another
  // task (of this process or another) holds it, checking the task's interrupter between tries;
  // an interrupt ends the wait with its reason.
  static Result<DirectoryLock> Acquire(TaskContext& context,
                                       const std::filesystem::path& lock_file);

  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) = delete;
  DirectoryLock(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int descriptor) : descriptor_(descriptor) {}
  int descriptor_ = -1;
};

}  // namespace orc
