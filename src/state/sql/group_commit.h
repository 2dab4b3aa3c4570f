// GroupCommitter: runs the writes of many threads through one connection, several to a
// transaction, so that they share one commit.
//
// SQLite commits one transaction at a time, and each commit pays for writing its pages to the WAL.
// Handing the single writer connection from thread to thread for every statement costs more than
// the statement (a lock convoy). Instead, the first writer to arrive becomes the leader: it takes
// every write queued so far, runs each inside its own SAVEPOINT (a write that fails is undone
// alone and reports its own error), and commits them all at once. Writers that arrive meanwhile
// queue for the next leader. Each caller returns only after the commit that holds its write.
//
// Thread-safe. The pool must outlive the committer.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "common/status.h"
#include "state/sql/connection_pool.h"

namespace orc {

class GroupCommitter {
 public:
  using Write = std::function<Status(SqlConnection&)>;

  explicit GroupCommitter(ConnectionPool& pool) : pool_(pool) {}

  // Runs `write` in a transaction shared with the writes queued beside it. Its Status, or the
  // commit's error when the shared commit fails (then nothing of the batch is stored).
  Status Run(const Write& write);

 private:
  struct Pending {
    const Write* write;
    Status result;
    bool done = false;
  };

  void CommitBatch(const std::vector<Pending*>& batch);

  ConnectionPool& pool_;
  std::mutex mutex_;
  std::condition_variable batch_done_;
  std::vector<Pending*> queue_;  // guarded by mutex_: writes waiting for a leader
  bool leader_active_ = false;   // guarded by mutex_
};

}  // namespace orc
