// The interfaces of orc's data plane: Extractor, Loader and Transform, and the TaskContext a
// running task hands them.
//
// DuckDB sits between every extractor and loader. An extractor does not copy rows: it describes its
// data as a DuckDB query (a Source, e.g. `SELECT * FROM read_csv(...)`), fetching what DuckDB
// cannot read by itself (an HTTP API) into local spool files first. The loader opens its
// destination, asks the extractor for the Source on the destination's connection and moves the rows
// in one statement, so data streams through DuckDB's own readers at DuckDB's speed with bounded
// memory, and keeps its types.
//
// Ownership: the worker creates one plugin object per task attempt (through PluginRegistry) and
// destroys it after; the TaskContext and everything it refers to outlive the call. Methods are
// called from one thread; TaskContext::interrupter may be triggered from any.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/interrupter.h"
#include "common/status.h"
#include "engine/duckdb_engine.h"
#include "plugins/destination.h"

namespace orc {

class PathPolicy;
struct NetworkPolicy;

// Counters a task updates while it runs; read by others for progress. Relaxed atomics.
struct TaskProgress {
  std::atomic<int64_t> rows_extracted{0};
  std::atomic<int64_t> rows_loaded{0};
  std::atomic<int64_t> bytes_read{0};
  // The size of the input when known in advance (files), for progress while DuckDB reads it.
  std::atomic<int64_t> bytes_to_read{0};
  // Rows the statement moving the data has read so far, where they can be known: set from the
  // probe when the extractor says DuckDB counts its reader's rows (engine_counts_rows).
  std::atomic<int64_t> rows_processed{0};
  // Set by an extractor whose reader DuckDB tracks in rows (Parquet; its CSV reader reports an
  // estimate from bytes instead, which is not shown as rows).
  std::atomic<bool> engine_counts_rows{false};

  // While one long statement moves the data (DuckDB reading files into a table), `probe` tells how
  // far it is; cleared with an empty function. Safe across threads.
  void SetProbe(std::function<std::optional<QueryProgress>()> probe) {
    std::lock_guard lock(probe_mutex_);
    probe_ = std::move(probe);
  }
  // Bytes read so far: the counter, or the probe's share of bytes_to_read when that is higher.
  int64_t BytesReadNow() {
    int64_t bytes = bytes_read.load(std::memory_order_relaxed);
    if (const std::optional<QueryProgress> now = Probe()) {
      bytes = std::max(bytes, static_cast<int64_t>(now->fraction * bytes_to_read.load()));
    }
    return bytes;
  }
  // Rows read so far by the statement: the counter, raised to the probe's count when DuckDB counts
  // this reader's rows. The highest count seen stays, after the probe is cleared too.
  int64_t RowsProcessedNow() {
    const std::optional<QueryProgress> now = Probe();
    if (now && engine_counts_rows.load(std::memory_order_relaxed)) {
      int64_t seen = rows_processed.load(std::memory_order_relaxed);
      while (now->rows_processed > seen &&
             !rows_processed.compare_exchange_weak(seen, now->rows_processed)) {
      }
    }
    return rows_processed.load(std::memory_order_relaxed);
  }

 private:
  std::optional<QueryProgress> Probe() {
    std::lock_guard lock(probe_mutex_);
    if (!probe_) return std::nullopt;
    return probe_();
  }

  std::mutex probe_mutex_;  // guards probe_
  std::function<std::optional<QueryProgress>()> probe_;
};

struct TaskContext {
  std::string run_id;
  std::string task_id;
  std::string task_name;
  int attempt = 1;  // 1 for the first attempt of this task in this run
  // Which files the task may open; never null (PathPolicy::Unrestricted where nothing is
  // confined). Every file a plugin opens is checked through it just before, so a symlink that
  // changed since the job was written cannot lead the task elsewhere.
  const PathPolicy* paths = nullptr;
  DuckDbEngine* engine = nullptr;
  TaskProgress* progress = nullptr;
  Interrupter* interrupter = nullptr;
  // What the task reads the time from and waits on (rate limits, Retry-After, backoff); never
  // null. Whoever builds the context chooses it, so a test can hand in a FakeClock.
  Clock* clock = nullptr;
  // What HTTP extractors may connect to; nullptr: the default policy (public addresses only).
  const NetworkPolicy* network_policy = nullptr;
  // A line for the run's log ("info", "warn", "error").
  std::function<void(std::string_view level, std::string message)> log;

  // Adds a line to the run's log (nothing when no log is attached).
  void Log(std::string_view level, std::string message) const {
    if (log) log(level, std::move(message));
  }
  // Waits `duration` on the clock, or less when the task is interrupted meanwhile.
  void Sleep(Duration duration) const;
};

// An extractor's data, readable on the loader's DuckDB connection.
struct Source {
  std::string select_sql;   // a query whose rows are the data; empty when `empty`
  std::string description;  // for messages, e.g. "csv data/orders.csv"
  // No data at all (e.g. an API returned no records), so there are not even columns to read.
  bool empty = false;
  // Incremental extraction: the cursor this data reaches, which the loader commits with it in its
  // destination's ledger, so that the next run continues from there (Destination::LastCursor).
  std::optional<std::string> cursor_value;
  // The columns that identify a row at the source (a table's primary key): a merge matches on them
  // when the loader's configuration names no primary_key. Empty when the source has none.
  std::vector<std::string> primary_key;
};

class Extractor {
 public:
  virtual ~Extractor() = default;

  // Prepares the data for reading on `connection` (checking that files exist, fetching pages...)
  // and returns the query that reads it. Reports bytes read and rows extracted it knows of. An
  // incremental extractor continues from `destination`'s last cursor.
  virtual Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                              Destination& destination) = 0;

  // Called after the loader read the Source, before it commits, with the number of rows it read;
  // e.g. to report rows rejected by a lenient reader. The default does nothing.
  virtual Status Finish(TaskContext& context, DuckDbConnection& connection, int64_t rows_read);

  // The error of the statement that read the Source, as this extractor's user should read it
  // (e.g. the fixes DuckDB suggests in the extractor's own option names). The default returns it
  // unchanged.
  virtual Status Explain(Status error) const;
};

struct LoadResult {
  int64_t rows_loaded = 0;
  // True when an earlier attempt of this task in this run had already committed the load (found
  // in the destination's ledger), so nothing was loaded again.
  bool already_loaded = false;
};

// What a loader logs and returns when its destination's CommittedLoad found `earlier`: the rows
// that attempt loaded, marked as loaded already.
LoadResult AlreadyLoaded(TaskContext& context, const LoadRecord& earlier);

class Loader {
 public:
  virtual ~Loader() = default;

  // Loads the data `extractor` offers into the destination, all or nothing.
  virtual Result<LoadResult> Load(TaskContext& context, Extractor& extractor) = 0;
};

class Transform {
 public:
  virtual ~Transform() = default;

  // Runs the transformation, all or nothing; returns the rows changed by its last statement.
  virtual Result<int64_t> Run(TaskContext& context) = 0;
};

}  // namespace orc
