// RowStream: rows that orc code produces (a database source decoding its wire protocol), read by
// DuckDB as a table, so that they stream into any statement (CREATE TABLE AS, INSERT, a merge's
// stage) with bounded memory, and the loaders treat them as any other Source query.
//
// A stream declares its columns with DuckDB types, and is read in one or more parts (a
// partitioned read: one part per range of a column). DuckDB reads parts on up to as many threads
// as there are parts; each part is read by one thread at a time, from start to end.
//
// RegisterRowStream makes a stream readable on a connection's database through the table function
// `orc_stream(token)`, which every database the engine opens has; the token is random and known
// only to the registration. The registration ends with its handle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/duckdb_engine.h"

struct _duckdb_data_chunk;  // duckdb.h's duckdb_data_chunk, for the readers that include it

namespace orc {

struct StreamColumn {
  std::string name;
  // A DuckDB type as written in SQL: "BIGINT", "DECIMAL(12,2)", "TIMESTAMP WITH TIME ZONE",
  // "VARCHAR[]", "UUID", "BLOB".
  std::string type;
};

// Reads one part of a stream, chunk by chunk.
class RowReader {
 public:
  virtual ~RowReader() = default;
  // Writes the next rows into `chunk` (duckdb_data_chunk: empty, of the stream's columns, holding
  // up to duckdb_vector_size() rows) from row 0, and sets its size with duckdb_data_chunk_set_size.
  // Returns the rows written: 0 at the end of the part. An error fails the statement reading the
  // stream (RegisteredStream::error() keeps it).
  virtual Result<uint64_t> Fill(_duckdb_data_chunk* chunk) = 0;
};

class RowStream {
 public:
  virtual ~RowStream() = default;
  virtual const std::vector<StreamColumn>& Columns() const = 0;
  // How many parts the stream is read in; each gets its own reader.
  virtual int Parts() const { return 1; }
  // The reader of part `part` (0 <= part < Parts()). Called on DuckDB's threads, when the part's
  // turn comes; may be called concurrently for different parts.
  virtual Result<std::unique_ptr<RowReader>> OpenPart(int part) = 0;
};

// A stream registered on a database. Move-only; unregisters when destroyed. Must outlive the
// statements reading it.
class RegisteredStream {
 public:
  RegisteredStream(RegisteredStream&&) noexcept;
  RegisteredStream& operator=(RegisteredStream&&) noexcept;
  ~RegisteredStream();

  // "SELECT * FROM orc_stream('<token>')": the stream's rows. Each statement reading it reads the
  // stream once more from the start (OpenPart again), so read it once.
  const std::string& select_sql() const { return select_sql_; }
  // The first error a reader returned (or OpenPart), as the reader said it, for the message of
  // the statement that failed on it; Ok when none.
  Status error() const;

  struct Entry;

 private:
  friend Result<RegisteredStream> RegisterRowStream(DuckDbConnection& connection,
                                                    std::shared_ptr<RowStream> stream);
  RegisteredStream(std::string token, std::shared_ptr<Entry> entry);
  std::string token_;
  std::string select_sql_;
  std::shared_ptr<Entry> entry_;
};

// Makes `stream` readable on `connection`'s database (and only while the handle lives).
// InvalidArgument when a column's type is not a DuckDB type, naming the column.
Result<RegisteredStream> RegisterRowStream(DuckDbConnection& connection,
                                           std::shared_ptr<RowStream> stream);

}  // namespace orc
