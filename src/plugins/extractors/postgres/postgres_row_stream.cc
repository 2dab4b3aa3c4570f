#include "plugins/extractors/postgres/postgres_row_stream.h"

#include <duckdb.h>

#include <cstring>

#include "plugins/plugin.h"

namespace orc {
namespace {

// COPY's binary header: a signature, a flags word (bit 16: rows carry OIDs) and the length of a
// header extension to skip.
constexpr char kCopySignature[] = "PGCOPY\n\377\r\n";
constexpr size_t kCopySignatureLength = 11;
constexpr uint32_t kCopyFlagWithOids = 1u << 16;

int32_t ReadInt32(const char* data) {
  uint32_t raw;
  std::memcpy(&raw, data, 4);
  return static_cast<int32_t>(__builtin_bswap32(raw));
}

int16_t ReadInt16(const char* data) {
  uint16_t raw;
  std::memcpy(&raw, data, 2);
  return static_cast<int16_t>(__builtin_bswap16(raw));
}

struct CopyBufferDeleter {
  void operator()(char* buffer) const { PQfreemem(buffer); }
};

Status MalformedCopy(std::string_view what) {
  return UnavailableError("PostgreSQL sent a malformed COPY row (" + std::string(what) + ")");
}

// A part with nothing to read (no new rows since the cursor).
class EmptyReader final : public RowReader {
 public:
  Result<uint64_t> Fill(_duckdb_data_chunk* chunk) override {
    duckdb_data_chunk_set_size(chunk, 0);
    return uint64_t{0};
  }
};

class CopyReader final : public RowReader {
 public:
  CopyReader(PostgresRowStream& stream, std::unique_ptr<PgConnection> owned,
             PgConnection& connection, const std::vector<PgColumnPlan>& columns,
             TaskProgress* progress)
      : stream_(stream),
        owned_(std::move(owned)),
        connection_(connection),
        columns_(columns),
        progress_(progress),
        vectors_(columns.size()) {}
  ~CopyReader() override { stream_.Untrack(&connection_); }

  Result<uint64_t> Fill(_duckdb_data_chunk* chunk) override {
    uint64_t count = 0;
    int64_t bytes = 0;
    for (size_t c = 0; c < columns_.size(); ++c) {
      vectors_[c] = duckdb_data_chunk_get_vector(chunk, c);
    }
    const uint64_t capacity = duckdb_vector_size();
    while (!finished_ && count < capacity) {
      char* raw = nullptr;
      const int length = PQgetCopyData(connection_.get(), &raw, /*async=*/0);
      if (length == -1) {
        ORC_RETURN_IF_ERROR(EndOfCopy());
        finished_ = true;
        break;
      }
      if (length < 0 || raw == nullptr) return connection_.ErrorOf(nullptr);
      const std::unique_ptr<char, CopyBufferDeleter> buffer(raw);
      bytes += length;
      ORC_ASSIGN_OR_RETURN(bool row, DecodeMessage(raw, length, count));
      if (row) ++count;
    }
    duckdb_data_chunk_set_size(chunk, count);
    if (progress_ != nullptr) {
      progress_->rows_extracted.fetch_add(static_cast<int64_t>(count), std::memory_order_relaxed);
      progress_->bytes_read.fetch_add(bytes, std::memory_order_relaxed);
    }
    return count;
  }

 private:
  // The COPY's own result once its data ended: the server's error when it failed midway.
  Status EndOfCopy() {
    Status status;
    while (PGresult* raw = PQgetResult(connection_.get())) {
      const PgResult result(raw);
      if (status.ok() && PQresultStatus(raw) != PGRES_COMMAND_OK) {
        status = connection_.ErrorOf(raw);
      }
    }
    if (status.ok() && !header_read_) return MalformedCopy("no header");
    return status;
  }

  // One CopyData message: the header (with the first row) and one row, or the trailer. True when
  // it held a row, written at `row`.
  Result<bool> DecodeMessage(const char* data, int length, uint64_t row) {
    const char* next = data;
    const char* end = data + length;
    if (!header_read_) {
      if (length < static_cast<int>(kCopySignatureLength + 8) ||
          std::memcmp(data, kCopySignature, kCopySignatureLength) != 0) {
        return MalformedCopy("bad header");
      }
      const uint32_t flags = static_cast<uint32_t>(ReadInt32(data + kCopySignatureLength));
      const int32_t extension = ReadInt32(data + kCopySignatureLength + 4);
      next += kCopySignatureLength + 8;
      if ((flags & kCopyFlagWithOids) != 0 || extension < 0 || end - next < extension) {
        return MalformedCopy("bad header");
      }
      next += extension;
      header_read_ = true;
      if (next == end) return false;
    }
    if (end - next < 2) return MalformedCopy("short row");
    const int16_t fields = ReadInt16(next);
    next += 2;
    if (fields == -1) return false;  // the trailer
    if (fields != static_cast<int16_t>(columns_.size())) return MalformedCopy("field count");
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (end - next < 4) return MalformedCopy("short row");
      const int32_t field_length = ReadInt32(next);
      next += 4;
      if (field_length == -1) {
        duckdb_vector_ensure_validity_writable(vectors_[c]);
        duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vectors_[c]), row);
        continue;
      }
      if (field_length < 0 || end - next < field_length) return MalformedCopy("field length");
      ORC_RETURN_IF_ERROR(WriteField(columns_[c], vectors_[c], row, next, field_length));
      next += field_length;
    }
    if (next != end) return MalformedCopy("trailing bytes");
    return true;
  }

  PostgresRowStream& stream_;
  std::unique_ptr<PgConnection> owned_;  // a part's own connection; null on the extractor's
  PgConnection& connection_;
  const std::vector<PgColumnPlan>& columns_;
  TaskProgress* progress_;
  std::vector<duckdb_vector> vectors_;
  bool header_read_ = false;
  bool finished_ = false;
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
