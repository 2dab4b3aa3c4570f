// RawHttpServer: a TCP server on 127.0.0.1 (port chosen by the OS) that hands each connection to a
// handler of the test's, for what no HTTP library would send: a server that accepts and then says
// nothing, floods headers, or answers with exactly the bytes of a compression bomb.
//
// Each connection runs on a thread of its own; the destructor shuts every connection down (so a
// handler blocked in recv or send returns) and joins them. Handlers must return once the socket
// fails.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace orc::testing {

class RawHttpServer {
 public:
  explicit RawHttpServer(std::function<void(int socket)> handler, int backlog = 16)
      : handler_(std::move(handler)) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, backlog);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    accepting_ = std::thread([this] { Accept(); });
  }
  ~RawHttpServer() {
    stopping_ = true;
    accepting_.join();
    {
      std::lock_guard lock(mutex_);
      for (const int connection : connections_) shutdown(connection, SHUT_RDWR);
    }
    for (std::thread& thread : serving_) thread.join();
    for (const int connection : connections_) close(connection);
    close(listener_);
  }
  RawHttpServer(const RawHttpServer&) = delete;
  RawHttpServer& operator=(const RawHttpServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return accepted_.load(); }

  // The request head (up to the blank line), or what arrived before the socket failed.
  static std::string ReadHead(int socket) {
    std::string head;
    char byte;
    while (!head.ends_with("\r\n\r\n") && recv(socket, &byte, 1, 0) == 1) head += byte;
    return head;
  }
  // Whether all of `bytes` were sent.
  static bool Send(int socket, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

 private:
  void Accept() {
    while (!stopping_) {
      pollfd ready{.fd = listener_, .events = POLLIN};
      if (poll(&ready, 1, 20) != 1) continue;
      const int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      ++accepted_;
      std::lock_guard lock(mutex_);
      connections_.push_back(connection);
      serving_.emplace_back([this, connection] { handler_(connection); });
    }
  }

  std::function<void(int socket)> handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread accepting_;
  std::mutex mutex_;  // guards connections_ and serving_ against the accepting thread
  std::vector<int> connections_;
  std::vector<std::thread> serving_;
};

}  // namespace orc::testing
