// WebhookReceiver: a loopback HTTP server (cpp-httplib) that records the webhooks orc sends, for
// the notifier's tests and the end-to-end alert tests. It binds 127.0.0.1 on a free port, answers
// each POST with the status `respond` gives for it (200 by default) and keeps what it received.
//
// Thread safety: Received() and Count() may be called from any thread while it serves.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orc::testing {

struct ReceivedWebhook {
  std::string path;
  std::string event;        // X-Orc-Event
  std::string delivery_id;  // X-Orc-Delivery
  std::string signature;    // X-Orc-Signature-256
  std::string user_agent;
  std::string content_type;
  std::string authorization;
  std::string body;
};

class WebhookReceiver {
 public:
  // `respond` gets the 0-based index of the POST among all received and the POST; returns the
  // status to answer.
  using Responder = std::function<int(int index, const ReceivedWebhook&)>;

  explicit WebhookReceiver(Responder respond = nullptr) : respond_(std::move(respond)) {
    server_.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      ReceivedWebhook received{.path = request.path,
                               .event = request.get_header_value("X-Orc-Event"),
                               .delivery_id = request.get_header_value("X-Orc-Delivery"),
                               .signature = request.get_header_value("X-Orc-Signature-256"),
                               .user_agent = request.get_header_value("User-Agent"),
                               .content_type = request.get_header_value("Content-Type"),
                               .authorization = request.get_header_value("Authorization"),
                               .body = request.body};
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        index = static_cast<int>(received_.size());
        received_.push_back(received);
      }
      response.status = respond_ ? respond_(index, received) : 200;
      response.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    serving_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~WebhookReceiver() {
    server_.stop();
    serving_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<ReceivedWebhook> Received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  size_t Count() const {
    std::lock_guard lock(mutex_);
    return received_.size();
  }

  // Waits (wall time, for end-to-end tests) until `count` POSTs arrived or `timeout` passed.
  bool WaitFor(size_t count, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Count() < count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

 private:
  Responder respond_;
  httplib::Server server_;
  std::thread serving_;
  int port_ = 0;
  mutable std::mutex mutex_;  // guards received_
  std::vector<ReceivedWebhook> received_;
};

}  // namespace orc::testing
