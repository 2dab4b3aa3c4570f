#include "api/api_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "api/http_server.h"
#include "api/router.h"

namespace orc {
namespace {

// A listening socket on `entry`, or -1 with errno set.
int Listen(const addrinfo& entry) {
  const int fd = ::socket(entry.ai_family, entry.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          entry.ai_protocol);
  if (fd < 0) return -1;
  // SO_REUSEADDR keeps fast restarts working (no wait for TIME_WAIT). Not SO_REUSEPORT: that would
  // let a second orc process bind the same port and silently share its traffic.
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  // A burst of new connections (a client opening its pool) must not overflow the backlog: each
  // dropped handshake costs the client a TCP retransmission (0.2-1 s).
  if (::bind(fd, entry.ai_addr, entry.ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  Router router;
  std::unique_ptr<HttpServer> http;  // set by Bind()
  int port = -1;
  // Stop() may come from any thread at any time: before Bind() it is remembered, and Bind() stops
  // the server it creates. Guards http (its pointer, not the server) and stop_requested.
  std::mutex mutex;
  bool stop_requested = false;
};

ApiServer::ApiServer(ApiServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->router.RequireToken(impl_->options.api_token);
}

ApiServer::~ApiServer() = default;

void ApiServer::AddRoutes(const std::function<void(Router&)>& install) { install(impl_->router); }

Status ApiServer::Bind() {
  const HostPort& address = impl_->options.bind;
  const auto failed = [&address](const std::string& reason) {
    return UnavailableError("cannot listen on " + address.ToString() + ": " + reason);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* resolved = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int error = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &resolved)) {
    return failed("cannot resolve host '" + address.host + "' (" + gai_strerror(error) + ")");
  }
  int fd = -1;
  std::string reason = "the address could not be bound";
  for (addrinfo* entry = resolved; entry != nullptr && fd < 0; entry = entry->ai_next) {
    fd = Listen(*entry);
    if (fd < 0) reason = std::strerror(errno);
  }
  ::freeaddrinfo(resolved);
  if (fd < 0) return failed(reason);
  impl_->port = BoundPort(fd);

  const ApiServerOptions& options = impl_->options;
  HttpServerOptions http;
  http.threads = options.request_threads;
  http.max_connections = options.max_connections;
  http.connection.limits.max_body_bytes = options.max_body_bytes;
  http.connection.header_timeout = options.header_timeout;
  http.connection.body_timeout = options.body_timeout;
  http.connection.idle_timeout = options.idle_timeout;
  http.connection.write_timeout = options.write_timeout;
  http.connection.max_requests = options.max_requests_per_connection;
  http.connection.handler = [router = &impl_->router](ApiRequest& request, ApiResponse& response) {
    router->Dispatch(request, response);
  };
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Create(fd, std::move(http));
  if (!server.ok()) return failed(server.status().message());
  std::lock_guard lock(impl_->mutex);
  impl_->http = std::move(server).value();
  if (impl_->stop_requested) impl_->http->Stop();
  return Status::Ok();
}

int ApiServer::port() const { return impl_->port; }

Status ApiServer::Serve() {
  HttpServer* http = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    http = impl_->http.get();
  }
  if (http == nullptr) return FailedPreconditionError("ApiServer::Serve() called before Bind()");
  http->Serve();
  return Status::Ok();
}

void ApiServer::Stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stop_requested = true;
  if (impl_->http != nullptr) impl_->http->Stop();
}

}  // namespace orc
