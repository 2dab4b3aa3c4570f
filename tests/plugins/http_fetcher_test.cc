// HttpFetcher against servers on loopback: the network policy at connect time, orc's own redirects
// and the credentials they drop, the size limits, and interrupts of stalled transfers.
#include "plugins/extractors/api/http_fetcher.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "plugins/raw_http_server.h"
#include "support/printers.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using testing::RawHttpServer;

// An httplib server on 127.0.0.1 that runs until the test ends.
class Server {
 public:
  Server() {
    // One request per connection: the fetcher keeps its connections open, and the server's stop
    // would wait for them to time out.
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~Server() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& operator*() { return server_; }
  httplib::Server* operator->() { return &server_; }
  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

NetworkPolicy AllowLoopback() { return {.allowed_hosts = {{.host = "127.0.0.1"}}}; }

class HttpFetcherTest : public ::testing::Test {
 protected:
  Result<HttpResponse> Get(const std::string& url, const NetworkPolicy& policy) {
    return fetcher_.Fetch({.url = url}, url, policy, interrupter_);
  }
  Result<HttpResponse> Fetch(const HttpRequest& request, const NetworkPolicy& policy) {
    return fetcher_.Fetch(request, request.url, policy, interrupter_);
  }
  // Interrupts the transfer `after` from now, from another thread; joined by the test's end.
  void InterruptAfter(Duration after) {
    interrupting_ = std::thread([this, after] {
      std::this_thread::sleep_for(after);
      interrupted_at_ = std::chrono::steady_clock::now();
      interrupter_.Interrupt(CancelledError("cancelled by request"));
    });
  }
  void TearDown() override {
    if (interrupting_.joinable()) interrupting_.join();
  }

  HttpFetcher fetcher_;
  Interrupter interrupter_;
  std::thread interrupting_;
  std::chrono::steady_clock::time_point interrupted_at_;
};

void Ok(const httplib::Request&, httplib::Response& response) {
  response.set_content("[]", "application/json");
}

TEST_F(HttpFetcherTest, LoopbackIsRefusedUnlessItsHostIsAllowed) {
  Server server;
  std::atomic<int> requests{0};
  server->Get("/", [&requests](const httplib::Request& request, httplib::Response& response) {
    ++requests;
    Ok(request, response);
  });
  Result<HttpResponse> refused = Get(server.Url("/"), NetworkPolicy());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "GET " + server.Url("/") +
                ": address 127.0.0.1 is loopback; orc refuses it unless the operator allows the "
                "host with --allow-host");
  EXPECT_EQ(requests, 0);

  EXPECT_EQ(Get(server.Url("/"), AllowLoopback())->status, 200);
  const NetworkPolicy this_port{.allowed_hosts = {{.host = "127.0.0.1", .port = server.port()}}};
  EXPECT_EQ(Get(server.Url("/"), this_port)->status, 200);
  const NetworkPolicy other_port{
      .allowed_hosts = {{.host = "127.0.0.1", .port = server.port() + 1}}};
  EXPECT_EQ(Get(server.Url("/"), other_port).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Get(server.Url("/"), NetworkPolicy{.allow_private = true})->status, 200);
  EXPECT_EQ(requests, 3);
}

// The address is checked where the connection is made, after the name is resolved: a name that
// resolves to loopback (or is made to, by DNS rebinding) is refused like the address itself.
TEST_F(HttpFetcherTest, ANameThatResolvesToLoopbackIsRefused) {
  Server server;
  server->Get("/", Ok);
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/";
  Result<HttpResponse> refused = Get(url, AllowLoopback());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find(": localhost resolves to "), std::string::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("which is loopback"), std::string::npos)
      << refused.status();
  EXPECT_EQ(Get(url, {.allowed_hosts = {{.host = "LOCALHOST"}}})->status, 200);
}

TEST_F(HttpFetcherTest, Ipv4MappedIpv6LoopbackIsRefused) {
  Server server;
  server->Get("/", Ok);
  const std::string url = "http://[::ffff:127.0.0.1]:" + std::to_string(server.port()) + "/";
  Result<HttpResponse> refused = Get(url, AllowLoopback());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status();
  EXPECT_NE(refused.status().message().find("loopback"), std::string::npos) << refused.status();
}

TEST_F(HttpFetcherTest, MetadataEndpointsAreRefusedEvenWhenPrivateAddressesAreAllowed) {
  for (const std::string url :
       {"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/"}) {
    Result<HttpResponse> refused = Get(url, NetworkPolicy{.allow_private = true});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status();
    EXPECT_NE(refused.status().message().find("is cloud metadata"), std::string::npos)
        << refused.status();
  }
}

