#include "api/request_parser.h"

#include <cctype>
#include <charconv>

namespace orc {
namespace {

// A chunk-size line (size and extensions) longer than this is refused rather than buffered.
constexpr size_t kMaxChunkLine = 4096;
// Chunk sizes are hexadecimal; more digits than this cannot be a size below any body limit.
constexpr size_t kMaxChunkSizeDigits = 16;
// Content-Length values have at most this many digits (beyond, int64 would overflow).
constexpr size_t kMaxLengthDigits = 18;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (const char allowed : std::string_view("!#$%&'*+-.^_`|~")) {
    if (c == allowed) return true;
  }
  return false;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// A control character other than horizontal tab (a bare CR inside a line is one).
bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && c != '\t') || byte == 0x7f;
}

std::string_view TrimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A line without its terminator: "...\r\n" and "...\n" both end a line.
std::string_view StripCarriageReturn(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void RequestParser::Reset() {
  request_ = ApiRequest{};
  state_ = State::kHead;
  error_ = HttpError{};
  started_ = expects_continue_ = false;
  keep_alive_ = true;
  scan_ = line_start_ = lines_ = 0;
  body_state_ = BodyState::kLength;
  remaining_ = 0;
  trailer_bytes_ = 0;
}

bool RequestParser::Fail(int status, std::string code, std::string message) {
  state_ = State::kFailed;
  error_ = HttpError{status, std::move(code), std::move(message)};
  return false;
}

bool RequestParser::TooLarge() {
  return Fail(413, "payload_too_large",
              "the request body is larger than the limit of " +
                  std::to_string(limits_.max_body_bytes) + " bytes");
}

size_t RequestParser::Feed(std::string_view input) {
  size_t consumed = 0;
  if (state_ == State::kHead) {
    // Empty lines before a request line are ignored (RFC 9112 section 2.2): some clients send
    // CRLF after a body.
    if (!started_) {
      while (consumed < input.size() && (input[consumed] == '\r' || input[consumed] == '\n')) {
        ++consumed;
      }
      if (consumed == input.size()) return consumed;
      started_ = true;
    }
    const size_t head = FeedHead(input.substr(consumed));
    if (head == 0) return consumed;
    consumed += head;
  }
  if (state_ == State::kBody) consumed += FeedBody(input.substr(consumed));
  return consumed;
}

size_t RequestParser::FeedHead(std::string_view input) {
  const size_t too_many_lines = limits_.max_header_fields + 1;  // the request line is one
  for (; scan_ < input.size(); ++scan_) {
    if (input[scan_] != '\n') continue;
    const std::string_view line =
        StripCarriageReturn(input.substr(line_start_, scan_ - line_start_));
    line_start_ = scan_ + 1;
    if (!line.empty()) {
      if (++lines_ > too_many_lines) {
        Fail(431, "request_header_fields_too_large",
             "the request has more than " + std::to_string(limits_.max_header_fields) +
                 " header fields");
        return 0;
      }
      continue;
    }
    const size_t length = scan_ + 1;
    if (length > limits_.max_head_bytes) break;  // refused below
    if (!ParseHead(input.substr(0, length)) || !ParseFraming()) return 0;
    return length;
  }
  if (scan_ >= limits_.max_head_bytes) {
    Fail(431, "request_header_fields_too_large",
         "the request line and header fields are larger than the limit of " +
             std::to_string(limits_.max_head_bytes) + " bytes");
  }
  return 0;
}

bool RequestParser::ParseHead(std::string_view head) {
  bool first = true;
  while (!head.empty()) {
    const size_t end = head.find('\n');
    const std::string_view line = StripCarriageReturn(head.substr(0, end));
    head.remove_prefix(end + 1);
    if (line.empty()) break;  // the blank line that ends the head
    if (first) {
      if (!ParseRequestLine(line)) return false;
      first = false;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return BadRequest("obsolete line folding in the header fields is not accepted");
    }
    const size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    if (colon == std::string_view::npos || !IsToken(name)) {
      return BadRequest("malformed header field (a name, then ':' with no space before it)");
    }
    const std::string_view value = TrimWhitespace(line.substr(colon + 1));
    for (const char c : value) {
      if (IsControl(c)) {
        return BadRequest("header field " + std::string(name) + " holds a control character");
      }
    }
    request_.headers.Add(std::string(name), std::string(value));
  }
  return true;
}

bool RequestParser::ParseRequestLine(std::string_view line) {
  const size_t method_end = line.find(' ');
  const size_t target_end =
      method_end == std::string_view::npos ? method_end : line.find(' ', method_end + 1);
  if (target_end == std::string_view::npos || line.find(' ', target_end + 1) != line.npos) {
    return BadRequest("malformed request line (METHOD /path HTTP/1.1)");
  }
  const std::string_view method = line.substr(0, method_end);
  const std::string_view target = line.substr(method_end + 1, target_end - method_end - 1);
  const std::string_view version = line.substr(target_end + 1);
  if (!IsToken(method)) return BadRequest("malformed request method");
  const bool version_shape = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                             IsDigit(version[5]) && version[6] == '.' && IsDigit(version[7]);
  if (!version_shape) return BadRequest("malformed HTTP version in the request line");
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Fail(505, "http_version_not_supported",
                "HTTP version " + std::string(version.substr(5)) +
                    " is not supported; use HTTP/1.1 or HTTP/1.0");
  }
  if (target.empty() || target.front() != '/') {
    return BadRequest("the request target must be a path starting with '/'");
  }
  for (const char c : target) {
    if (IsControl(c) || c == '\t')
      return BadRequest("the request target holds a control character");
  }
  request_.method = std::string(method);
  request_.minor_version = version[7] - '0';
  const std::string_view without_fragment = target.substr(0, target.find('#'));
  const size_t question = without_fragment.find('?');
  request_.path = PercentDecode(without_fragment.substr(0, question), false);
  if (question != std::string_view::npos) {
    request_.query = ParseQuery(without_fragment.substr(question + 1));
  }
  return true;
}

