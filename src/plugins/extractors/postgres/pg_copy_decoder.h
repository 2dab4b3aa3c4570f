// PgCopyDecoder: reads a running binary COPY (COPY ... TO STDOUT (FORMAT binary)) off its
// connection and decodes its rows into DuckDB chunks, one chunk at a time.
//
// The stream's header is checked once, then each CopyData message holds one row; its fields are
// decoded with WriteField (pg_binary.h). Everything from the server is hostile: a message that
// does not fit the columns is an error, never a read past it. At the end of the data the COPY's
// own result is read, so a server error midway fails the read instead of ending it early.
//
// Ownership: borrows the connection (whose COPY it reads) and the column plans, which outlive
// it. One thread at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "plugins/extractors/postgres/pg_binary.h"
#include "plugins/extractors/postgres/pg_connection.h"

struct _duckdb_data_chunk;  // duckdb.h's duckdb_data_chunk

namespace orc {

class PgCopyDecoder {
 public:
  PgCopyDecoder(PgConnection& connection, const std::vector<PgColumnPlan>& columns)
      : connection_(connection), columns_(columns) {}

  // Decodes the next rows into `chunk` (empty, of the columns' DuckDB types) from row 0, up to
  // its capacity, and sets its size. Returns the rows written, 0 once the COPY ended; adds the
  // bytes received to `bytes`.
  Result<uint64_t> Fill(_duckdb_data_chunk* chunk, int64_t& bytes);

  bool finished() const { return finished_; }

 private:
  Status EndOfCopy();
  Result<bool> DecodeMessage(const char* data, int length, uint64_t row);

  PgConnection& connection_;
  const std::vector<PgColumnPlan>& columns_;
  std::vector<_duckdb_vector*> vectors_;
  bool header_read_ = false;
  bool finished_ = false;
};

}  // namespace orc
