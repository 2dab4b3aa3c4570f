// HttpServer: orc's HTTP/1.1 server, event-driven so that no client can hold a thread by being
// slow. It replaced cpp-httplib's server, which gave each connection a thread for as long as it
// stayed open and had no deadline for a whole request head.
//
// Threads: `threads` threads share one epoll set. Each connection is registered one-shot, so the
// thread that finds it readable owns it until it registers it again: that thread reads, parses,
// runs the handler for every complete request (no hand-off to another thread) and writes. A
// connection waiting for bytes, or for the client to read, holds no thread. The thread that finds
// the listening socket readable accepts. A sweeper thread shuts down the sockets whose deadline
// has passed (HttpConnection), which wakes them to answer 408 or close.
//
// Lifecycle: construct with a listening socket (which it owns), Serve() on one thread until
// Stop(). Stop() may be called from any thread, also before Serve(); Serve() returns after the
// threads have finished the requests they were answering and written their responses, and closes
// the listening socket. Serve() runs once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "api/http_connection.h"
#include "common/status.h"

namespace orc {

struct HttpServerOptions {
  HttpConnectionSettings connection;
  size_t threads = 64;
  // Connections beyond this many are answered 503 and closed at once: each holds buffers.
  size_t max_connections = 4096;
};

class HttpServer {
 public:
  // Takes ownership of `listening_fd` (bound and listening). Unavailable when epoll cannot be set
  // up.
  static Result<std::unique_ptr<HttpServer>> Create(int listening_fd, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves until Stop(); see the lifecycle above.
  void Serve();
  void Stop();

 private:
  HttpServer(int listening_fd, int epoll_fd, int stop_fd, HttpServerOptions options);

  void RunThread();
  void AcceptConnections();
  void Arm(HttpConnection* connection, HttpConnection::Wait wait);
  void Close(HttpConnection* connection);
  void Sweep();
  void ArmListener(int operation);

  int listening_fd_;  // -1 once Serve() has returned
  const int epoll_fd_;
  const int stop_fd_;  // an eventfd: readable once Stop() was called, for every thread
  const HttpServerOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listener_paused_{false};  // out of file descriptors: the sweeper resumes it

  std::mutex mutex_;  // guards connections_ and sweeper_stop_
  // Sockets are closed (connection destroyed) only under mutex_, so the sweeper never shuts down
  // a descriptor that was closed and reused.
  std::unordered_map<HttpConnection*, std::unique_ptr<HttpConnection>> connections_;
  bool sweeper_stop_ = false;
  std::condition_variable sweeper_wake_;
};

}  // namespace orc