bool RequestParser::ParseFraming() {
  const HttpHeaders& headers = request_.headers;
  const bool http11 = request_.minor_version == 1;
  const size_t hosts = headers.Count("Host");
  if (hosts > 1) return BadRequest("several Host header fields");
  if (http11 && hosts == 0) return BadRequest("an HTTP/1.1 request needs a Host header field");

  keep_alive_ = http11;
  for (const HttpHeaders::Field& field : headers.fields()) {
    if (!EqualsIgnoreCase(field.first, "Connection")) continue;
    std::string_view options = field.second;
    while (!options.empty()) {
      const size_t comma = options.find(',');
      const std::string_view option = TrimWhitespace(options.substr(0, comma));
      if (EqualsIgnoreCase(option, "close")) keep_alive_ = false;
      if (EqualsIgnoreCase(option, "keep-alive") && !http11) keep_alive_ = true;
      options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
    }
  }
  if (const std::string* expect = headers.Find("Expect")) {
    expects_continue_ = http11 && EqualsIgnoreCase(*expect, "100-continue");
  }

  // Framing that another parser (a proxy in front) could read differently is refused, so that
  // no request can be smuggled inside another's body (RFC 9112 section 6.3).
  const size_t lengths = headers.Count("Content-Length");
  const size_t codings = headers.Count("Transfer-Encoding");
  if (codings > 0 && lengths > 0) {
    return BadRequest("Content-Length and Transfer-Encoding together are not accepted");
  }
  if (codings > 0) {
    if (!http11) return BadRequest("Transfer-Encoding is not accepted in an HTTP/1.0 request");
    const std::string coding = headers.Get("Transfer-Encoding");
    if (codings > 1 || !EqualsIgnoreCase(coding, "chunked")) {
      return BadRequest("Transfer-Encoding must be chunked, not '" + coding + "'");
    }
    body_state_ = BodyState::kChunkSize;
    state_ = State::kBody;
    return true;
  }
  if (lengths > 1) return BadRequest("several Content-Length header fields");
  if (lengths == 1) {
    const std::string text = headers.Get("Content-Length");
    uint64_t length = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
    const bool decimal = !text.empty() && text.size() <= kMaxLengthDigits && IsDigit(text[0]) &&
                         error == std::errc() && end == text.data() + text.size();
    if (!decimal) return BadRequest("Content-Length must be a decimal number, not '" + text + "'");
    if (length > limits_.max_body_bytes) return TooLarge();
    if (length > 0) {
      remaining_ = length;
      body_state_ = BodyState::kLength;
      state_ = State::kBody;
      return true;
    }
  }
  state_ = State::kComplete;
  return true;
}

