#include "plugins/extractors/postgres/pg_copy_decoder.h"

#include <duckdb.h>

#include <cstring>
#include <memory>
#include <string>

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

}  // namespace

Result<uint64_t> PgCopyDecoder::Fill(duckdb_data_chunk chunk, int64_t& bytes) {
  uint64_t count = 0;
  vectors_.resize(columns_.size());
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
  return count;
}

// The COPY's own result once its data ended: the server's error when it failed midway.
Status PgCopyDecoder::EndOfCopy() {
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
Result<bool> PgCopyDecoder::DecodeMessage(const char* data, int length, uint64_t row) {
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

}  // namespace orc
