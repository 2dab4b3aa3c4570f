// HttpConnection: one client connection of the HttpServer (http_server.h): its socket, the bytes
// received and not parsed yet, the request being read, the responses not sent yet, and the
// deadline of whatever it waits for.
//
// The server hands a connection to one thread at a time (its epoll registration is one-shot), and
// that thread calls Drive(): it reads what the socket has, answers every complete request with the
// handler on the same thread (pipelined requests in order), writes what the socket takes, and says
// what to wait for next. Nothing blocks: a slow client costs a buffer, not a thread.
//
// Deadlines (monotonic clock): a new connection's first request head within header_timeout;
// between requests, the next one within idle_timeout, and its head within header_timeout from its
// first byte; a body within body_timeout from the end of its head; a response written within
// write_timeout. The server's sweeper thread reads deadline() and, once it has passed, shuts the
// socket down (shutdown_how()), which wakes the connection's next Drive() to answer 408 or close.
// deadline() and shutdown_how() are the only members read by another thread (atomics).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "api/api_request.h"
#include "api/request_parser.h"

namespace orc {

struct HttpConnectionSettings {
  HttpLimits limits;
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds write_timeout{30000};
  size_t max_requests = 10000;  // per connection; the last response says Connection: close
  // Answers one request; runs on the thread that drives the connection. Must not throw.
  std::function<void(ApiRequest&, ApiResponse&)> handler;
};

class HttpConnection {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  enum class Wait { kRead, kWrite, kClose };

  // Takes ownership of the connected, non-blocking socket `fd`. `settings` outlives it.
  HttpConnection(int fd, const HttpConnectionSettings& settings, SteadyTime now);
  ~HttpConnection();  // closes the socket
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Reads, answers and writes what it can without blocking; returns what to wait for next.
  // With `stopping`, the request being answered is the connection's last.
  Wait Drive(bool stopping);

  // Writes pending responses, blocking up to `until` (when the server stops).
  void FlushBefore(SteadyTime until);

  int fd() const { return fd_; }
  // Nanoseconds of the steady clock's epoch; 0 while nothing is awaited (a handler runs).
  int64_t deadline() const { return deadline_.load(std::memory_order_relaxed); }
  // How the sweeper shuts the socket down when the deadline has passed: SHUT_RD wakes a reader
  // (which then answers 408 or closes), SHUT_RDWR ends a write nobody reads.
  int shutdown_how() const { return shutdown_how_.load(std::memory_order_relaxed); }

 private:
  enum class Phase { kIdle, kHead, kBody, kLinger };

  Wait Linger(SteadyTime now);
  void ProcessInput(SteadyTime now, bool stopping);
  void Answer(bool stopping);
  void QueueError(int status, const std::string& code, const std::string& message);
  void QueueResponse(const ApiResponse& response, int minor_version, bool keep_alive,
                     bool head_only);
  void Send(std::string head, std::string_view body);
  bool Flush();
  void EnterPhase(Phase phase, SteadyTime now);
  void SetDeadline(SteadyTime deadline, int how);
  bool TimeoutResponse();

  const int fd_;
  const HttpConnectionSettings& settings_;
  RequestParser parser_;
  std::string input_;  // received bytes; those before input_offset_ are parsed
  size_t input_offset_ = 0;
  std::string output_;  // response bytes not sent yet, from output_offset_
  size_t output_offset_ = 0;
  Phase phase_ = Phase::kIdle;
  SteadyTime phase_deadline_;
  SteadyTime write_deadline_;
  bool writing_ = false;  // output_ is waiting for the socket; write_deadline_ applies
  bool peer_closed_ = false;
  bool close_after_write_ = false;
  bool continue_sent_ = false;
  bool failed_ = false;  // the socket failed: close without writing more
  size_t requests_ = 0;
  size_t lingered_bytes_ = 0;
  std::atomic<int64_t> deadline_{0};
  std::atomic<int> shutdown_how_{0};
};

}  // namespace orc
