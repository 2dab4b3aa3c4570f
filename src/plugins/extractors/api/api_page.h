// ApiPageReader: finds the records and the pagination token in one response body.
//
// The body comes from an upstream and may be anything: it is parsed whole, and so validated whole,
// by simdjson's DOM parser before anything is read from it (structure, strings, UTF-8, numbers,
// and nesting no deeper than kMaxDepth), in time and memory linear in its size. Any byte sequence
// therefore gives either a page or InvalidArgument quoting the start of the body. The records are
// handed on as one JSON array for DuckDB to read with their types: the API's own text when they
// are the whole body, else the parsed values written out again (the same values to DuckDB).
//
// Not thread-safe: one reader per task attempt (it reuses its parser's buffers).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"

namespace orc {

struct ApiPage {
  int64_t records = 0;
  // The records as one JSON array (one object is wrapped in [ ]).
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
  // Deeper bodies are refused: no API nests records that deep, and a bound keeps every walk over
  // the document short.
  static constexpr size_t kMaxDepth = 64;

  // records_path, token_path: dot paths ("data.items"); empty records_path means the top level,
  // empty token_path means no token. cursor_field: the incremental field of each record, or empty.
  ApiPageReader(std::string records_path, std::string token_path, std::string cursor_field);
  ~ApiPageReader();
  ApiPageReader(const ApiPageReader&) = delete;
  ApiPageReader& operator=(const ApiPageReader&) = delete;

  // Reads `body` (may grow its capacity for the parser's padding). InvalidArgument when the body is
  // not valid JSON, is nested deeper than kMaxDepth, or records_path names nothing (quoting the
  // start of the body); a null at records_path is an empty page.
  Result<ApiPage> Read(std::string& body);

 private:
  struct Parser;
  std::string records_path_;
  std::string token_pointer_;
  std::string cursor_field_;
  std::unique_ptr<Parser> parser_;
  int64_t pages_read_ = 0;
  std::unordered_set<std::string> known_keys_;  // every record key seen so far
  std::vector<std::string> previous_keys_;      // the keys of the last record, in order
};

// One body through a fresh reader: the entry point for fuzzing the reader.
Result<ApiPage> ReadApiPageForFuzzing(std::string_view body, std::string records_path = "",
                                      std::string token_path = "", std::string cursor_field = "");

// Whether cursor value `a` is below `b`: numerically when both are numbers, else as text (which
// orders ISO 8601 timestamps correctly).
bool CursorLess(const std::string& a, const std::string& b);

// About the first `limit` bytes of `text`, for error messages: printable, valid UTF-8 (control
// characters and invalid bytes are written as \xNN), "..." when cut.
std::string Excerpt(std::string_view text, size_t limit = 200);

// What an error message quotes of an HTTP error's body: its text on one line (whitespace runs
// as one space) cut to about kMaxBodySnippet bytes; of an HTML page only its <title> (or, without
// one, its text without tags); nothing for an empty body or one whose `content_type` is not
// text (an image, a binary download).
std::string BodySnippet(std::string_view body, std::string_view content_type);

inline constexpr size_t kMaxBodySnippet = 120;

}  // namespace orc
