// ApiPageReader: finds the records and the pagination token in one response body, without building
// a document tree (simdjson on-demand): the records are handed on as the exact JSON text the API
// sent, for DuckDB to read with their types.
//
// Not thread-safe: one reader per task attempt (it reuses its parser's buffers).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"

namespace orc {

struct ApiPage {
  int64_t records = 0;
  // The records as one JSON array (the API's own text; one object is wrapped in [ ]).
  std::string records_json;
  // The value at the token path (next cursor or next URL), as text; nullopt when missing or null.
  std::optional<std::string> next_token;
  // The highest value of the incremental cursor field among the records; nullopt when none has it.
  std::optional<std::string> max_cursor;
  // Record keys first seen on this page, when it is not the first page read.
  std::vector<std::string> new_keys;
};

class ApiPageReader {
 public:
  // records_path, token_path: dot paths ("data.items"); empty records_path means the top level,
  // empty token_path means no token. cursor_field: the incremental field of each record, or empty.
  ApiPageReader(std::string records_path, std::string token_path, std::string cursor_field);
  ~ApiPageReader();
  ApiPageReader(const ApiPageReader&) = delete;
  ApiPageReader& operator=(const ApiPageReader&) = delete;

  // Reads `body` (may grow its capacity for the parser's padding). InvalidArgument when the body is
  // not JSON or records_path names nothing (quoting the start of the body); a null at records_path
  // is an empty page.
  Result<ApiPage> Read(std::string& body);

 private:
  struct Parser;
  std::string records_path_;
  std::string records_pointer_;
  std::string token_pointer_;
  std::string cursor_field_;
  std::unique_ptr<Parser> parser_;
  int64_t pages_read_ = 0;
  std::unordered_set<std::string> known_keys_;  // every record key seen so far
  std::vector<std::string> previous_keys_;      // the keys of the last record, in order
};

// Whether cursor value `a` is below `b`: numerically when both are numbers, else as text (which
// orders ISO 8601 timestamps correctly).
bool CursorLess(const std::string& a, const std::string& b);

// The first `limit` bytes of `text`, for error messages.
std::string Excerpt(const std::string& text, size_t limit = 200);

}  // namespace orc
