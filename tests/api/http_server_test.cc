// The HTTP server as an attacker would try it: raw sockets, so that no client library hides a
// malformed request, a slow one or a pipelined one. Each refusal is followed by a check that the
// server still answers.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "api/health_handler.h"
#include "api/router.h"
#include "support/temp_dir.h"

namespace orc {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr size_t kBodyLimit = 16 * 1024;
constexpr milliseconds kTimeout(600);  // header, body and idle timeouts of the test server

struct RawResponse {
  int status = 0;
  std::string head;
  std::string body;

  bool HasHeader(const std::string& line) const { return head.find(line) != std::string::npos; }
  std::string ErrorCode() const {
    const auto body_json = nlohmann::json::parse(body, nullptr, false);
    return body_json.is_discarded() ? "" : body_json["error"].value("code", "");
  }
};

// One client connection on a blocking socket, reading with a timeout.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  // The next response; with `body` false (HEAD) its Content-Length is not read. nullopt when the
  // connection closed or nothing came within `wait`.
  std::optional<RawResponse> Read(bool body = true, milliseconds wait = milliseconds(5000)) {
    const auto until = Clock::now() + wait;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(until)) return std::nullopt;
    }
    RawResponse response;
    response.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    response.status = std::stoi(response.head.substr(9, 3));
    size_t length = 0;
    if (const size_t at = response.head.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(response.head.substr(at + 16));
    }
    if (!body || response.status / 100 == 1) length = 0;
    while (buffer_.size() < length) {
      if (!Fill(until)) return std::nullopt;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  // Whether the server closes the connection within `wait` (what it sends first is dropped).
  bool ClosedWithin(milliseconds wait) {
    const auto until = Clock::now() + wait;
    while (Fill(until)) {
    }
    return closed_;
  }

 private:
  bool Fill(Clock::time_point until) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    pollfd readable{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&readable, 1, static_cast<int>(left)) <= 0) return false;
    char chunk[16384];
    const ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(received));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: orc\r\n" + extra + "\r\n";
}

std::string Post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: orc\r\nContent-Type: text/plain\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(kTimeout); }

  void Start(milliseconds header_timeout, milliseconds idle_timeout = kTimeout) {
    server_ = std::make_unique<ApiServer>(ApiServerOptions{.bind = {"127.0.0.1", 0},
                                                           .max_body_bytes = kBodyLimit,
                                                           .request_threads = 4,
                                                           .header_timeout = header_timeout,
                                                           .body_timeout = kTimeout,
                                                           .idle_timeout = idle_timeout,
                                                           .max_requests_per_connection = 3});
    server_->AddRoutes([](Router& router) {
      InstallHealthRoutes(router);
      router.Post("/echo", "echo", [](const ApiRequest& request, ApiResponse& response) {
        response.SetContent(request.body, "text/plain");
      });
      router.Get("/query", "query", [](const ApiRequest& request, ApiResponse& response) {
        response.SetContent(request.Param("q"), "text/plain");
      });
    });
    ASSERT_TRUE(server_->Bind().ok());
    serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
  }

  void TearDown() override {
    if (!serving_.valid()) return;  // the test stopped it
    server_->Stop();
    ASSERT_TRUE(serving_.get().ok());
  }

  // Sends `request` on a new connection; returns the response, and checks that the server closes
  // the connection after it when `closes`.
  RawResponse Exchange(const std::string& request, bool closes) {
    RawConnection connection(server_->port());
    EXPECT_TRUE(connection.Send(request));
    std::optional<RawResponse> response = connection.Read();
    EXPECT_TRUE(response) << "no response to " << request.substr(0, 80);
    if (closes) {
      EXPECT_TRUE(connection.ClosedWithin(milliseconds(3000)));
    }
    return response.value_or(RawResponse{});
  }

  // The refusal's status and error code, after which the server still answers /health.
  void ExpectRefused(const std::string& request, int status, const std::string& code) {
    const RawResponse response = Exchange(request, /*closes=*/true);
    EXPECT_EQ(response.status, status) << request.substr(0, 120) << "\n" << response.body;
    EXPECT_EQ(response.ErrorCode(), code) << response.body;
    EXPECT_TRUE(response.HasHeader("Content-Type: application/json"));
    ExpectHealthy();
  }

  void ExpectHealthy() {
    EXPECT_EQ(Exchange(Get("/health", "Connection: close\r\n"), true).status, 200);
  }

  std::unique_ptr<ApiServer> server_;
  std::future<Status> serving_;
};

