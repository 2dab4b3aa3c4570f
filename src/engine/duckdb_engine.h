// DuckDbEngine: orc's embedded data engine. It opens DuckDB databases and hands out connections,
// keeping one database instance per file per process, so that concurrent tasks writing one file
// share it instead of failing on DuckDB's file lock.
//
// A database stays open while any connection to it is alive and closes with the last one.
// ":memory:" is never shared: each Connect(":memory:") gets a fresh, private database.
//
// Thread safety: DuckDbEngine is safe to share. A DuckDbConnection is used by one thread at a time,
// except Interrupt(), which any thread may call to stop the query running on it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace orc {

class DuckDbDatabase;

// A small query result, every value as text (nullopt for NULL). For reading metadata and counters;
// data itself never leaves DuckDB this way.
struct DuckDbRows {
  std::vector<std::string> column_names;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class DuckDbConnection {
 public:
  ~DuckDbConnection();
  DuckDbConnection(const DuckDbConnection&) = delete;
  DuckDbConnection& operator=(const DuckDbConnection&) = delete;

  // Runs one or more statements and returns the rows changed by the last (DuckDB's count for
  // INSERT/UPDATE/DELETE/CREATE TABLE AS). Errors keep DuckDB's message: InvalidArgument for bad
  // SQL or input, NotFound for a missing table or file, PermissionDenied for an unreadable file,
  // Unavailable for a write conflict with another transaction, Cancelled when interrupted,
  // ResourceExhausted when out of memory, Internal otherwise.
  Result<int64_t> Execute(const std::string& sql);
  // Runs one statement and returns its rows (meant for small results).
  Result<DuckDbRows> Query(const std::string& sql);

  // Stops the statement running on this connection as soon as DuckDB can; it then fails with
  // Cancelled. Safe from any thread; does nothing when no statement runs.
  void Interrupt();
  // Makes DuckDB track the progress of this connection's statements from their start, for
  // Progress(). Costs a little on every statement, so only connections that run long ones ask.
  Status TrackProgress();
  // How far the running statement is, from 0 to 1, or nullopt when DuckDB cannot tell (no
  // statement, or progress not tracked).
  std::optional<double> Progress();

 private:
  friend class DuckDbEngine;
  struct Handle;
  DuckDbConnection(std::shared_ptr<DuckDbDatabase> database, std::unique_ptr<Handle> handle);

  std::shared_ptr<DuckDbDatabase> database_;  // shared by every connection to the same file
  std::unique_ptr<Handle> handle_;
};

class DuckDbEngine {
 public:
  DuckDbEngine() = default;
  DuckDbEngine(const DuckDbEngine&) = delete;
  DuckDbEngine& operator=(const DuckDbEngine&) = delete;

  // A connection to the database at `path` (created if missing; its directory must exist), or
  // to the engine's in-memory database for ":memory:". Errors name the path and DuckDB's reason.
  Result<std::unique_ptr<DuckDbConnection>> Connect(const std::string& path);

  // How many file databases are open now (for tests and metrics).
  size_t open_databases();

 private:
  Result<std::shared_ptr<DuckDbDatabase>> OpenShared(const std::filesystem::path& path);
  // DuckDB gives every database one thread per core, so databases loading at once multiply: eight
  // loads on two cores would be sixteen busy threads, and the API and the scheduler wait behind
  // them. Each Connect shares the cores out again among the databases open at that moment.
  void ShareCores();
  Result<std::shared_ptr<DuckDbDatabase>> OpenMemory();

  std::mutex mutex_;                        // guards databases_ and memory_
  std::shared_ptr<DuckDbDatabase> memory_;  // the ":memory:" database, once used
  // Weak: the engine does not keep a database open; its connections do.
  std::map<std::filesystem::path, std::weak_ptr<DuckDbDatabase>> databases_;
};

// `name` as a quoted DuckDB identifier ("a""b"); `schema.table` is split on the first dot when
// `allow_schema`.
std::string QuoteIdentifier(const std::string& name, bool allow_schema = false);
// `text` as a DuckDB string literal ('it''s').
std::string QuoteLiteral(const std::string& text);

}  // namespace orc
