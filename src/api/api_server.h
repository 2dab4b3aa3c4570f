// ApiServer: orc's HTTP server. Owns the listening socket and the request threads; the routes
// themselves live in one handler file per resource and are installed through AddRoutes().
//
// Lifecycle: construct, AddRoutes() any number of times, Bind() (fails cleanly when the address is
// unusable, leaving nothing running), then Serve() on one thread, which blocks until Stop().
// Stop() may be called from any thread, also before Serve(); Serve() returns only after the
// requests in flight have been answered.
//
// Every error response of the server itself (unknown route, uncaught exception in a handler) is a
// JSON body {"error": {"code": ..., "message": ...}}.
#pragma once

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
  // httplib gives each open connection a thread for as long as it stays open (keep-alive), so
  // this bounds the clients served at once; more wait for a free thread. Idle threads cost only
  // memory.
  std::size_t request_threads = 64;
  std::string api_token;  // when set, every route but /health needs "Authorization: Bearer ..."
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