// A kept-alive connection is not opened again, so the policy is checked once more before each
// request on it: a stricter policy on the next request still refuses it.
TEST_F(HttpFetcherTest, AKeptAliveConnectionIsCheckedForEveryRequest) {
  RawHttpServer server([](int socket) {
    while (!RawHttpServer::ReadHead(socket).empty()) {
      RawHttpServer::Send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]");
    }
  });
  EXPECT_EQ(Get(server.Url(), AllowLoopback())->status, 200);
  EXPECT_EQ(Get(server.Url(), AllowLoopback())->status, 200);
  EXPECT_EQ(server.connections(), 1) << "one connection, kept alive";
  EXPECT_EQ(Get(server.Url(), NetworkPolicy()).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(HttpFetcherTest, ProxiesFromTheEnvironmentAreIgnored) {
  Server server;
  server->Get("/", Ok);
  RawHttpServer proxy([](int socket) { RawHttpServer::ReadHead(socket); });
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "ALL_PROXY"}) {
    setenv(name, proxy.Url().c_str(), 1);
  }
  Result<HttpResponse> response = Get(server.Url("/"), AllowLoopback());
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "ALL_PROXY"}) unsetenv(name);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(proxy.connections(), 0);
}

TEST_F(HttpFetcherTest, OnlyHttpAndHttpsAreSpoken) {
  for (const std::string url : {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/"}) {
    Result<HttpResponse> refused = Get(url, NetworkPolicy{.allow_private = true});
    ASSERT_FALSE(refused.ok()) << url;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << refused.status();
  }
}

// What a server received, for the redirect tests.
struct Received {
  std::string method;
  std::string body;
  httplib::Headers headers;
  bool Has(const std::string& name) const { return headers.find(name) != headers.end(); }
};

HttpRequest WithCredentials(const std::string& url) {
  return {.url = url,
          .headers = {"X-Api-Key: key-123", "Authorization: Bearer token-456", "Cookie: session=7",
                      "X-Trace: kept"},
          .credential_headers = {"x-api-key"}};
}

TEST_F(HttpFetcherTest, ARedirectToAnotherPortDropsEveryCredential) {
  Server first;
  Server second;
  Received received;
  first->Get("/start", [&second](const httplib::Request&, httplib::Response& response) {
    response.set_redirect(second.Url("/landing"), 302);
  });
  second->Get("/landing",
              [&received](const httplib::Request& request, httplib::Response& response) {
                received.headers = request.headers;
                Ok(request, response);
              });
  Result<HttpResponse> response = Fetch(WithCredentials(first.Url("/start")), AllowLoopback());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->url, second.Url("/landing"));
  EXPECT_FALSE(received.Has("X-Api-Key"));
  EXPECT_FALSE(received.Has("Authorization"));
  EXPECT_FALSE(received.Has("Cookie"));
  EXPECT_TRUE(received.Has("X-Trace")) << "headers that are no credentials go along";

  HttpRequest basic{.url = first.Url("/start"), .username = "user", .password = "pass"};
  ASSERT_TRUE(Fetch(basic, AllowLoopback()).ok());
  EXPECT_FALSE(received.Has("Authorization")) << "nor does basic auth";
}

TEST_F(HttpFetcherTest, ARedirectWithinTheOriginKeepsTheCredentials) {
  Server server;
  Received received;
  server->Get("/start", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/landing", 301);
  });
  server->Get("/landing",
              [&received](const httplib::Request& request, httplib::Response& response) {
                received.headers = request.headers;
                Ok(request, response);
              });
  Result<HttpResponse> response = Fetch(WithCredentials(server.Url("/start")), AllowLoopback());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->url, server.Url("/landing"));
  EXPECT_EQ(received.headers.find("X-Api-Key")->second, "key-123");
  EXPECT_EQ(received.headers.find("Authorization")->second, "Bearer token-456");
  EXPECT_EQ(received.headers.find("Cookie")->second, "session=7");
}

TEST_F(HttpFetcherTest, ARedirectIsReturnedAsItIsWhenNotToBeFollowed) {
  Server server;
  bool landed = false;
  server->Post("/hook", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/landing", 307);
  });
  server->Post("/landing", [&landed](const httplib::Request& request, httplib::Response& response) {
    landed = true;
    Ok(request, response);
  });
  HttpRequest request{.method = "POST", .url = server.Url("/hook"), .body = "{}"};
  request.follow_redirects = false;
  Result<HttpResponse> response = Fetch(request, AllowLoopback());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 307);
  EXPECT_EQ(response->url, server.Url("/hook"));
  EXPECT_FALSE(landed) << "a webhook's POST is never sent elsewhere";
}

