#include "state/sql_state_store.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "common/backoff.h"
#include "state/migrations.h"
#include "state/postgres/postgres_connection.h"
#include "state/sql/postgres_dialect.h"
#include "state/sql/sqlite_dialect.h"
#include "state/sqlite/sqlite_connection.h"

namespace orc {
namespace {

constexpr int kMaxTransientRetries = 8;
// Between tries of the first connection: no jitter, as one process retries alone.
constexpr Backoff kConnectBackoff{.initial = std::chrono::milliseconds(250),
                                  .max = std::chrono::seconds(4)};

// Opens the first connection, retrying an unreachable server with backoff until the deadline.
Result<std::unique_ptr<SqlConnection>> ConnectWithRetry(const ConnectionPool::Factory& factory,
                                                        Clock& clock, Duration timeout) {
  const TimePoint deadline = clock.Now() + timeout;
  WakeSignal never_woken;
  for (int retry = 0;; ++retry) {
    Result<std::unique_ptr<SqlConnection>> connection = factory();
    if (connection.ok() || connection.status().code() != StatusCode::kUnavailable) {
      return connection;
    }
    const Duration backoff = kConnectBackoff.Ceiling(retry);
    if (clock.Now() + backoff > deadline) {
      return connection.status().WithContext(
          "gave up after " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
          " ms");
    }
    spdlog::warn("{}; retrying in {} ms", connection.status().message(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count());
    clock.WaitUntil(never_woken, clock.Now() + backoff);
  }
}

std::unique_ptr<const SqlDialect> DialectFor(DatabaseBackend backend) {
  if (backend == DatabaseBackend::kPostgres) return std::make_unique<PostgresDialect>();
  return std::make_unique<SqliteDialect>();
}

}  // namespace

std::vector<std::string> DecodeStringArray(const std::string& json_text) {
  std::vector<std::string> strings;
  const nlohmann::json array = nlohmann::json::parse(json_text, nullptr, false);
  if (!array.is_array()) return strings;
  for (const auto& item : array) {
    if (item.is_string()) strings.push_back(item.get<std::string>());
  }
  return strings;
}

SqlStateStore::SqlStateStore(DatabaseBackend backend, Pools pools, Clock& clock,
                             StateStoreOptions options)
    : dialect_(DialectFor(backend)), pools_(std::move(pools)), clock_(clock), options_(options) {
  if (dialect_->GroupsWrites()) group_commit_ = std::make_unique<GroupCommitter>(*pools_.writes);
}

Status SqlStateStore::WithConnection(Access access, const Body& body, Commit commit) {
  ConnectionPool& pool = access == Access::kRead      ? *pools_.reads
                         : commit == Commit::kDurable ? *pools_.writes
                                                      : *pools_.bookkeeping;
  const bool transactional = access == Access::kTransaction;
  if (group_commit_ && access != Access::kRead) {
    // Every write runs in a (shared) transaction; on SQLite only another process holding the
    // database lock past the busy timeout makes it fail transiently.
    for (int attempt = 0;; ++attempt) {
      Status status = group_commit_->Run(body);
      if (status.code() != StatusCode::kUnavailable || attempt >= kMaxTransientRetries) {
        return status;
      }
    }
  }
  for (int attempt = 0;; ++attempt) {
    ORC_ASSIGN_OR_RETURN(ConnectionPool::Lease connection, pool.Acquire());
    const auto started = std::chrono::steady_clock::now();
    Status status = transactional ? connection->BeginWrite() : Status::Ok();
    if (status.ok()) status = body(*connection);
    if (transactional) {
      if (status.ok()) status = connection->Commit();
      if (!status.ok()) connection->Rollback();
    }
    // A read on a pooled connection found broken at once (its server restarted since) is tried
    // once more on a fresh one. Not a read that broke after a while (the network is cut: a new
    // connection would wait as long again, and the caller should hear now), nor a write: it may
    // have committed before the break.
    const bool broken = connection->IsBroken();
    const bool stale = broken && access == Access::kRead && attempt == 0 &&
                       std::chrono::steady_clock::now() - started < std::chrono::seconds(1);
    const bool transient = status.code() == StatusCode::kUnavailable && (!broken || stale);
    if (!transient || attempt >= kMaxTransientRetries) return status;
  }
}

Status SqlStateStore::Ping() {
  return WithConnection(Access::kRead, [](SqlConnection& connection) {
    return connection.Execute("SELECT 1", {}).status();
  });
}

Result<std::unique_ptr<StateStore>> OpenStateStore(const DatabaseUrl& url, Clock& clock,
                                                   const StateStoreOptions& options) {
  ConnectionPool::Factory factory;
  if (url.backend == DatabaseBackend::kSqlite) {
    SqliteOptions sqlite{.path = url.sqlite_path};
    factory = [sqlite] { return OpenSqliteConnection(sqlite); };
  } else {
    PostgresOptions postgres{.uri = url.postgres_uri, .redacted = url.redacted};
    factory = [postgres] { return OpenPostgresConnection(postgres); };
  }
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> first,
                       ConnectWithRetry(factory, clock, options.connect_timeout));
  ORC_RETURN_IF_ERROR(ApplyMigrations(*first, url.backend, clock)
                          .WithContext("preparing the state database " + url.redacted));

  SqlStateStore::Pools pools;
  auto add_pool = [&pools](ConnectionPool::Factory pool_factory, size_t size) {
    pools.owned.push_back(std::make_unique<ConnectionPool>(std::move(pool_factory), size));
    return pools.owned.back().get();
  };
  if (url.backend == DatabaseBackend::kSqlite) {
    // SQLite writes one transaction at a time, and a write through one connection empties the
    // page cache of every other: one connection for all of this process's writes, which then
    // queue in the pool instead of in SQLite's sleeping busy handler. Readers get their own
    // connections (WAL lets them read while the writer writes); ":memory:" is one database per
    // connection, so it gets a single connection for everything.
    pools.writes = pools.bookkeeping = add_pool(factory, 1);
    pools.reads =
        url.sqlite_path == ":memory:" ? pools.writes : add_pool(factory, options.max_connections);
  } else {
    pools.reads = pools.writes = add_pool(factory, options.max_connections);
    // Bookkeeping statements (claims, heartbeats, task runs, finishes, logs) each find their rows
    // through an index made for them. A connection keeps its plans, and a plan made while a table
    // was nearly empty (a new database, the first minute before statistics) reads the whole table,
    // on every call, as it grows: these sessions are told to use the indexes.
    std::string setup = "SET enable_seqscan = off; SET enable_bitmapscan = off";
    if (options.relaxed_bookkeeping_commits) setup += "; SET synchronous_commit = off";
    pools.bookkeeping = add_pool(
        [factory, setup]() -> Result<std::unique_ptr<SqlConnection>> {
          ORC_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> connection, factory());
          ORC_RETURN_IF_ERROR(connection->ExecuteScript(setup));
          return connection;
        },
        options.max_connections);
  }
  pools.writes->Adopt(std::move(first));
  return std::unique_ptr<StateStore>(
      std::make_unique<SqlStateStore>(url.backend, std::move(pools), clock, options));
}

}  // namespace orc
