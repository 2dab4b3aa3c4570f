// DatabaseFileLocks: an executor's hold on the DuckDB files its attempt writes, against every
// other process on this machine: another orc sharing the files (two orc processes on one
// PostgreSQL state database), or another of this orc's executors.
//
// DuckDB holds a database file in one process at a time; a second process that opens it fails
// with a lock error. DatabaseWriteLocks in orc serve orders the attempts of one orc; this orders
// them across processes, so that an attempt whose file another process holds waits its turn
// instead of failing. The locks are advisory flock(2) locks, which on Linux are independent of
// DuckDB's own (fcntl) lock, and which the kernel drops when their process dies, so a killed
// executor or orc never leaves one behind.
//
//   - An existing file: its directory is locked shared (no process is creating a file there),
//     then the file exclusively for the whole attempt; the directory is released at once.
//   - A missing file: its directory is locked exclusively, the database is created (DuckDB takes
//     nothing else for a database: an empty file is not one), then locked as an existing file.
//     Without the directory lock, two processes could both find the file missing, and the second
//     would then open the database the first had just created under its nose.
//
// Locks are only tried, never waited for in the kernel: an attempt that finds one taken releases
// all it holds and tries again after a short pause (1 ms, growing to 20 ms), so no two attempts
// wait for each other, and an interrupt (timeout, cancel, shutdown) ends the wait at once. Turns
// are not fair: under constant contention a waiting attempt may wait until its timeout.
//
// Thread safety: Acquire() may be called from any thread; a Held is used by one.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "common/interrupter.h"
#include "common/status.h"

namespace orc {

class DatabaseFileLocks {
 public:
  // Released (closed) when destroyed.
  class [[nodiscard]] Held {
   public:
    Held() = default;
    explicit Held(std::vector<int> descriptors) : descriptors_(std::move(descriptors)) {}
    ~Held();
    Held(Held&& other) noexcept : descriptors_(std::exchange(other.descriptors_, {})) {}
    Held& operator=(Held&& other) noexcept;

   private:
    std::vector<int> descriptors_;
  };

  // Creates a database at the path; OK when it exists afterwards.
  using CreateDatabase = std::function<Status(const std::filesystem::path&)>;

  // Holds all of `files` (absolute paths), waiting while another process holds any. `on_wait` is
  // called once when the attempt has to wait. An interrupt ends the wait with its reason; a file
  // or directory that cannot be opened is Unavailable (a missing directory is NotFound), naming
  // it.
  static Result<Held> Acquire(std::vector<std::filesystem::path> files, Interrupter& interrupter,
                              const CreateDatabase& create,
                              const std::function<void()>& on_wait = {});
};

}  // namespace orc