TEST_F(HttpFetcherTest, ARedirectIsCheckedByThePolicyAndNamedWithoutItsQuery) {
  Server server;
  server->Get("/start", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("http://169.254.169.254/latest?token=secret", 302);
  });
  server->Get("/local", [&server](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("http://localhost:" + std::to_string(server.port()) + "/start", 307);
  });
  Result<HttpResponse> metadata = Get(server.Url("/start"), AllowLoopback());
  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(metadata.status().message(),
            "GET " + server.Url("/start") +
                " (redirected to http://169.254.169.254/latest): address 169.254.169.254 is cloud "
                "metadata; orc refuses it unless the operator allows the host with --allow-host");
  Result<HttpResponse> local = Get(server.Url("/local"), AllowLoopback());
  ASSERT_FALSE(local.ok());
  EXPECT_EQ(local.status().code(), StatusCode::kPermissionDenied) << local.status();
}

TEST_F(HttpFetcherTest, AtMostFiveRedirectsAreFollowedAndOnlyToHttp) {
  Server server;
  std::atomic<int> requests{0};
  server->Get(
      R"(/hop/(\d+))", [&requests](const httplib::Request& request, httplib::Response& response) {
        ++requests;
        response.set_redirect("/hop/" + std::to_string(std::stoi(request.matches[1]) + 1), 302);
      });
  server->Get("/file", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("file:///etc/passwd", 302);
  });
  Result<HttpResponse> endless = Get(server.Url("/hop/0"), AllowLoopback());
  ASSERT_FALSE(endless.ok());
  EXPECT_EQ(endless.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(endless.status().message().find("more than 5 redirects"), std::string::npos)
      << endless.status();
  EXPECT_EQ(requests, 6) << "the first request and five redirects";
  Result<HttpResponse> file = Get(server.Url("/file"), AllowLoopback());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(file.status().message().find("redirected to file:///etc/passwd, which is not an http"),
            std::string::npos)
      << file.status();
}

TEST_F(HttpFetcherTest, SeeOtherTurnsAPostIntoAGetAndTemporaryRedirectKeepsIt) {
  Server server;
  Received received;
  server->Post(R"(/(\d+))", [](const httplib::Request& request, httplib::Response& response) {
    response.set_redirect("/landing", std::stoi(request.matches[1]));
  });
  auto record = [&received](const httplib::Request& request, httplib::Response& response) {
    received = {.method = request.method, .body = request.body, .headers = request.headers};
    Ok(request, response);
  };
  server->Get("/landing", record);
  server->Post("/landing", record);
  const std::vector<std::pair<int, std::string>> cases = {
      {301, "GET"}, {302, "GET"}, {303, "GET"}, {307, "POST"}, {308, "POST"}};
  for (const auto& [status, method] : cases) {
    HttpRequest post{.method = "POST",
                     .url = server.Url("/" + std::to_string(status)),
                     .headers = {"Content-Type: application/json"},
                     .body = R"({"q": 1})"};
    Result<HttpResponse> response = Fetch(post, AllowLoopback());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(received.method, method) << status;
    EXPECT_EQ(received.body, method == "POST" ? R"({"q": 1})" : "") << status;
  }
}

// A server that announces or streams 100 MiB of body, counting what it managed to send.
class FloodingServer {
 public:
  explicit FloodingServer(bool announce_length)
      : server_([this, announce_length](int socket) {
          RawHttpServer::ReadHead(socket);
          const std::string head =
              announce_length
                  ? "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBytes) + "\r\n\r\n"
                  : "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
          RawHttpServer::Send(socket, head);
          const std::string chunk(64 << 10, '1');
          while (sent_ < kBytes && RawHttpServer::Send(socket, chunk)) sent_ += chunk.size();
        }) {}
  static constexpr int64_t kBytes = int64_t{100} << 20;
  std::string Url() const { return server_.Url(); }
  int64_t sent() const { return sent_; }

 private:
  std::atomic<int64_t> sent_{0};
  RawHttpServer server_;
};

TEST_F(HttpFetcherTest, AResponseOverTheLimitFailsWithoutReadingItAll) {
  for (const bool announce_length : {true, false}) {
    FloodingServer server(announce_length);
    HttpRequest request{.url = server.Url(), .max_body_bytes = size_t{1} << 20};
    Result<HttpResponse> response = Fetch(request, AllowLoopback());
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(response.status().message(),
              "GET " + server.Url() + ": response larger than 1 MiB (max_response_mb)");
    // What the kernel's socket buffers took before the transfer was aborted, at most.
    EXPECT_LT(server.sent(), FloodingServer::kBytes / 4) << "announced: " << announce_length;
  }
}

std::string Gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

