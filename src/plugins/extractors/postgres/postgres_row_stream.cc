#include "plugins/extractors/postgres/postgres_row_stream.h"

#include <duckdb.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <system_error>
#include <thread>

#include "plugins/extractors/postgres/pg_copy_decoder.h"
#include "plugins/plugin.h"

namespace orc {
namespace {

// How much decoded data may wait for DuckDB's thread: about a row group (122,880 rows, 60
// chunks), so the fetcher keeps reading while DuckDB's thread compresses a full row group, and
// at most kQueuedBytes of COPY data, so wide rows do not make the queue large.
constexpr size_t kQueuedChunks = 64;
constexpr int64_t kQueuedBytes = int64_t{64} << 20;

// A part with nothing to read (no new rows since the cursor).
class EmptyReader final : public RowReader {
 public:
  Result<uint64_t> Fill(_duckdb_data_chunk* chunk) override {
    duckdb_data_chunk_set_size(chunk, 0);
    return uint64_t{0};
  }
};

// Reads one part. A thread of its own (the fetcher) reads the COPY and decodes it into chunks of
// its own, handed over through a queue of at most kQueuedChunks; Fill, on DuckDB's thread, takes
// the next one and makes the output's vectors reference its vectors (no copy). So the server's
// COPY, libpq's fetch and the decode go on while DuckDB's thread appends and compresses the rows
// before them, instead of waiting for each other.
class CopyReader final : public RowReader {
 public:
  CopyReader(PostgresRowStream& stream, std::unique_ptr<PgConnection> owned,
             PgConnection& connection, const std::vector<PgColumnPlan>& columns,
             TaskProgress* progress)
      : stream_(stream),
        owned_(std::move(owned)),
        connection_(connection),
        columns_(columns),
        progress_(progress) {}

  ~CopyReader() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    space_.notify_all();
    if (fetcher_.joinable()) {
      // The reading statement ended before the COPY did (it failed or was abandoned): the fetcher
      // may be waiting on the server, so the COPY is cancelled, which ends PQgetCopyData.
      if (!fetch_done_.load()) connection_.Cancel();
      fetcher_.join();
    }
    for (Handoff& handoff : queue_) duckdb_destroy_data_chunk(&handoff.chunk);
    for (duckdb_logical_type& type : types_) duckdb_destroy_logical_type(&type);
    stream_.Untrack(&connection_);
  }

  Result<uint64_t> Fill(_duckdb_data_chunk* chunk) override {
    if (!started_) ORC_RETURN_IF_ERROR(StartFetcher(chunk));
    if (ended_) {
      duckdb_data_chunk_set_size(chunk, 0);
      return end_status_.ok() ? Result<uint64_t>(uint64_t{0}) : Result<uint64_t>(end_status_);
    }
    Handoff handoff;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return !queue_.empty(); });
      handoff = queue_.front();
      queue_.pop_front();
      queued_bytes_ -= handoff.bytes;
    }
    space_.notify_one();
    if (progress_ != nullptr) progress_->bytes_read.fetch_add(handoff.bytes);
    if (handoff.chunk == nullptr) {
      ended_ = true;
      end_status_ = handoff.status;
      duckdb_data_chunk_set_size(chunk, 0);
      if (!end_status_.ok()) return end_status_;
      return uint64_t{0};
    }
    const uint64_t rows = duckdb_data_chunk_get_size(handoff.chunk);
    for (size_t c = 0; c < columns_.size(); ++c) {
      duckdb_vector_reference_vector(duckdb_data_chunk_get_vector(chunk, c),
                                     duckdb_data_chunk_get_vector(handoff.chunk, c));
    }
    duckdb_data_chunk_set_size(chunk, rows);
    duckdb_destroy_data_chunk(&handoff.chunk);  // its vectors' buffers live on in `chunk`'s
    if (progress_ != nullptr) {
      progress_->rows_extracted.fetch_add(static_cast<int64_t>(rows), std::memory_order_relaxed);
    }
    return rows;
  }

 private:
  // A decoded chunk; null with the COPY's end (status: how it ended).
  struct Handoff {
    duckdb_data_chunk chunk = nullptr;
    int64_t bytes = 0;
    Status status;
  };

  // Starts the fetcher, with the column types of DuckDB's `chunk`.
  Status StartFetcher(duckdb_data_chunk chunk) {
    started_ = true;
    for (size_t c = 0; c < columns_.size(); ++c) {
      types_.push_back(duckdb_vector_get_column_type(duckdb_data_chunk_get_vector(chunk, c)));
    }
    try {
      fetcher_ = std::thread([this] { Fetch(); });
    } catch (const std::system_error& error) {
      ended_ = true;
      end_status_ = ResourceExhaustedError(std::string("cannot start a thread to read the COPY: ") +
                                           error.what());
      return end_status_;
    }
    return Status::Ok();
  }

  // The fetcher's loop: decode a chunk, queue it; until the COPY ends or the reader stops.
  void Fetch() {
    PgCopyDecoder decoder(connection_, columns_);
    for (;;) {
      Handoff handoff{.chunk = duckdb_create_data_chunk(types_.data(), types_.size())};
      Result<uint64_t> rows = decoder.Fill(handoff.chunk, handoff.bytes);
      const bool last = !rows.ok() || *rows == 0;
      if (last) {
        duckdb_destroy_data_chunk(&handoff.chunk);
        if (!rows.ok()) handoff.status = rows.status();
        fetch_done_.store(true);
      }
      {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] {
          return stopping_ || (queue_.size() < kQueuedChunks && queued_bytes_ < kQueuedBytes);
        });
        if (stopping_) {
          if (handoff.chunk != nullptr) duckdb_destroy_data_chunk(&handoff.chunk);
          return;
        }
        queue_.push_back(handoff);
        queued_bytes_ += handoff.bytes;
      }
      ready_.notify_one();
      if (last) return;
    }
  }

  PostgresRowStream& stream_;
  std::unique_ptr<PgConnection> owned_;  // a part's own connection; null on the extractor's
  PgConnection& connection_;             // used by the fetcher only, once it started
  const std::vector<PgColumnPlan>& columns_;
  TaskProgress* progress_;
  std::vector<duckdb_logical_type> types_;  // written before the fetcher starts, then read-only
  // DuckDB's thread only:
  bool started_ = false;
  bool ended_ = false;
  Status end_status_;

  std::thread fetcher_;
  std::atomic<bool> fetch_done_{false};  // the fetcher read the COPY to its end
  std::mutex mutex_;                     // guards queue_, queued_bytes_ and stopping_
  std::condition_variable ready_;        // queue_ got a chunk
  std::condition_variable space_;        // queue_ has room, or stopping_
  std::deque<Handoff> queue_;
  int64_t queued_bytes_ = 0;  // the COPY bytes of queue_'s chunks
  bool stopping_ = false;
};

}  // namespace

