#include "state/sql/connection_pool.h"

namespace orc {

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->Return(std::move(connection_));
}

ConnectionPool::ConnectionPool(Factory factory, size_t max_connections)
    : factory_(std::move(factory)), max_connections_(max_connections < 1 ? 1 : max_connections) {}

void ConnectionPool::Adopt(std::unique_ptr<SqlConnection> connection) {
  std::lock_guard lock(mutex_);
  ++open_;
  idle_.push_back(std::move(connection));
  returned_.notify_one();
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<SqlConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // reserve the slot; opening happens outside the lock
  }
  Result<std::unique_ptr<SqlConnection>> opened = factory_();
  if (!opened.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return opened.status();
  }
  return Lease(this, std::move(opened).value());
}

void ConnectionPool::Return(std::unique_ptr<SqlConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->IsBroken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace orc
