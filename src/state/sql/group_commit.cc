#include "state/sql/group_commit.h"

namespace orc {

Status GroupCommitter::Run(const Write& write) {
  Pending me{&write, Status::Ok()};
  std::unique_lock lock(mutex_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      batch_done_.wait(lock);
      continue;
    }
    leader_active_ = true;
    std::vector<Pending*> batch;
    batch.swap(queue_);
    lock.unlock();
    CommitBatch(batch);
    lock.lock();
    for (Pending* pending : batch) pending->done = true;
    leader_active_ = false;
    batch_done_.notify_all();
  }
  return me.result;
}

void GroupCommitter::CommitBatch(const std::vector<Pending*>& batch) {
  auto fail_all = [&batch](const Status& status) {
    for (Pending* pending : batch) pending->result = status;
  };
  Result<ConnectionPool::Lease> connection = pool_.Acquire();
  if (!connection.ok()) return fail_all(connection.status());
  SqlConnection& sql = **connection;
  if (Status begun = sql.BeginWrite(); !begun.ok()) return fail_all(begun);

  if (batch.size() == 1) {
    // Alone in its transaction: no savepoint needed, a failure undoes the whole of it.
    batch[0]->result = (*batch[0]->write)(sql);
    if (!batch[0]->result.ok()) return sql.Rollback();
  } else {
    for (Pending* pending : batch) {
      Status status = sql.Execute("SAVEPOINT orc_write", {}).status();
      if (status.ok()) status = (*pending->write)(sql);
      if (!status.ok()) (void)sql.Execute("ROLLBACK TO orc_write", {});
      (void)sql.Execute("RELEASE orc_write", {});
      pending->result = status;
    }
  }
  if (Status committed = sql.Commit(); !committed.ok()) {
    sql.Rollback();
    for (Pending* pending : batch) {
      if (pending->result.ok()) pending->result = committed;
    }
  }
}

}  // namespace orc
