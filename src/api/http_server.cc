#include "api/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace orc {
namespace {

// Markers in epoll_event.data.ptr for the two descriptors that are no connection.
char listener_marker;
char stop_marker;

constexpr int kAcceptBatch = 64;
constexpr std::chrono::milliseconds kMaxSweepInterval(100);
constexpr std::chrono::milliseconds kMinSweepInterval(5);
// When the server stops, responses still being written get this long to reach their clients.
constexpr std::chrono::seconds kStopFlushTime(2);

// What a connection beyond max_connections gets before it is closed.
const std::string& BusyResponse() {
  static const std::string response = [] {
    const std::string body =
        R"({"error":{"code":"unavailable","message":"the server has too many connections open"}})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }();
  return response;
}

std::chrono::milliseconds SweepInterval(const HttpConnectionSettings& settings) {
  const auto shortest = std::min({settings.header_timeout, settings.body_timeout,
                                  settings.idle_timeout, settings.write_timeout});
  return std::clamp(shortest / 10, kMinSweepInterval, kMaxSweepInterval);
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(int listening_fd,
                                                       HttpServerOptions options) {
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  const int stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd < 0 || stop_fd < 0) {
    const std::string reason = std::strerror(errno);
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (stop_fd >= 0) ::close(stop_fd);
    ::close(listening_fd);
    return UnavailableError("cannot set up the HTTP server's epoll: " + reason);
  }
  std::unique_ptr<HttpServer> server(
      new HttpServer(listening_fd, epoll_fd, stop_fd, std::move(options)));
  epoll_event stop{};
  stop.events = EPOLLIN;  // level-triggered and not one-shot: every thread sees it
  stop.data.ptr = &stop_marker;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd, &stop) != 0) {
    return UnavailableError(std::string("cannot watch the stop event: ") + std::strerror(errno));
  }
  server->ArmListener(EPOLL_CTL_ADD);
  return server;
}

HttpServer::HttpServer(int listening_fd, int epoll_fd, int stop_fd, HttpServerOptions options)
    : listening_fd_(listening_fd),
      epoll_fd_(epoll_fd),
      stop_fd_(stop_fd),
      options_(std::move(options)) {}

HttpServer::~HttpServer() {
  connections_.clear();
  if (listening_fd_ >= 0) ::close(listening_fd_);
  ::close(stop_fd_);
  ::close(epoll_fd_);
}

void HttpServer::ArmListener(int operation) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.ptr = &listener_marker;
  if (::epoll_ctl(epoll_fd_, operation, listening_fd_, &event) != 0) {
    spdlog::error("HTTP server: cannot watch the listening socket: {}", std::strerror(errno));
  }
}

void HttpServer::Stop() {
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_fd_, &one, sizeof one);
}

void HttpServer::Serve() {
  std::thread sweeper([this] {
    const auto interval = SweepInterval(options_.connection);
    std::unique_lock lock(mutex_);
    while (!sweeper_stop_) {
      sweeper_wake_.wait_for(lock, interval);
      if (sweeper_stop_) break;
      lock.unlock();
      Sweep();
      lock.lock();
    }
  });
  std::vector<std::thread> threads;
  const size_t count = std::max<size_t>(1, options_.threads);
  for (size_t i = 0; i < count; ++i) threads.emplace_back([this] { RunThread(); });
  for (std::thread& thread : threads) thread.join();
  {
    std::lock_guard lock(mutex_);
    sweeper_stop_ = true;
  }
  sweeper_wake_.notify_all();
  sweeper.join();
  // New connections are refused from here on, not left waiting in the backlog.
  ::close(listening_fd_);
  listening_fd_ = -1;
  // Every thread has returned: what is left is only this thread's. Responses being written get a
  // moment to reach their clients; then every connection closes.
  const auto until = std::chrono::steady_clock::now() + kStopFlushTime;
  for (auto& [unused, connection] : connections_) connection->FlushBefore(until);
  connections_.clear();
}

void HttpServer::RunThread() {
  epoll_event event{};
  while (true) {
    const int ready = ::epoll_wait(epoll_fd_, &event, 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      spdlog::error("HTTP server: epoll_wait failed: {}", std::strerror(errno));
      return;
    }
    if (ready == 0) continue;
    if (event.data.ptr == &stop_marker) return;
    if (event.data.ptr == &listener_marker) {
      AcceptConnections();
      continue;
    }
    auto* connection = static_cast<HttpConnection*>(event.data.ptr);
    const HttpConnection::Wait wait = connection->Drive(stopping_);
    if (wait == HttpConnection::Wait::kClose) {
      Close(connection);
    } else {
      Arm(connection, wait);
    }
  }
}

void HttpServer::AcceptConnections() {
  for (int i = 0; i < kAcceptBatch && !stopping_; ++i) {
    const int fd = ::accept4(listening_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      // Out of descriptors or memory: accepting again at once would spin. The sweeper resumes
      // accepting on its next round.
      spdlog::warn("HTTP server: cannot accept a connection: {}", std::strerror(errno));
      listener_paused_ = true;
      return;
    }
    // Small JSON responses must leave at once: without TCP_NODELAY, Nagle's algorithm holds them
    // until the client's delayed ACK (~40 ms on Linux) on keep-alive connections.
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    std::unique_lock lock(mutex_);
    if (connections_.size() >= options_.max_connections) {
      lock.unlock();
      [[maybe_unused]] const ssize_t sent =
          ::send(fd, BusyResponse().data(), BusyResponse().size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    auto connection =
        std::make_unique<HttpConnection>(fd, options_.connection, std::chrono::steady_clock::now());
    HttpConnection* raw = connection.get();
    connections_.emplace(raw, std::move(connection));
    lock.unlock();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.ptr = raw;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) Close(raw);
  }
  ArmListener(EPOLL_CTL_MOD);
}

void HttpServer::Arm(HttpConnection* connection, HttpConnection::Wait wait) {
  epoll_event event{};
  event.events = (wait == HttpConnection::Wait::kWrite ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
  event.data.ptr = connection;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd(), &event) != 0) Close(connection);
}

void HttpServer::Close(HttpConnection* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);  // closes the socket, which leaves the epoll set
}

void HttpServer::Sweep() {
  if (listener_paused_.exchange(false)) ArmListener(EPOLL_CTL_MOD);
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  std::lock_guard lock(mutex_);
  for (const auto& [raw, connection] : connections_) {
    const int64_t deadline = connection->deadline();
    // Shutting a socket down is safe whoever owns the connection: its owner sees end of input
    // (or a failed write) on its next read and ends the request there.
    if (deadline != 0 && deadline <= now) ::shutdown(connection->fd(), connection->shutdown_how());
  }
}

}  // namespace orc
