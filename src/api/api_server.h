// ApiServer: orc's API server. Owns the listening socket, the HTTP server (http_server.h: epoll,
// its threads and deadlines) and the Router; the routes themselves live in one handler file per
// resource and are installed through AddRoutes().
//
// Lifecycle: construct, AddRoutes() any number of times, Bind() (fails cleanly when the address is
// unusable, leaving nothing running), then Serve() on one thread, which blocks until Stop().
// Stop() may be called from any thread, also before Serve(); Serve() returns only after the
// requests in flight have been answered.
//
// Every error response of the server itself (unknown route, a request it refuses, an exception in
// a handler) is a JSON body {"error": {"code": ..., "message": ...}}. The limits on what a client
// may send are listed in docs/API.md ("Limits").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/host_port.h"
#include "common/status.h"

namespace orc {

class Router;

struct ApiServerOptions {
  HostPort bind{"127.0.0.1", 8080};
  std::size_t max_body_bytes = 1 << 20;
  // Threads that read requests and run the route handlers (which block on the state store). A
  // connection holds a thread only while one of its requests is answered, not while it is open.
  std::size_t request_threads = 64;
  std::string api_token;  // when set, every route but /health and the dashboard page / needs
                          // "Authorization: Bearer ..."
  // A request head (request line and header fields) must arrive within this from its first byte
  // (for a new connection: from the connection), else the connection closes (with a 408).
  std::chrono::milliseconds header_timeout{5000};
  // A request body must arrive within this from the end of its head (408).
  std::chrono::milliseconds body_timeout{30000};
  // A keep-alive connection with no request is closed after this long.
  std::chrono::milliseconds idle_timeout{5000};
  // A response the client does not read within this long is dropped with its connection.
  std::chrono::milliseconds write_timeout{30000};
  std::size_t max_requests_per_connection = 10000;
  std::size_t max_connections = 4096;
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Lets a handler file register its routes. Call before Serve().
  void AddRoutes(const std::function<void(Router&)>& install);

  // Binds and listens on options.bind. Unavailable naming the address and the OS's reason (address
  // in use, permission denied, unknown host) when that fails.
  Status Bind();

  // The bound port (the OS's choice when options.bind.port was 0). Valid after Bind().
  int port() const;

  // Answers requests until Stop(). Requires a successful Bind().
  Status Serve();

  // Stops accepting connections; Serve() returns once the requests in flight are done.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orc
