// DuckDbEngine: orc's embedded data engine. It opens DuckDB databases and hands out connections,
// keeping one database instance per file per engine, so that connections to one file share it
// instead of failing on DuckDB's file lock. Nothing is shared between processes: each executor
// has an engine of its own and runs one attempt at a time, and attempts in different executors
// that write one file take turns (DatabaseWriteLocks, DatabaseFileLocks).
//
// A file database stays open while any connection to it is alive and closes with the last one.
// ":memory:" is one database per engine, so per process, that outlives its connections until
// DropMemoryDatabase(). An executor keeps it from one attempt to the next while they are of one
// job and have one memory limit, and starts a fresh, empty one otherwise.
//
// By default databases are opened as DuckDB opens them, with access to every file the process can
// reach (`orc query` needs that). An engine given a DuckDbConfinement opens each database so that
// SQL run on it reaches only files under the allowed directories, installs and loads no extension,
// and cannot change any setting back (DuckDB's enable_external_access, allowed_directories and
// lock_configuration; see docs/security.md for what that does and does not cover).
//
// Thread safety: DuckDbEngine is safe to share. A DuckDbConnection is used by one thread at a time,
// except Interrupt() and Progress(), which any thread may call.
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

// How far a running statement is, as DuckDB estimates it.
struct QueryProgress {
  double fraction = 0;  // 0 to 1
  // The work done and to do in the units of the statement's source: rows for a Parquet scan, an
  // estimate from bytes for a CSV one. Only a reader that knows its rows makes them rows.
  int64_t rows_processed = 0;
  int64_t rows_total = 0;
};

// Where the databases of a confined engine may reach.
struct DuckDbConfinement {
  // Directories whose files, at any depth, SQL may read and write, and where file databases may be
  // opened; DuckDB cannot allow reading without writing. Relative ones are taken from the working
  // directory, and relative paths in SQL are refused. DuckDB compares paths as text
  // after folding "." and "..", so "/data" allows "/data/x.csv" but not "/data2/x.csv" or
  // "/data/../etc/passwd"; it does not resolve symbolic links (a link under an allowed directory
  // to a file outside is followed: Landlock, src/common/landlock.h, closes that).
  std::vector<std::filesystem::path> allowed_directories;
};

// How a DuckDbEngine opens its databases. A database keeps the settings it was opened with; only
// the memory limit can change afterwards (DuckDbEngine::SetMemoryLimit), for the next opens.
struct DuckDbEngineOptions {
  // nullopt: unrestricted, DuckDB's own defaults (extensions install and load on demand).
  std::optional<DuckDbConfinement> confinement;
  // Where DuckDB writes what does not fit in memory. Each database gets a subdirectory of its own
  // (DuckDB's spill files of two databases in one directory would collide), which DuckDB creates
  // on the first spill and removes when the database closes. Confined, it is one of the allowed
  // directories. Empty: DuckDB's default when unrestricted (beside a file database, ./.tmp for
  // ":memory:"); no spilling at all when confined (a query needing more memory then fails).
  std::filesystem::path spill_directory;
  // DuckDB's memory_limit for each database (nullopt: DuckDB's default, 80% of the RAM).
  std::optional<uint64_t> memory_limit_bytes;
  // DuckDB's max_temp_directory_size: how much each database may spill (nullopt: DuckDB's
  // default, 90% of the free disk space).
  std::optional<uint64_t> max_spill_bytes;
  // Threads per database. 0: unrestricted, the cores are shared out among the databases open at
  // each Connect; confined (whose settings SQL cannot change, not even orc's), one per core.
  size_t threads = 0;
};

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

  // The database file this connection is to (as the engine opened it); empty in memory.
  const std::filesystem::path& database_path() const;

  // On a confined database, reading or writing a file outside the allowed directories, loading an
  // extension and changing a setting fail with PermissionDenied.

  // Stops the statement running on this connection as soon as DuckDB can; it then fails with
  // Cancelled. Safe from any thread; does nothing when no statement runs.
  void Interrupt();
  // Makes DuckDB track the progress of this connection's statements from their start, for
  // Progress(). Costs a little on every statement, so only connections that run long ones ask.
  // Works on confined databases too (through PRAGMAs, which DuckDB's configuration lock allows).
  Status TrackProgress();
  // How far the running statement is, or nullopt when DuckDB cannot tell (no statement, or
  // progress not tracked).
  std::optional<QueryProgress> Progress();

 private:
  friend class DuckDbEngine;
  friend struct DuckDbRaw;
  struct Handle;
  DuckDbConnection(std::shared_ptr<DuckDbDatabase> database, std::unique_ptr<Handle> handle);

  std::shared_ptr<DuckDbDatabase> database_;  // shared by every connection to the same file
  std::unique_ptr<Handle> handle_;
};

class DuckDbEngine {
 public:
  explicit DuckDbEngine(DuckDbEngineOptions options = {});
  DuckDbEngine(const DuckDbEngine&) = delete;
  DuckDbEngine& operator=(const DuckDbEngine&) = delete;

  // A connection to the database at `path` (created if missing; its directory must exist), or
  // to the engine's in-memory database for ":memory:". Errors name the path and DuckDB's reason;
  // a confined engine refuses a file outside its allowed directories with PermissionDenied.
  Result<std::unique_ptr<DuckDbConnection>> Connect(const std::string& path);

  // DuckDB's memory limit for the databases opened from now on (nullopt: DuckDB's default). A
  // confined database cannot change its limit once open, so a process that runs one task attempt
  // at a time sets the attempt's limit, lets the attempt's file databases close with their
  // connections, and calls DropMemoryDatabase() when the limit changes.
  void SetMemoryLimit(std::optional<uint64_t> bytes);
  // Forgets the ":memory:" database: it closes once the connections still using it are gone, and
  // the next Connect(":memory:") opens a new, empty one with the options of that moment. An
  // executor calls it before an attempt of another job than the last, so that nothing one job
  // left there (tables, attached databases, DuckDB's logging configuration) reaches another, and
  // when the memory limit changes; the attempts of one job share it.
  void DropMemoryDatabase();

  // How many file databases are open now (for tests and metrics).
  size_t open_databases();

 private:
  Result<std::shared_ptr<DuckDbDatabase>> OpenShared(const std::filesystem::path& path);
  // DuckDB gives every database one thread per core, so databases loading at once multiply: eight
  // loads on two cores would be sixteen busy threads, and the API and the scheduler wait behind
  // them. Each Connect shares the cores out again among the databases open at that moment.
  void ShareCores();
  Result<std::shared_ptr<DuckDbDatabase>> OpenMemory();

  // Opens a database (nullptr: in memory) with options_, confined if they say so.
  Result<std::shared_ptr<DuckDbDatabase>> Open(const char* path);

  std::mutex mutex_;  // guards options_, databases_ and memory_
  DuckDbEngineOptions options_;
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
