#include "api/http_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "api/error_response.h"

namespace orc {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Requests are answered while less than this much output waits for the client: one that
// pipelines requests without reading the answers is not read further until it does.
constexpr size_t kMaxPendingOutput = 256 * 1024;
// After its last response a connection reads and drops what the client still sends, for this
// long and this much at most, before it closes: closing a socket with unread bytes makes the
// kernel send a reset, which can destroy the response before the client has read it.
constexpr std::chrono::seconds kLingerTime(2);
constexpr size_t kMaxLingerBytes = 4 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

int64_t Nanoseconds(HttpConnection::SteadyTime time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

HttpConnection::HttpConnection(int fd, const HttpConnectionSettings& settings, SteadyTime now)
    : fd_(fd), settings_(settings), parser_(settings.limits) {
  phase_deadline_ = now + settings_.header_timeout;
  SetDeadline(phase_deadline_, SHUT_RD);
}

HttpConnection::~HttpConnection() { ::close(fd_); }

void HttpConnection::SetDeadline(SteadyTime deadline, int how) {
  shutdown_how_.store(how, std::memory_order_relaxed);
  deadline_.store(Nanoseconds(deadline), std::memory_order_relaxed);
}

void HttpConnection::EnterPhase(Phase phase, SteadyTime now) {
  phase_ = phase;
  switch (phase) {
    case Phase::kIdle:
      phase_deadline_ = now + settings_.idle_timeout;
      break;
    case Phase::kHead:
      phase_deadline_ = now + settings_.header_timeout;
      break;
    case Phase::kBody:
      phase_deadline_ = now + settings_.body_timeout;
      break;
    case Phase::kLinger:
      phase_deadline_ = now + kLingerTime;
      break;
  }
}

HttpConnection::Wait HttpConnection::Drive(bool stopping) {
  SteadyTime now = std::chrono::steady_clock::now();
  if (phase_ == Phase::kLinger) return Linger(now);
  if (!Flush()) return Wait::kClose;
  const auto wait_to_write = [this](SteadyTime at) {
    if (!writing_) {
      writing_ = true;
      write_deadline_ = at + settings_.write_timeout;
    }
    if (at >= write_deadline_) return Wait::kClose;
    SetDeadline(write_deadline_, SHUT_RDWR);
    return Wait::kWrite;
  };
  if (output_offset_ < output_.size()) return wait_to_write(now);

  if (!close_after_write_ && !peer_closed_) {
    char buffer[kReadChunk];
    const ssize_t received = ::recv(fd_, buffer, sizeof buffer, 0);
    if (received > 0) {
      input_.append(buffer, static_cast<size_t>(received));
    } else if (received == 0) {
      peer_closed_ = true;
    } else if (!WouldBlock() && errno != EINTR) {
      return Wait::kClose;
    }
  }
  ProcessInput(now, stopping);
  if (failed_) return Wait::kClose;
  now = std::chrono::steady_clock::now();
  if (!close_after_write_) {
    const bool timed_out = now >= phase_deadline_;
    if (timed_out && (phase_ == Phase::kHead || phase_ == Phase::kBody)) {
      const bool head = phase_ == Phase::kHead;
      const auto limit = head ? settings_.header_timeout : settings_.body_timeout;
      QueueError(408, "request_timeout",
                 std::string(head ? "the request head" : "the request body") +
                     " did not arrive within " + std::to_string(limit.count()) + " ms");
    } else if (timed_out || peer_closed_) {
      close_after_write_ = true;
    }
  }
  if (!Flush()) return Wait::kClose;
  if (output_offset_ < output_.size()) return wait_to_write(now);
  if (close_after_write_) {
    ::shutdown(fd_, SHUT_WR);
    EnterPhase(Phase::kLinger, now);
    return Linger(now);
  }
  SetDeadline(phase_deadline_, SHUT_RD);
  return Wait::kRead;
}

void HttpConnection::ProcessInput(SteadyTime now, bool stopping) {
  while (!close_after_write_ && output_.size() - output_offset_ < kMaxPendingOutput) {
    input_offset_ += parser_.Feed(std::string_view(input_).substr(input_offset_));
    const RequestParser::State state = parser_.state();
    if (state == RequestParser::State::kFailed) {
      const HttpError& error = parser_.error();
      QueueError(error.status, error.code, error.message);
      break;
    }
    if (state == RequestParser::State::kComplete) {
      Answer(stopping);
      parser_.Reset();
      continue_sent_ = false;
      EnterPhase(Phase::kIdle, std::chrono::steady_clock::now());
      continue;
    }
    if (state == RequestParser::State::kBody) {
      if (phase_ != Phase::kBody) EnterPhase(Phase::kBody, now);
      if (parser_.expects_continue() && !continue_sent_) {
        continue_sent_ = true;
        Send(std::string(kContinue), {});
      }
    } else if (parser_.started() && phase_ == Phase::kIdle) {
      EnterPhase(Phase::kHead, now);
    }
    break;  // the request is incomplete: wait for more bytes
  }
  if (input_offset_ == input_.size()) {
    input_.clear();
    input_offset_ = 0;
  } else if (input_offset_ > kReadChunk) {
    input_.erase(0, input_offset_);
    input_offset_ = 0;
  }
}

void HttpConnection::Answer(bool stopping) {
  ApiRequest& request = parser_.request();
  deadline_.store(0, std::memory_order_relaxed);  // no deadline while the handler runs
  ApiResponse response;
  settings_.handler(request, response);
  ++requests_;
  const bool keep_alive = parser_.keep_alive() && !stopping && requests_ < settings_.max_requests;
  QueueResponse(response, request.minor_version, keep_alive, request.method == "HEAD");
  if (!keep_alive) close_after_write_ = true;
}

void HttpConnection::QueueError(int status, const std::string& code, const std::string& message) {
  ApiResponse response;
  WriteError(response, status, code, message);
  QueueResponse(response, 1, false, false);
  close_after_write_ = true;
}

void HttpConnection::QueueResponse(const ApiResponse& response, int minor_version, bool keep_alive,
                                   bool head_only) {
  const int status = response.status;
  std::string head;
  head.reserve(160 + response.headers.size() * 48);
  head.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  head.append(ReasonPhrase(status)).append("\r\n");
  const bool has_body = status >= 200 && status != 204 && status != 304;
  if (has_body) {
    if (!response.content_type.empty() && !HasLineBreak(response.content_type)) {
      head.append("Content-Type: ").append(response.content_type).append("\r\n");
    }
    head.append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
  }
  for (const auto& [name, value] : response.headers.fields()) {
    // A line break in a field would let a value that echoes input write headers of its own.
    if (HasLineBreak(name) || HasLineBreak(value)) continue;
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!keep_alive) {
    head.append("Connection: close\r\n");
  } else if (minor_version == 0) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append("\r\n");
  Send(std::move(head), has_body && !head_only ? std::string_view(response.body) : "");
}

void HttpConnection::Send(std::string head, std::string_view body) {
  if (failed_) return;
  if (output_offset_ < output_.size()) {
    output_.append(head).append(body);
    return;
  }
  // Nothing waits: write straight from the response, and keep only what the socket did not take.
  iovec parts[2] = {{head.data(), head.size()}, {const_cast<char*>(body.data()), body.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = body.empty() ? 1 : 2;
  ssize_t sent = ::sendmsg(fd_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0) {
    if (!WouldBlock() && errno != EINTR) {
      failed_ = true;
      return;
    }
    sent = 0;
  }
  const auto written = static_cast<size_t>(sent);
  output_.clear();
  output_offset_ = 0;
  if (written < head.size()) {
    output_.append(head, written).append(body);
  } else if (written < head.size() + body.size()) {
    output_.append(body.substr(written - head.size()));
  }
}

bool HttpConnection::Flush() {
  if (failed_) return false;
  while (output_offset_ < output_.size()) {
    const ssize_t sent = ::send(fd_, output_.data() + output_offset_,
                                output_.size() - output_offset_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (WouldBlock()) return true;
      failed_ = true;
      return false;
    }
    output_offset_ += static_cast<size_t>(sent);
  }
  output_.clear();
  output_offset_ = 0;
  writing_ = false;
  return true;
}

void HttpConnection::FlushBefore(SteadyTime until) {
  while (Flush() && output_offset_ < output_.size()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd writable{fd_, POLLOUT, 0};
    if (::poll(&writable, 1, static_cast<int>(left.count())) <= 0) return;
  }
}

HttpConnection::Wait HttpConnection::Linger(SteadyTime now) {
  char buffer[16 * 1024];
  while (true) {
    const ssize_t received = ::recv(fd_, buffer, sizeof buffer, 0);
    if (received > 0) {
      lingered_bytes_ += static_cast<size_t>(received);
      if (lingered_bytes_ > kMaxLingerBytes) return Wait::kClose;
      continue;
    }
    if (received < 0 && errno == EINTR) continue;
    if (received < 0 && WouldBlock()) break;
    return Wait::kClose;  // the client closed too, or the socket failed
  }
  if (now >= phase_deadline_) return Wait::kClose;
  SetDeadline(phase_deadline_, SHUT_RDWR);
  return Wait::kRead;
}

}  // namespace orc
