#include "plugins/extractors/sqlite/sqlite_stream.h"

#include <duckdb.h>

namespace orc {

class SqliteStream::Reader final : public RowReader {
 public:
  Reader(const SqliteStream& stream, sqlite3_stmt* statement)
      : stream_(stream), statement_(statement) {}

  Result<uint64_t> Fill(duckdb_data_chunk chunk) override {
    if (done_) return Finish(chunk, 0);
    if (stream_.interrupter_->interrupted()) return stream_.interrupter_->reason();
    const size_t columns = stream_.columns_.size();
    std::vector<duckdb_vector> vectors(columns);
    for (size_t i = 0; i < columns; ++i) {
      vectors[i] = duckdb_data_chunk_get_vector(chunk, i);
      duckdb_vector_ensure_validity_writable(vectors[i]);
    }
    const uint64_t capacity = duckdb_vector_size();
    uint64_t count = 0;
    while (count < capacity) {
      const int stepped = sqlite3_step(statement_);
      if (stepped == SQLITE_DONE) {
        done_ = true;
        break;
      }
      if (stepped != SQLITE_ROW) return StepError(stepped);
      ++rows_;
      for (size_t i = 0; i < columns; ++i) {
        const SqliteStreamColumn& column = stream_.columns_[i];
        std::optional<std::string> wrong =
            WriteSqliteValue(statement_, static_cast<int>(i), column.type, vectors[i], count);
        if (wrong) return ValueError(column, *wrong);
      }
      ++count;
    }
    stream_.progress_->rows_extracted.fetch_add(static_cast<int64_t>(count),
                                                std::memory_order_relaxed);
    return Finish(chunk, count);
  }

 private:
  static Result<uint64_t> Finish(duckdb_data_chunk chunk, uint64_t count) {
    duckdb_data_chunk_set_size(chunk, count);
    return count;
  }

  Status StepError(int code) const {
    if (code == SQLITE_INTERRUPT) {
      Status reason = stream_.interrupter_->reason();
      return reason.ok() ? CancelledError("the read was interrupted") : reason;
    }
    return UnavailableError("reading " + stream_.source_ + " failed after " +
                            std::to_string(rows_) +
                            " rows: " + sqlite3_errmsg(sqlite3_db_handle(statement_)));
  }

  Status ValueError(const SqliteStreamColumn& column, const std::string& wrong) const {
    const std::string row =
        stream_.has_rowid_ ? "rowid " + std::to_string(sqlite3_column_int64(
                                            statement_, static_cast<int>(stream_.columns_.size())))
                           : "row " + std::to_string(rows_) + " of the result";
    return InvalidArgumentError("column " + column.name + ", " + row + ": " + wrong +
                                "; fix the row, or read the column with a query that " +
                                "casts it (query: SELECT CAST(" + column.name + " AS ...) ...)");
  }

  const SqliteStream& stream_;
  sqlite3_stmt* const statement_;
  bool done_ = false;
  int64_t rows_ = 0;  // rows stepped in this part
};

SqliteStream::SqliteStream(std::string source, std::vector<SqliteStreamColumn> columns,
                           bool has_rowid, TaskProgress* progress, Interrupter* interrupter)
    : source_(std::move(source)),
      columns_(std::move(columns)),
      has_rowid_(has_rowid),
      progress_(progress),
      interrupter_(interrupter) {
  for (const SqliteStreamColumn& column : columns_) {
    stream_columns_.push_back({column.name, column.type.DuckDbType()});
  }
}

SqliteStream::~SqliteStream() = default;

SqliteDatabase& SqliteStream::AddDatabase(std::unique_ptr<SqliteDatabase> database) {
  SqliteDatabase* borrowed = database.get();
  databases_.push_back(std::move(database));
  // A Registration cannot move: it is built in place from the one OnInterrupt returns.
  interrupts_.push_back(std::unique_ptr<Interrupter::Registration>(new Interrupter::Registration(
      interrupter_->OnInterrupt([borrowed] { borrowed->Interrupt(); }))));
  return *borrowed;
}

void SqliteStream::AddPart(SqliteStatement statement) {
  statements_.push_back(std::move(statement));
}

Result<std::unique_ptr<RowReader>> SqliteStream::OpenPart(int part) {
  if (part < 0 || part >= Parts())
    return InternalError("sqlite stream: no part " + std::to_string(part));
  sqlite3_stmt* statement = statements_[static_cast<size_t>(part)].get();
  // A statement reading the stream again reads each part from its start; bindings stay.
  sqlite3_reset(statement);
  return std::unique_ptr<RowReader>(new Reader(*this, statement));
}

}  // namespace orc
