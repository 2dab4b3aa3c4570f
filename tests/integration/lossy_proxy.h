// LossyProxy: an HTTP proxy on 127.0.0.1 in front of a real orc that forwards every request and
// loses the reply to the first POST whose path ends in `lose_reply_to` (it closes the connection
// instead of answering), as a network that fails after the server acted does. It notes the
// Idempotency-Key of each such POST. One request per connection (it answers Connection: close);
// requests are served one at a time, which suits a CLI client.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace orc::testing {

class LossyProxy {
 public:
  LossyProxy(int upstream_port, std::string lose_reply_to)
      : upstream_("127.0.0.1", upstream_port), lose_reply_to_(std::move(lose_reply_to)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~LossyProxy() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);  // wakes accept()
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }

  int port() const { return port_; }  // -1 when it could not listen

  // The Idempotency-Key of each POST to a path ending in lose_reply_to ("" when it had none).
  std::vector<std::string> keys() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
  }

 private:
  static bool Named(const std::string& name, const char* expected) {
    return strcasecmp(name.c_str(), expected) == 0;
  }

  void Serve() {
    while (!stopping_) {
      const int connection = accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      Forward(connection);
      close(connection);
    }
  }

  // Reads one request, has orc answer it, and hands the answer back (or loses it).
  void Forward(int connection) {
    std::string data;
    char buffer[4096];
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t got = read(connection, buffer, sizeof(buffer));
      if (got <= 0) return;
      data.append(buffer, static_cast<size_t>(got));
    }
    httplib::Request request;
    std::istringstream head(data.substr(0, head_end));
    std::string line;
    std::getline(head, line);
    std::istringstream request_line(line);
    request_line >> request.method >> request.path;
    size_t content_length = 0;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
      if (Named(name, "Content-Length")) {
        content_length = std::stoul(value);
      } else if (!Named(name, "Host") && !Named(name, "Connection")) {
        request.headers.emplace(std::move(name), std::move(value));
      }
    }
    request.body = data.substr(head_end + 4);
    while (request.body.size() < content_length) {
      const ssize_t got = read(connection, buffer, sizeof(buffer));
      if (got <= 0) return;
      request.body.append(buffer, static_cast<size_t>(got));
    }
    const bool watched = request.method == "POST" && request.path.size() >= lose_reply_to_.size() &&
                         request.path.ends_with(lose_reply_to_);
    if (watched) {
      const std::lock_guard<std::mutex> lock(mutex_);
      keys_.push_back(request.get_header_value("Idempotency-Key"));
    }
    httplib::Result reply = upstream_.send(request);
    if (!reply || (watched && !lost_one_.exchange(true))) return;  // the reply is lost
    std::string out = "HTTP/1.1 " + std::to_string(reply->status) + " Reply\r\n";
    for (const auto& [name, value] : reply->headers) {
      if (Named(name, "Content-Length") || Named(name, "Connection") || Named(name, "Keep-Alive")) {
        continue;
      }
      out += name + ": " + value + "\r\n";
    }
    out +=
        "Content-Length: " + std::to_string(reply->body.size()) + "\r\nConnection: close\r\n\r\n";
    out += reply->body;
    for (size_t sent = 0; sent < out.size();) {
      const ssize_t wrote = write(connection, out.data() + sent, out.size() - sent);
      if (wrote <= 0) return;
      sent += static_cast<size_t>(wrote);
    }
  }

  httplib::Client upstream_;
  const std::string lose_reply_to_;
  int listener_ = -1;
  int port_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> lost_one_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> keys_;  // guarded by mutex_
};

}  // namespace orc::testing
