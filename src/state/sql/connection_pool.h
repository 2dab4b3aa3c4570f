// ConnectionPool: hands out SqlConnections to one thread at a time, opening them on demand up to
// a limit, and discarding those that broke (a PostgreSQL restart, a dropped socket) so that the
// next caller gets a fresh one instead of every later call failing.
//
// When every connection is busy, callers wait in arrival order and a returned connection is
// handed straight to the oldest waiter (waking only that thread): under load no caller starves
// while others are served again and again, which is what keeps a busy API's tail latency low.
//
// Thread-safe. The pool must outlive every Lease it handed out.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/status.h"
#include "state/sql/sql_connection.h"

namespace orc {

class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<SqlConnection>>()>;

  // A borrowed connection; returns it to the pool (or drops it when broken) on destruction.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    SqlConnection& operator*() const { return *connection_; }
    SqlConnection* operator->() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> connection_;
  };

  ConnectionPool(Factory factory, size_t max_connections);

  // Puts an already open connection into the pool (it counts towards the limit).
  void Adopt(std::unique_ptr<SqlConnection> connection);

  // An idle connection, a new one when under the limit, or the next one returned. The factory's
  // error when a new connection cannot be opened.
  Result<Lease> Acquire();

 private:
  // A caller waiting for a connection; filled in by whoever hands it one.
  struct Waiter {
    std::condition_variable ready;
    std::unique_ptr<SqlConnection> connection;  // a connection handed over
    bool may_open = false;                      // or a free slot to open one in
  };

  void Return(std::unique_ptr<SqlConnection> connection);
  // Gives a slot freed by a broken or unopenable connection to the oldest waiter, if any.
  void HandOverSlotLocked();
  Result<Lease> Open();

  Factory factory_;
  const size_t max_connections_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;  // guarded by mutex_
  size_t open_ = 0;                                   // guarded by mutex_; idle + leased
  std::deque<Waiter*> waiters_;                       // guarded by mutex_; oldest first
};

}  // namespace orc
