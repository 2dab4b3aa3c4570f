// RequestParser: reads one HTTP/1.0 or 1.1 request at a time from the bytes a connection has
// received, refusing anything whose framing is ambiguous or larger than allowed.
//
// Everything a client sends is hostile: the head (request line and header fields) is bounded in
// bytes and fields (431), the body in bytes whether it comes with Content-Length or chunked (413,
// found from the length or the chunk sizes before the bytes are read), and every framing that two
// parsers could read differently is refused with 400: several Content-Length fields, one that is
// not a plain decimal, Content-Length with Transfer-Encoding, a coding other than `chunked`,
// a malformed chunk size, obsolete line folding, whitespace before a field's colon. Versions
// other than HTTP/1.0 and 1.1 get 505. A line may end in CRLF or a bare LF (RFC 9112 section 2.2).
//
// Use: Feed() the unconsumed input; it returns how many bytes it consumed (the caller drops them
// and feeds the rest, plus what arrives next, again). Once state() is kComplete, take request()
// and Reset() for the next request of the connection. A kFailed parser stays failed; the
// connection answers error() and closes. Not thread-safe: one connection's thread uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/api_request.h"

namespace orc {

struct HttpLimits {
  size_t max_head_bytes = 64 * 1024;  // request line and header fields together
  size_t max_header_fields = 100;
  size_t max_body_bytes = 1 << 20;
};

// A request the server refuses: the HTTP status, the error code and the message of the error body.
struct HttpError {
  int status = 0;
  std::string code;
  std::string message;
};

class RequestParser {
 public:
  enum class State { kHead, kBody, kComplete, kFailed };

  explicit RequestParser(HttpLimits limits) : limits_(limits) {}

  // Parses what it can of `input`, the connection's bytes not consumed yet. Returns how many bytes
  // of it were consumed; the rest must be passed again, with what arrives later appended.
  size_t Feed(std::string_view input);

  State state() const { return state_; }
  // Valid once the head has been read (state kBody or kComplete).
  ApiRequest& request() { return request_; }
  const HttpError& error() const { return error_; }

  // Whether any byte of a request has arrived (an idle keep-alive connection has none).
  bool started() const { return started_; }
  // The client sent "Expect: 100-continue" and waits for a 100 before it sends the body.
  bool expects_continue() const { return expects_continue_; }
  // Whether the body is still to come (after the head, before the end of the body).
  bool awaiting_body() const { return state_ == State::kBody; }
  // Whether the connection may stay open after the response (HTTP/1.1 unless "Connection: close";
  // HTTP/1.0 only with "Connection: keep-alive").
  bool keep_alive() const { return keep_alive_; }

  // Ready for the next request on the same connection.
  void Reset();

 private:
  enum class BodyState { kLength, kChunkSize, kChunkData, kChunkDataEnd, kTrailer };

  size_t FeedHead(std::string_view input);
  size_t FeedBody(std::string_view input);
  size_t FeedChunked(std::string_view input);
  bool ParseHead(std::string_view head);
  bool ParseRequestLine(std::string_view line);
  bool ParseFraming();
  bool Fail(int status, std::string code, std::string message);
  bool BadRequest(std::string message) { return Fail(400, "bad_request", std::move(message)); }
  bool TooLarge();

  HttpLimits limits_;
  State state_ = State::kHead;
  ApiRequest request_;
  HttpError error_;
  bool started_ = false;
  bool expects_continue_ = false;
  bool keep_alive_ = true;

  // Head: where the search for its end resumes, where the current line starts (offsets into the
  // unconsumed input, which does not move while the head is incomplete) and the lines so far.
  size_t scan_ = 0;
  size_t line_start_ = 0;
  size_t lines_ = 0;

  BodyState body_state_ = BodyState::kLength;
  uint64_t remaining_ = 0;  // body bytes (Content-Length) or chunk bytes still to read
  size_t trailer_bytes_ = 0;
};

}  // namespace orc
