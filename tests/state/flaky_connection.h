// FlakyConnection: a SqlConnection that hands everything to a real one, except what a test has
// armed to fail: the next statement containing a given text, or the next commit, fails once with
// Unavailable, as SQLite busy or a PostgreSQL serialization failure does. OpenFlakyStore opens a
// SqlStateStore over such connections, laid out like OpenStateStore's, so that a test can make
// the store try a call's body again at a point of its choosing.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "state/migrations.h"
#include "state/postgres/postgres_connection.h"
#include "state/sql_state_store.h"
#include "state/sqlite/sqlite_connection.h"

namespace orc::testing {

// What the connections of one store fail next. Thread-safe.
class Faults {
 public:
  // The next statement whose text contains `text` fails, once.
  void FailStatement(std::string text) {
    std::lock_guard lock(mutex_);
    statement_ = std::move(text);
  }
  // The next commit fails, once.
  void FailCommit() {
    std::lock_guard lock(mutex_);
    commit_ = true;
  }
  // How many armed failures have happened.
  int fired() const {
    std::lock_guard lock(mutex_);
    return fired_;
  }

  bool TakeStatement(std::string_view sql) {
    std::lock_guard lock(mutex_);
    if (statement_.empty() || sql.find(statement_) == std::string_view::npos) return false;
    statement_.clear();
    ++fired_;
    return true;
  }
  bool TakeCommit() {
    std::lock_guard lock(mutex_);
    if (!commit_) return false;
    commit_ = false;
    ++fired_;
    return true;
  }

 private:
  mutable std::mutex mutex_;
  std::string statement_;  // guarded by mutex_
  bool commit_ = false;    // guarded by mutex_
  int fired_ = 0;          // guarded by mutex_
};

class FlakyConnection final : public SqlConnection {
 public:
  FlakyConnection(std::unique_ptr<SqlConnection> real, Faults& faults)
      : real_(std::move(real)), faults_(faults) {}

  Result<SqlRows> Execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    if (faults_.TakeStatement(sql)) return UnavailableError("injected: statement failed once");
    return real_->Execute(sql, params);
  }
  Status ExecuteScript(std::string_view sql) override { return real_->ExecuteScript(sql); }
  Status BeginWrite() override { return real_->BeginWrite(); }
  Status Commit() override {
    // The transaction stays open, as after SQLite's busy: the store rolls it back.
    if (faults_.TakeCommit()) return UnavailableError("injected: commit failed once");
    return real_->Commit();
  }
  void Rollback() override { real_->Rollback(); }
  bool IsBroken() const override { return real_->IsBroken(); }

 private:
  std::unique_ptr<SqlConnection> real_;
  Faults& faults_;
};

// A store on `url` (migrated) whose every connection is a FlakyConnection failing as `faults`
// says; `faults` and `clock` must outlive it.
inline Result<std::unique_ptr<StateStore>> OpenFlakyStore(const std::string& url, Faults& faults,
                                                          Clock& clock) {
  ORC_ASSIGN_OR_RETURN(DatabaseUrl parsed, ParseDatabaseUrl(url));
  ConnectionPool::Factory factory = [parsed, &faults]() -> Result<std::unique_ptr<SqlConnection>> {
    Result<std::unique_ptr<SqlConnection>> real =
        parsed.backend == DatabaseBackend::kSqlite
            ? OpenSqliteConnection({.path = parsed.sqlite_path})
            : OpenPostgresConnection({.uri = parsed.postgres_uri, .redacted = parsed.redacted});
    ORC_RETURN_IF_ERROR(real.status());
    return std::unique_ptr<SqlConnection>(
        std::make_unique<FlakyConnection>(std::move(real).value(), faults));
  };
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> first, factory());
  ORC_RETURN_IF_ERROR(ApplyMigrations(*first, parsed.backend, clock));
  SqlStateStore::Pools pools;
  pools.owned.push_back(std::make_unique<ConnectionPool>(factory, 1));
  pools.writes = pools.bookkeeping = pools.owned.back().get();
  pools.owned.push_back(std::make_unique<ConnectionPool>(factory, 2));
  pools.reads = pools.owned.back().get();
  pools.writes->Adopt(std::move(first));
  return std::unique_ptr<StateStore>(std::make_unique<SqlStateStore>(
      parsed.backend, std::move(pools), clock, StateStoreOptions{}));
}

}  // namespace orc::testing