TEST_F(HttpServerTest, OversizedHeadAndTooManyFieldsAre431) {
  ExpectRefused(Get("/health", "X-Big: " + std::string(70 * 1024, 'a') + "\r\n"), 431,
                "request_header_fields_too_large");
  std::string fields;
  for (int i = 0; i < 101; ++i) fields += "X-" + std::to_string(i) + ": y\r\n";
  ExpectRefused(Get("/health", fields), 431, "request_header_fields_too_large");
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413BeforeItIsSent) {
  // Only the head is sent: the answer must not wait for the body.
  ExpectRefused("POST /echo HTTP/1.1\r\nHost: orc\r\nContent-Length: 10485760\r\n\r\n", 413,
                "payload_too_large");
  // Chunked: the size of a chunk past the limit is enough, whatever the chunks before it.
  ExpectRefused("POST /echo HTTP/1.1\r\nHost: orc\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    std::string("2000\r\n") + std::string(0x2000, 'a') + "\r\n2001\r\n",
                413, "payload_too_large");
}

TEST_F(HttpServerTest, ChunkedBodyWithinTheLimitReachesTheHandler) {
  const RawResponse response = Exchange(
      "POST /echo HTTP/1.1\r\nHost: orc\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      true);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello world");
}

TEST_F(HttpServerTest, AmbiguousFramingIs400) {
  const std::string head = "POST /echo HTTP/1.1\r\nHost: orc\r\n";
  ExpectRefused(head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
                "bad_request");
  ExpectRefused(head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "bad_request");
  ExpectRefused(head + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400, "bad_request");
  ExpectRefused(head + "Content-Length: 5x\r\n\r\nhello", 400, "bad_request");
  ExpectRefused(head + "Transfer-Encoding: gzip\r\n\r\n", 400, "bad_request");
  ExpectRefused(head + "Transfer-Encoding: chunked\r\n\r\nnope\r\n", 400, "bad_request");
  ExpectRefused("GET /health\r\n\r\n", 400, "bad_request");
  ExpectRefused("GET /health HTTP/2.0\r\nHost: orc\r\n\r\n", 505, "http_version_not_supported");
}

TEST_F(HttpServerTest, HeadThatDoesNotArriveInTimeIsClosed) {
  RawConnection connection(server_->port());
  const auto start = Clock::now();
  ASSERT_TRUE(connection.Send("GET /health HTTP/1.1\r\nHost: o"));
  const std::optional<RawResponse> response = connection.Read(true, milliseconds(3000));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_TRUE(connection.ClosedWithin(milliseconds(3000)));
  EXPECT_GE(Clock::now() - start, kTimeout);
  ExpectHealthy();
  // A connection that sends nothing at all is closed too.
  RawConnection silent(server_->port());
  EXPECT_TRUE(silent.ClosedWithin(milliseconds(3000)));
}

TEST_F(HttpServerTest, BodyThatDoesNotArriveInTimeIs408) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send("POST /echo HTTP/1.1\r\nHost: orc\r\nContent-Length: 10\r\n\r\nabc"));
  const std::optional<RawResponse> response = connection.Read(true, milliseconds(3000));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(response->ErrorCode(), "request_timeout");
  EXPECT_TRUE(connection.ClosedWithin(milliseconds(3000)));
  ExpectHealthy();
}

TEST_F(HttpServerTest, KeepAliveReusesTheConnectionUpToItsLimitThenIdleCloses) {
  RawConnection connection(server_->port());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(connection.Send(Get("/health")));
    const std::optional<RawResponse> response = connection.Read();
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->HasHeader("Connection: close"), i == 3) << "request " << i;
  }
  EXPECT_TRUE(connection.ClosedWithin(milliseconds(3000)));

  RawConnection idle(server_->port());
  ASSERT_TRUE(idle.Send(Get("/health")));
  ASSERT_TRUE(idle.Read());
  const auto start = Clock::now();
  EXPECT_TRUE(idle.ClosedWithin(milliseconds(3000)));
  EXPECT_GE(Clock::now() - start, kTimeout - milliseconds(100));
}

// Stopping waits for requests being answered, not for connections that wait for one: a client
// keeping its connection alive, or one that connected and sent nothing, must not hold a shutdown
// up until their timeouts.
TEST_F(HttpServerTest, StopClosesIdleConnectionsAtOnce) {
  TearDown();
  constexpr milliseconds kLongTimeout(10000);
  Start(kLongTimeout, kLongTimeout);
  RawConnection kept_alive(server_->port());
  ASSERT_TRUE(kept_alive.Send(Get("/health")));
  const std::optional<RawResponse> response = kept_alive.Read();
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->HasHeader("Connection: close"));
  RawConnection silent(server_->port());
  ASSERT_TRUE(silent.connected());

  const auto start = Clock::now();
  server_->Stop();
  ASSERT_TRUE(serving_.get().ok());
  EXPECT_LT(Clock::now() - start, milliseconds(500));
  EXPECT_TRUE(kept_alive.ClosedWithin(milliseconds(500)));
  EXPECT_TRUE(silent.ClosedWithin(milliseconds(500)));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection connection(server_->port());
  // Three: the test server's most requests per connection.
  ASSERT_TRUE(connection.Send(Post("/echo", "first") + Get("/query?q=sec%6Fnd+one") +
                              Get("/no/such/route")));
  const std::vector<std::pair<int, std::string>> expected = {
      {200, "first"}, {200, "second one"}, {404, ""}};
  for (const auto& [status, body] : expected) {
    const std::optional<RawResponse> response = connection.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, status);
    if (!body.empty()) {
      EXPECT_EQ(response->body, body);
    }
  }
}