PostgresRowStream::PostgresRowStream(PostgresReadPlan plan, PgConnection* connection,
                                     TaskProgress* progress)
    : plan_(std::move(plan)), connection_(connection), progress_(progress) {
  for (const PgColumnPlan& column : plan_.columns) {
    stream_columns_.push_back({column.name, column.duckdb_type});
  }
}

int PostgresRowStream::Parts() const {
  return std::max<int>(1, static_cast<int>(plan_.copy_sql.size()));
}

Result<std::unique_ptr<RowReader>> PostgresRowStream::OpenPart(int part) {
  if (plan_.copy_sql.empty()) return std::unique_ptr<RowReader>(new EmptyReader());
  std::unique_ptr<PgConnection> owned;
  PgConnection* connection = connection_;
  if (Parts() > 1) {
    ORC_ASSIGN_OR_RETURN(owned, ConnectPart());
    connection = owned.get();
  }
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return CancelledError("the read was cancelled");
    running_.insert(connection);
  }
  Result<PgResult> copy = connection->Execute(plan_.copy_sql[part]);
  if (!copy.ok()) {
    Untrack(connection);
    return copy.status();
  }
  return std::unique_ptr<RowReader>(
      new CopyReader(*this, std::move(owned), *connection, plan_.columns, progress_));
}

Result<std::unique_ptr<PgConnection>> PostgresRowStream::ConnectPart() {
  ORC_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection,
                       PgConnection::Connect(plan_.url, plan_.network_policy));
  ORC_RETURN_IF_ERROR(
      connection->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status());
  // The snapshot id comes from the server (pg_export_snapshot: hex digits and dashes); SET
  // TRANSACTION SNAPSHOT takes no parameter, so anything else is refused rather than quoted.
  if (plan_.snapshot.empty() ||
      plan_.snapshot.find_first_not_of("0123456789ABCDEFabcdef-") != std::string::npos) {
    return InternalError("PostgreSQL exported a snapshot id of an unexpected form");
  }
  ORC_RETURN_IF_ERROR(
      connection->Execute("SET TRANSACTION SNAPSHOT '" + plan_.snapshot + "'").status());
  return connection;
}

void PostgresRowStream::Cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  for (PgConnection* connection : running_) connection->Cancel();
}

void PostgresRowStream::Track(PgConnection* connection) {
  std::lock_guard lock(mutex_);
  running_.insert(connection);
}

void PostgresRowStream::Untrack(PgConnection* connection) {
  std::lock_guard lock(mutex_);
  running_.erase(connection);
}

}  // namespace orc