TEST_F(HttpFetcherTest, ACompressionBombStopsAtTheLimitOfDecodedBytes) {
  const std::string bomb = Gzip(std::string(size_t{64} << 20, '['));  // 64 MiB in < 1 MiB
  ASSERT_LT(bomb.size(), size_t{1} << 20);
  RawHttpServer server([&bomb](int socket) {
    RawHttpServer::ReadHead(socket);
    RawHttpServer::Send(socket, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                    std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
  });
  HttpRequest request{
      .url = server.Url(), .max_body_bytes = size_t{4} << 20, .accept_compressed = true};
  Result<HttpResponse> response = Fetch(request, AllowLoopback());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(response.status().message().find("response larger than 4 MiB"), std::string::npos)
      << response.status();
}

TEST_F(HttpFetcherTest, AFloodOfHeadersFails) {
  RawHttpServer server([](int socket) {
    RawHttpServer::ReadHead(socket);
    RawHttpServer::Send(socket, "HTTP/1.1 200 OK\r\n");
    const std::string line = "X-Flood: " + std::string(200, 'a') + "\r\n";
    for (int i = 0; i < 100000 && RawHttpServer::Send(socket, line); ++i) {
    }
  });
  Result<HttpResponse> response = Get(server.Url(), AllowLoopback());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << response.status();
  EXPECT_NE(response.status().message().find("response headers larger than 256 KiB"),
            std::string::npos)
      << response.status();
}

// Servers that accept and then say nothing, or a byte now and then: an interrupt ends the
// transfer at once, not at libcurl's next once-a-second check.
TEST_F(HttpFetcherTest, AnInterruptStopsAStalledTransferAtOnce) {
  for (const char* sent : {"", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n["}) {
    RawHttpServer server([sent](int socket) {
      RawHttpServer::ReadHead(socket);
      RawHttpServer::Send(socket, sent);
      char byte;
      recv(socket, &byte, 1, 0);  // until the client or the test ends the connection
    });
    Interrupter interrupter;
    std::thread interrupt([&interrupter, this] {
      std::this_thread::sleep_for(300ms);
      interrupted_at_ = std::chrono::steady_clock::now();
      interrupter.Interrupt(CancelledError("cancelled by request"));
    });
    const std::string url = server.Url();
    Result<HttpResponse> response = fetcher_.Fetch({.url = url}, url, AllowLoopback(), interrupter);
    const auto stopped = std::chrono::steady_clock::now();
    interrupt.join();
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status(), CancelledError("cancelled by request"));
    EXPECT_LT(stopped - interrupted_at_, 200ms) << "sent before stalling: " << sent;
  }
}

// A listening socket whose accept queue is full: the kernel drops further connection attempts,
// as a firewall that silently drops packets would.
class BlackHole {
 public:
  BlackHole() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 0);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    for (int& filler : fillers_) {
      filler = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    std::this_thread::sleep_for(100ms);
  }
  ~BlackHole() {
    for (const int filler : fillers_) close(filler);
    close(listener_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  int listener_ = -1;
  int port_ = 0;
  int fillers_[3] = {-1, -1, -1};
};

TEST_F(HttpFetcherTest, AConnectToABlackHoleTimesOutOrIsInterrupted) {
  BlackHole hole;
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> timed_out =
      Fetch({.url = hole.Url(), .connect_timeout = 300ms}, AllowLoopback());
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(timed_out.status().message(),
            "GET " + hole.Url() + ": could not connect within 0.300 s");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);

  InterruptAfter(300ms);
  Result<HttpResponse> interrupted = Get(hole.Url(), AllowLoopback());
  const auto stopped = std::chrono::steady_clock::now();
  ASSERT_FALSE(interrupted.ok());
  EXPECT_EQ(interrupted.status().code(), StatusCode::kCancelled);
  interrupting_.join();
  EXPECT_LT(stopped - interrupted_at_, 200ms);
}

TEST(OriginTest, SchemeHostAndPortWithDefaultsFilledIn) {
  EXPECT_EQ(OriginOf("https://API.example.com/v1?x=1"),
            (Origin{.scheme = "https", .host = "api.example.com", .port = 443}));
  EXPECT_EQ(OriginOf("http://example.com:8080"),
            (Origin{.scheme = "http", .host = "example.com", .port = 8080}));
  EXPECT_EQ(OriginOf("http://example.com"), OriginOf("http://example.com:80/other"));
  EXPECT_NE(OriginOf("http://example.com"), OriginOf("https://example.com"));
  EXPECT_EQ(OriginOf("not a url"), std::nullopt);
}

TEST(DropCredentialsTest, RemovesCredentialHeadersInAnyCaseAndBasicAuth) {
  HttpRequest request{.headers = {"authorization: Basic x", "X-API-KEY : k", "Cookie: a=b",
                                  "Accept: application/json"},
                      .credential_headers = {"X-Api-Key"},
                      .username = "user",
                      .password = "pass"};
  DropCredentials(request);
  EXPECT_EQ(request.headers, std::vector<std::string>{"Accept: application/json"});
  EXPECT_EQ(request.username, "");
  EXPECT_EQ(request.password, "");
}

}  // namespace
}  // namespace orc