size_t RequestParser::FeedBody(std::string_view input) {
  if (body_state_ != BodyState::kLength) return FeedChunked(input);
  const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
  request_.body.append(input.substr(0, take));
  remaining_ -= take;
  if (remaining_ == 0) state_ = State::kComplete;
  return take;
}

size_t RequestParser::FeedChunked(std::string_view input) {
  size_t position = 0;
  while (state_ == State::kBody) {
    const std::string_view rest = input.substr(position);
    switch (body_state_) {
      case BodyState::kLength:
        return position;  // not chunked: FeedBody handles it
      case BodyState::kChunkSize: {
        const size_t end = rest.find('\n');
        if (end == std::string_view::npos) {
          if (rest.size() > kMaxChunkLine) BadRequest("a chunk-size line is too long");
          return position;
        }
        const std::string_view line = StripCarriageReturn(rest.substr(0, end));
        size_t digits = 0;
        while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
          ++digits;
        }
        uint64_t size = 0;
        std::from_chars(line.data(), line.data() + digits, size, 16);
        const std::string_view extension = TrimWhitespace(line.substr(digits));
        bool clean = digits > 0 && digits <= kMaxChunkSizeDigits && end <= kMaxChunkLine &&
                     (extension.empty() || extension.front() == ';');
        for (const char c : line) clean = clean && !IsControl(c);
        if (!clean) {
          BadRequest("malformed chunk size '" + std::string(line.substr(0, 40)) + "'");
          return position;
        }
        if (size > limits_.max_body_bytes - request_.body.size()) {
          TooLarge();
          return position;
        }
        position += end + 1;
        remaining_ = size;
        body_state_ = size == 0 ? BodyState::kTrailer : BodyState::kChunkData;
        break;
      }
      case BodyState::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        request_.body.append(rest.substr(0, take));
        remaining_ -= take;
        position += take;
        if (remaining_ > 0) return position;
        body_state_ = BodyState::kChunkDataEnd;
        break;
      }
      case BodyState::kChunkDataEnd: {
        if (rest.empty() || (rest[0] == '\r' && rest.size() < 2)) return position;
        const size_t terminator = rest[0] == '\n' ? 1 : rest.substr(0, 2) == "\r\n" ? 2 : 0;
        if (terminator == 0) {
          BadRequest("chunk data is not followed by CRLF");
          return position;
        }
        position += terminator;
        body_state_ = BodyState::kChunkSize;
        break;
      }
      case BodyState::kTrailer: {
        const size_t end = rest.find('\n');
        if (end == std::string_view::npos) {
          if (trailer_bytes_ + rest.size() > limits_.max_head_bytes) {
            Fail(431, "request_header_fields_too_large", "the trailer fields are too large");
          }
          return position;
        }
        const std::string_view line = StripCarriageReturn(rest.substr(0, end));
        position += end + 1;
        trailer_bytes_ += end + 1;
        if (line.empty()) {
          state_ = State::kComplete;
        } else if (trailer_bytes_ > limits_.max_head_bytes) {
          Fail(431, "request_header_fields_too_large", "the trailer fields are too large");
        }
        break;  // trailer fields are read and dropped: no handler uses them
      }
    }
  }
  return position;
}

}  // namespace orc
