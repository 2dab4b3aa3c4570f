#include "worker/database_write_locks.h"

#include <algorithm>

namespace orc {

DatabaseWriteLocks::Held::~Held() {
  if (owner_ != nullptr) owner_->Release(files_);
}

DatabaseWriteLocks::Held::Held(Held&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), files_(std::move(other.files_)) {}

DatabaseWriteLocks::Held& DatabaseWriteLocks::Held::operator=(Held&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(files_);
    owner_ = std::exchange(other.owner_, nullptr);
    files_ = std::move(other.files_);
  }
  return *this;
}

Result<DatabaseWriteLocks::Held> DatabaseWriteLocks::Acquire(
    std::vector<std::filesystem::path> files, Interrupter& interrupter,
    const std::function<void()>& on_wait) {
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  if (files.empty()) return Held();
  // An interrupt wakes the waiters; taking the mutex first makes sure it is not lost between a
  // waiter's check and its wait.
  Interrupter::Registration registration = interrupter.OnInterrupt([this] {
    std::lock_guard lock(mutex_);
    released_.notify_all();
  });
  std::unique_lock lock(mutex_);
  auto free = [&] {
    return std::none_of(files.begin(), files.end(), [this](const std::filesystem::path& file) {
      return held_.count(file) > 0;
    });
  };
  if (!free() && on_wait) {
    lock.unlock();
    on_wait();
    lock.lock();
  }
  released_.wait(lock, [&] { return interrupter.interrupted() || free(); });
  if (!free()) return interrupter.reason();
  held_.insert(files.begin(), files.end());
  return Held(this, std::move(files));
}

void DatabaseWriteLocks::Release(const std::vector<std::filesystem::path>& files) {
  {
    std::lock_guard lock(mutex_);
    for (const std::filesystem::path& file : files) held_.erase(file);
  }
  released_.notify_all();
}

}  // namespace orc
