#include "state/sql/connection_pool.h"

namespace orc {

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->Return(std::move(connection_));
}

ConnectionPool::ConnectionPool(Factory factory, size_t max_connections)
    : factory_(std::move(factory)), max_connections_(max_connections < 1 ? 1 : max_connections) {}

void ConnectionPool::Adopt(std::unique_ptr<SqlConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    ++open_;
  }
  Return(std::move(connection));
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) {
    if (!idle_.empty()) {
      std::unique_ptr<SqlConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    if (open_ < max_connections_) {
      ++open_;  // reserve the slot; opening happens outside the lock
      lock.unlock();
      return Open();
    }
  }
  Waiter me;
  waiters_.push_back(&me);
  me.ready.wait(lock, [&me] { return me.connection != nullptr || me.may_open; });
  if (me.connection) return Lease(this, std::move(me.connection));
  lock.unlock();
  return Open();  // the slot was reserved for us
}

Result<ConnectionPool::Lease> ConnectionPool::Open() {
  Result<std::unique_ptr<SqlConnection>> opened = factory_();
  if (!opened.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    HandOverSlotLocked();
    return opened.status();
  }
  return Lease(this, std::move(opened).value());
}

void ConnectionPool::HandOverSlotLocked() {
  if (waiters_.empty() || open_ >= max_connections_) return;
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  ++open_;
  next->may_open = true;
  next->ready.notify_one();
}

void ConnectionPool::Return(std::unique_ptr<SqlConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->IsBroken()) {
    --open_;
    HandOverSlotLocked();
    return;
  }
  if (!waiters_.empty()) {
    Waiter* next = waiters_.front();
    waiters_.pop_front();
    next->connection = std::move(connection);
    next->ready.notify_one();
    return;
  }
  idle_.push_back(std::move(connection));
}

}  // namespace orc
