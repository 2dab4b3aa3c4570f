// DatabaseWriteLocks: at most one task at a time writes a given DuckDB file, across every
// executor process of this orc.
//
// DuckDB keeps a database file open in one process at a time (its lock is per process), and two
// database instances of one file, even in one process, corrupt it. Task attempts run in executor
// processes of their own, one per worker, each opening the files its attempt uses and closing them
// when the attempt ends; so an attempt that writes a file waits here until no other attempt of
// this orc writes it. Files are known by their resolved path.
//
// Thread safety: all methods are safe from any thread.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <vector>

#include "common/interrupter.h"
#include "common/status.h"

namespace orc {

class DatabaseWriteLocks {
 public:
  // Released when destroyed.
  class [[nodiscard]] Held {
   public:
    Held() = default;
    Held(DatabaseWriteLocks* owner, std::vector<std::filesystem::path> files)
        : owner_(owner), files_(std::move(files)) {}
    ~Held();
    Held(Held&& other) noexcept;
    Held& operator=(Held&& other) noexcept;

   private:
    DatabaseWriteLocks* owner_ = nullptr;
    std::vector<std::filesystem::path> files_;
  };

  // Waits until no other holder has any of `files`, then holds them all (all at once, so two
  // attempts wanting the same two files cannot deadlock). `on_wait` is called once when the
  // attempt has to wait. An interrupt of `interrupter` ends the wait with its reason.
  Result<Held> Acquire(std::vector<std::filesystem::path> files, Interrupter& interrupter,
                       const std::function<void()>& on_wait = {});

 private:
  void Release(const std::vector<std::filesystem::path>& files);

  std::mutex mutex_;  // guards held_
  std::condition_variable released_;
  std::set<std::filesystem::path> held_;
};

}  // namespace orc
