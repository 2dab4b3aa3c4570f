#include "api/api_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/health_handler.h"
#include "api/router.h"
#include "common/version.h"

namespace orc {
namespace {

using nlohmann::json;

constexpr size_t kTestBodyLimit = 1024;

// A server on a free loopback port, serving on its own thread for the test's duration.
class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServer>(
        ApiServerOptions{.bind = {"127.0.0.1", 0}, .max_body_bytes = kTestBodyLimit});
    server_->AddRoutes([](Router& router) { InstallHealthRoutes(router); });
    server_->AddRoutes([this](Router& server) {
      server.Post("/echo", "echo", [](const ApiRequest& request, ApiResponse& response) {
        response.SetContent(request.body, "text/plain");
      });
      server.Get("/throws", "throws", [](const ApiRequest&, ApiResponse&) {
        throw std::runtime_error("handler blew up");
      });
      server.Get("/slow", "slow", [this](const ApiRequest&, ApiResponse& response) {
        slow_entered_.set_value();
        slow_release_.get_future().wait();
        response.SetContent("finished", "text/plain");
      });
    });
    ASSERT_TRUE(server_->Bind().ok());
    serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
  }

  void TearDown() override {
    server_->Stop();
    ASSERT_TRUE(serving_.get().ok());
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(std::chrono::seconds(10));
    return client;
  }

  std::unique_ptr<ApiServer> server_;
  std::future<Status> serving_;
  std::promise<void> slow_entered_;
  std::promise<void> slow_release_;
};

TEST_F(ApiServerTest, HealthSaysOkWithVersion) {
  auto response = Client().Get("/health");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(response->body), json({{"status", "ok"}, {"version", kVersion}}));
}

TEST_F(ApiServerTest, UnknownRouteIsAJsonNotFound) {
  auto response = Client().Get("/no/such/thing");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
  const json body = json::parse(response->body);
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(body["error"]["message"], "no route for GET /no/such/thing");
}

TEST_F(ApiServerTest, HandlerExceptionIsAJson500NotACrash) {
  auto response = Client().Get("/throws");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  const json body = json::parse(response->body);
  EXPECT_EQ(body["error"]["code"], "internal");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("handler blew up"), std::string::npos);
  // And the server still answers.
  EXPECT_EQ(Client().Get("/health")->status, 200);
}

TEST_F(ApiServerTest, OversizedBodyIsA413) {
  auto small = Client().Post("/echo", std::string(kTestBodyLimit, 'x'), "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  auto big = Client().Post("/echo", std::string(kTestBodyLimit + 1, 'x'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(json::parse(big->body)["error"]["code"], "payload_too_large");
}

TEST_F(ApiServerTest, SecondServerOnTheSamePortFailsNamingAddressAndReason) {
  ApiServer second(ApiServerOptions{.bind = {"127.0.0.1", server_->port()}});
  const Status bound = second.Bind();
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.code(), StatusCode::kUnavailable);
  EXPECT_NE(bound.message().find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << bound.message();
  EXPECT_NE(bound.message().find("Address already in use"), std::string::npos) << bound.message();
}

TEST_F(ApiServerTest, StopLetsTheRequestInFlightFinish) {
  auto in_flight = std::async(std::launch::async, [this] { return Client().Get("/slow"); });
  slow_entered_.get_future().wait();
  std::thread stopper([this] { server_->Stop(); });
  slow_release_.set_value();
  auto response = in_flight.get();
  stopper.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "finished");
  // Serve() has returned: nothing listens any more.
  ASSERT_TRUE(serving_.get().ok());
  serving_ = std::async(std::launch::deferred, [] { return Status::Ok(); });
  EXPECT_FALSE(Client().Get("/health"));
}

TEST(ApiServerBindTest, UnknownHostIsReported) {
  ApiServer server(ApiServerOptions{.bind = {"no-such-host.invalid", 0}});
  const Status bound = server.Bind();
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.message().find("no-such-host.invalid"), std::string::npos) << bound.message();
  EXPECT_NE(bound.message().find("cannot resolve host"), std::string::npos) << bound.message();
}

TEST(ApiServerBindTest, StopBeforeServeMakesServeReturn) {
  ApiServer server(ApiServerOptions{.bind = {"127.0.0.1", 0}});
  ASSERT_TRUE(server.Bind().ok());
  server.Stop();
  EXPECT_TRUE(server.Serve().ok());
}

TEST(ApiServerBindTest, ServeBeforeBindIsAnError) {
  ApiServer server(ApiServerOptions{});
  EXPECT_EQ(server.Serve().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace orc
