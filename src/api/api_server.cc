#include "api/api_server.h"

#include <httplib.h>
#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "api/error_response.h"
#include "api/router.h"

namespace orc {
namespace {

constexpr size_t kKeepAliveMaxRequests = 10000;

// httplib's default socket options add SO_REUSEPORT, which would let a second orc process bind
// the same port and silently share its traffic. SO_REUSEADDR alone keeps fast restarts working
// (no wait for TIME_WAIT) while a port in use is reported as such.
void SetSocketOptions(int socket_fd) {
  const int yes = 1;
  setsockopt(socket_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// httplib only says that binding failed; redo the steps to find out why, for the error message.
std::string DescribeBindFailure(const HostPort& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* resolved = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int error = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &resolved)) {
    return std::string("cannot resolve host '") + address.host + "' (" + gai_strerror(error) + ")";
  }
  std::string reason = "the address could not be bound";
  for (addrinfo* entry = resolved; entry != nullptr; entry = entry->ai_next) {
    const int socket_fd = socket(entry->ai_family, entry->ai_socktype, entry->ai_protocol);
    if (socket_fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    SetSocketOptions(socket_fd);
    if (bind(socket_fd, entry->ai_addr, entry->ai_addrlen) != 0 || listen(socket_fd, 1) != 0) {
      reason = std::strerror(errno);
    }
    close(socket_fd);
  }
  freeaddrinfo(resolved);
  return reason;
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  httplib::Server server;
  Router router{server};
  int port = -1;
  std::atomic<bool> bound{false};
  // Stop() and Serve() may race. Each sets its own flag, then reads the other's (sequentially
  // consistent), so at least one of them sees the other: either Serve() sees the stop request and
  // does not listen, or Stop() sees that Serve() started and stops the accept loop.
  std::atomic<bool> stop_requested{false};
  int listening_fd = -1;  // the bound socket, from the socket-options callback
  std::atomic<bool> serve_started{false};
  std::atomic<bool> serve_returned{false};
};

ApiServer::ApiServer(ApiServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->router.RequireToken(impl_->options.api_token);
  httplib::Server& server = impl_->server;
  server.set_socket_options([impl = impl_.get()](int socket_fd) {
    SetSocketOptions(socket_fd);
    impl->listening_fd = socket_fd;  // the last socket configured is the one that got bound
  });
  server.set_payload_max_length(impl_->options.max_body_bytes);
  // Small JSON responses must leave at once: without TCP_NODELAY, Nagle's algorithm holds them
  // until the client's delayed ACK (~40 ms on Linux) on keep-alive connections.
  server.set_tcp_nodelay(true);
  // A client may send many requests over one connection (httplib's default closes after 5).
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  const size_t threads = std::max<size_t>(1, impl_->options.request_threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& request,
                                                                   httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (response.status == 404) {
      WriteError(response, 404, "not_found", "no route for " + request.method + " " + request.path);
    } else if (response.status == 413) {
      WriteError(response, 413, "payload_too_large", "the request body is larger than allowed");
    } else {
      WriteError(response, response.status, "http_error",
                 "HTTP " + std::to_string(response.status));
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& exception) {
          what = exception.what();
        } catch (...) {
        }
        spdlog::error("{} {} failed: {}", request.method, request.path, what);
        WriteError(response, 500, "internal", "internal error: " + what);
      });
  server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
    spdlog::debug("{} {} -> {}", request.method, request.path, response.status);
  });
}

ApiServer::~ApiServer() = default;

void ApiServer::AddRoutes(const std::function<void(Router&)>& install) { install(impl_->router); }

Status ApiServer::Bind() {
  const HostPort& address = impl_->options.bind;
  int port = -1;
  if (address.port == 0) {
    port = impl_->server.bind_to_any_port(address.host);
  } else if (impl_->server.bind_to_port(address.host, address.port)) {
    port = address.port;
  }
  if (port < 0) {
    return UnavailableError("cannot listen on " + address.ToString() + ": " +
                            DescribeBindFailure(address));
  }
  // httplib listens with a backlog of 5: a burst of new connections (a client opening its pool)
  // overflows it, and each dropped handshake costs the client a TCP retransmission (0.2-1 s).
  // Listening again on the bound socket raises the backlog.
  if (impl_->listening_fd >= 0) ::listen(impl_->listening_fd, SOMAXCONN);
  impl_->port = port;
  impl_->bound = true;
  return Status::Ok();
}

int ApiServer::port() const { return impl_->port; }

Status ApiServer::Serve() {
  if (!impl_->bound) return FailedPreconditionError("ApiServer::Serve() called before Bind()");
  impl_->serve_started = true;
  if (!impl_->stop_requested) impl_->server.listen_after_bind();
  impl_->serve_returned = true;
  return Status::Ok();
}

void ApiServer::Stop() {
  impl_->stop_requested = true;
  if (!impl_->serve_started) return;
  // httplib ignores stop() until its accept loop runs; a Stop() racing with the start of Serve()
  // waits for that loop (or for Serve() to have returned) so the request is not lost.
  while (!impl_->server.is_running() && !impl_->serve_returned) {
    std::this_thread::yield();
  }
  impl_->server.stop();
}

}  // namespace orc
