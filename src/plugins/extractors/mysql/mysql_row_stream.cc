#include "plugins/extractors/mysql/mysql_row_stream.h"

#include <duckdb.h>
#include <mysql.h>
#include <sys/socket.h>

#include "plugins/plugin.h"

namespace orc {
namespace {

// Reads one part's result into chunks.
class MySqlRowReader final : public RowReader {
 public:
  MySqlRowReader(const std::vector<MySqlColumn>& columns,
                 std::unique_ptr<MySqlConnection> connection, MYSQL_RES* result,
                 TaskProgress* progress)
      : columns_(columns),
        connection_(std::move(connection)),
        result_(result),
        progress_(progress) {}

  ~MySqlRowReader() override {
    if (result_ == nullptr) return;
    // Freeing an unbuffered result reads the rest of it off the wire first: when the read stops
    // early (a failed statement), close the socket instead, which ends the query on the server.
    if (!finished_)
      ::shutdown(static_cast<int>(mysql_get_socket(connection_->handle())), SHUT_RDWR);
    mysql_free_result(result_);
  }

  Result<uint64_t> Fill(duckdb_data_chunk chunk) override {
    if (result_ == nullptr || finished_) {
      duckdb_data_chunk_set_size(chunk, 0);
      return uint64_t{0};
    }
    const size_t column_count = columns_.size();
    std::vector<duckdb_vector> vectors(column_count);
    for (size_t i = 0; i < column_count; ++i) {
      vectors[i] = duckdb_data_chunk_get_vector(chunk, i);
    }
    const uint64_t capacity = duckdb_vector_size();
    uint64_t count = 0;
    int64_t bytes = 0;
    while (count < capacity) {
      MYSQL_ROW row = mysql_fetch_row(result_);
      if (row == nullptr) {
        if (mysql_errno(connection_->handle()) != 0) {
          return connection_->Error("reading rows from the server");
        }
        finished_ = true;
        break;
      }
      const unsigned long* lengths = mysql_fetch_lengths(result_);
      for (size_t i = 0; i < column_count; ++i) {
        if (row[i] == nullptr) {
          duckdb_vector_ensure_validity_writable(vectors[i]);
          duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vectors[i]), count);
          continue;
        }
        bytes += static_cast<int64_t>(lengths[i]);
        ORC_RETURN_IF_ERROR(WriteMySqlValue(columns_[i], vectors[i], count, row[i], lengths[i]));
      }
      ++count;
    }
    duckdb_data_chunk_set_size(chunk, count);
    if (progress_ != nullptr) {
      progress_->rows_extracted.fetch_add(static_cast<int64_t>(count), std::memory_order_relaxed);
      progress_->bytes_read.fetch_add(bytes, std::memory_order_relaxed);
    }
    return count;
  }

 private:
  const std::vector<MySqlColumn>& columns_;
  std::unique_ptr<MySqlConnection> connection_;
  MYSQL_RES* result_;
  TaskProgress* progress_;
  bool finished_ = false;
};

}  // namespace

MySqlRowStream::MySqlRowStream(std::vector<MySqlColumn> columns,
                               std::vector<std::string> part_queries, MySqlLogin login,
                               std::shared_ptr<MySqlInterrupts> interrupts,
                               std::unique_ptr<MySqlConnection> first_connection,
                               TaskProgress* progress)
    : columns_(std::move(columns)),
      part_queries_(std::move(part_queries)),
      login_(std::move(login)),
      interrupts_(std::move(interrupts)),
      progress_(progress),
      first_connection_(std::move(first_connection)) {
  for (const MySqlColumn& column : columns_) {
    stream_columns_.push_back({.name = column.name, .type = column.duckdb_type});
  }
}

int MySqlRowStream::Parts() const {
  return std::max<int>(1, static_cast<int>(part_queries_.size()));
}

Result<std::unique_ptr<RowReader>> MySqlRowStream::OpenPart(int part) {
  if (part_queries_.empty()) {
    return std::unique_ptr<RowReader>(new MySqlRowReader(columns_, nullptr, nullptr, progress_));
  }
  std::unique_ptr<MySqlConnection> connection;
  if (part == 0) {
    std::lock_guard lock(mutex_);
    connection = std::move(first_connection_);
  }
  if (connection == nullptr) {
    ORC_ASSIGN_OR_RETURN(connection, MySqlConnection::Connect(login_, interrupts_.get()));
    ORC_RETURN_IF_ERROR(
        connection->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"));
  }
  ORC_ASSIGN_OR_RETURN(MYSQL_RES * result, connection->Stream(part_queries_[part]));
  if (mysql_num_fields(result) != columns_.size()) {
    mysql_free_result(result);
    return FailedPreconditionError("the table's columns changed while it was read; retry");
  }
  return std::unique_ptr<RowReader>(
      new MySqlRowReader(columns_, std::move(connection), result, progress_));
}

}  // namespace orc