TEST_F(HttpServerTest, HeadAnswersWithTheHeadersOfGetAndNoBody) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send("HEAD /health HTTP/1.1\r\nHost: orc\r\n\r\n" + Get("/health")));
  const std::optional<RawResponse> head = connection.Read(/*body=*/false);
  const std::optional<RawResponse> get = connection.Read();
  ASSERT_TRUE(head && get);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->HasHeader("Content-Length: " + std::to_string(get->body.size())));
  EXPECT_EQ(get->status, 200) << "the HEAD response carried no body that would be read as this";
  EXPECT_NE(get->body.find("\"ok\""), std::string::npos);
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  const RawResponse once = Exchange("GET /health HTTP/1.0\r\n\r\n", /*closes=*/true);
  EXPECT_EQ(once.status, 200);
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const std::optional<RawResponse> kept = connection.Read();
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->HasHeader("Connection: keep-alive"));
  ASSERT_TRUE(connection.Send("GET /health HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(connection.Read());
}

TEST_F(HttpServerTest, ExpectContinueGets100OrTheRefusalAtOnce) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(
      "POST /echo HTTP/1.1\r\nHost: orc\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  const std::optional<RawResponse> go_on = connection.Read();
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->status, 100);
  ASSERT_TRUE(connection.Send("hello"));
  const std::optional<RawResponse> echoed = connection.Read();
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->body, "hello");

  ExpectRefused(
      "POST /echo HTTP/1.1\r\nHost: orc\r\nExpect: 100-continue\r\nContent-Length: 999999\r\n\r\n",
      413, "payload_too_large");
}

TEST_F(HttpServerTest, CurlPostsAJsonBodyWithExpectContinueQuickly) {
  testing::TempDir directory;
  const std::string file = directory.path() + "/body.json";
  std::ofstream(file) << nlohmann::json{{"text", std::string(5 * 1024, 'x')}}.dump();
  const std::string command =
      "curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST "
      "-H 'Content-Type: application/json' -H 'Expect: 100-continue' "
      "--data-binary @" +
      file + " http://127.0.0.1:" + std::to_string(server_->port()) + "/echo";
  FILE* curl = ::popen(command.c_str(), "r");
  ASSERT_NE(curl, nullptr);
  char output[128] = {};
  const size_t length = std::fread(output, 1, sizeof output - 1, curl);
  ASSERT_EQ(::pclose(curl), 0) << output;
  int status = 0;
  double seconds = 0;
  ASSERT_EQ(std::sscanf(std::string(output, length).c_str(), "%d %lf", &status, &seconds), 2);
  EXPECT_EQ(status, 200);
  // curl waits a second for the 100 before it sends the body anyway.
  EXPECT_LT(seconds, 0.5);
}

// Slow clients hold no thread: while 200 connections send their heads a byte a second, /health
// answers within a second throughout, and each of them is closed at the header deadline.
TEST_F(HttpServerTest, DribblingClientsDoNotHoldTheServer) {
  constexpr milliseconds kHeaderTimeout(3000);
  TearDown();
  Start(kHeaderTimeout);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(slow.back()->connected());
  }
  const std::string head = "GET /health HTTP/1.1\r\nHost: orc\r\nX-Slow: " + std::string(64, 'z');
  const auto start = Clock::now();
  size_t sent = 0;
  while (Clock::now() - start < kHeaderTimeout + milliseconds(1500)) {
    for (auto& connection : slow) connection->Send(head.substr(sent % head.size(), 1));
    ++sent;
    for (int probe = 0; probe < 4; ++probe) {
      const auto asked = Clock::now();
      RawConnection health(server_->port());
      ASSERT_TRUE(health.Send(Get("/health")));
      const std::optional<RawResponse> response = health.Read(true, milliseconds(1000));
      ASSERT_TRUE(response) << "no answer within a second, "
                            << std::chrono::duration_cast<milliseconds>(asked - start).count()
                            << " ms into the test";
      EXPECT_EQ(response->status, 200);
      std::this_thread::sleep_for(milliseconds(250) - (Clock::now() - asked));
    }
  }
  size_t closed = 0;
  for (auto& connection : slow) closed += connection->ClosedWithin(milliseconds(10)) ? 1 : 0;
  EXPECT_EQ(closed, slow.size()) << "every slow connection is closed after the header deadline";
}

}  // namespace
}  // namespace orc
