// The api extractor against a real HTTP server on loopback (cpp-httplib, port chosen by the OS),
// through the duckdb loader.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "plugins/data_plane_fixture.h"
#include "plugins/extractors/api/api_page.h"
#include "plugins/extractors/api/network_policy.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class ApiExtractorTest : public testing::DataPlaneFixture {
 protected:
  void SetUp() override {
    DataPlaneFixture::SetUp();
    // The test server is on loopback, which the default policy refuses.
    policy_.allowed_hosts.push_back({.host = "127.0.0.1"});
    context_.network_policy = &policy_;
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    serving_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  void TearDown() override {
    interrupter_.Interrupt(CancelledError("test over"));  // ends any retry wait at once
    server_.stop();
    serving_.join();
  }

  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  json Api(const std::string& path, json more = json::object()) {
    json config = {{"type", "api"}, {"url", Url(path)}};
    config.update(more);
    return config;
  }

  NetworkPolicy policy_;
  httplib::Server server_;
  std::thread serving_;
  int port_ = 0;
  std::atomic<int> calls_{0};
};

// 25 records, served `page_size` at a time by page number (1-based).
json Records(int from, int to) {
  json records = json::array();
  for (int i = from; i < to && i < 25; ++i) {
    records.push_back({{"id", i},
                       {"name", "r" + std::to_string(i)},
                       {"tags", {"a", "b"}},
                       {"address", {{"city", "c" + std::to_string(i % 3)}}}});
  }
  return records;
}

void Reply(httplib::Response& response, const json& body) {
  response.set_content(body.dump(), "application/json");
}

TEST_F(ApiExtractorTest, ATopLevelArrayKeepsItsTypesAndNesting) {
  server_.Get("/items", [](const httplib::Request&, httplib::Response& response) {
    Reply(response, Records(0, 3));
  });
  Result<LoadResult> loaded = Load(Api("/items"), DuckDb("items"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 3);
  EXPECT_EQ(Rows("SELECT string_agg(column_type, ' | ') FROM (DESCRIBE items)"),
            std::vector<std::string>{"STRUCT(city VARCHAR) | BIGINT | VARCHAR | VARCHAR[]"})
      << "columns in the order the API sends them";
  EXPECT_EQ(Rows("SELECT id, address.city, tags[2] FROM items ORDER BY id LIMIT 1"),
            std::vector<std::string>{"0|c0|b"});
  EXPECT_EQ(progress_.rows_extracted, 3);
  EXPECT_GT(progress_.bytes_read, 100);
}

TEST_F(ApiExtractorTest, ASingleObjectIsOneRecord) {
  server_.Get("/me", [](const httplib::Request&, httplib::Response& response) {
    Reply(response, {{"id", 7}, {"name", "me"}});
  });
  ASSERT_TRUE(Load(Api("/me"), DuckDb("me")).ok());
  EXPECT_EQ(Rows("SELECT id, name FROM me"), std::vector<std::string>{"7|me"});
}

TEST_F(ApiExtractorTest, PageNumberPaginationStopsOnAnEmptyPage) {
  server_.Get("/items", [this](const httplib::Request& request, httplib::Response& response) {
    ++calls_;
    const int page = std::stoi(request.get_param_value("page"));
    const int size = std::stoi(request.get_param_value("per_page"));
    Reply(response, {{"data", {{"items", Records((page - 1) * size, page * size)}}}});
  });
  json config = Api("/items", {{"records_path", "data.items"},
                               {"pagination",
                                {{"type", "page_number"},
                                 {"page_param", "page"},
                                 {"start_page", 1},
                                 {"page_size_param", "per_page"},
                                 {"page_size", 10}}}});
  Result<LoadResult> loaded = Load(config, DuckDb("items"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 25);
  EXPECT_EQ(calls_, 4) << "3 pages with records, then an empty one";
  EXPECT_EQ(Rows("SELECT count(DISTINCT id), min(id), max(id) FROM items"),
            std::vector<std::string>{"25|0|24"});
}

TEST_F(ApiExtractorTest, OffsetPagination) {
  server_.Get("/items", [](const httplib::Request& request, httplib::Response& response) {
    const int offset = std::stoi(request.get_param_value("offset"));
    const int limit = std::stoi(request.get_param_value("limit"));
    Reply(response, Records(offset, offset + limit));
  });
  json config = Api(
      "/items",
      {{"pagination",
        {{"type", "offset"}, {"offset_param", "offset"}, {"limit_param", "limit"}, {"limit", 7}}}});
  Result<LoadResult> loaded = Load(config, DuckDb("items"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 25);
}

TEST_F(ApiExtractorTest, CursorPaginationFollowsTheCursorUntilItIsNull) {
  server_.Get("/items", [](const httplib::Request& request, httplib::Response& response) {
    const int from = request.has_param("cursor") ? std::stoi(request.get_param_value("cursor")) : 0;
    const json next = from + 10 < 25 ? json(std::to_string(from + 10)) : json();
    Reply(response, {{"items", Records(from, from + 10)}, {"meta", {{"next_cursor", next}}}});
  });
  json config = Api(
      "/items",
      {{"records_path", "items"},
       {"pagination",
        {{"type", "cursor"}, {"cursor_path", "meta.next_cursor"}, {"cursor_param", "cursor"}}}});
  Result<LoadResult> loaded = Load(config, DuckDb("items"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 25);
}

TEST_F(ApiExtractorTest, NextUrlAndLinkHeaderPagination) {
  server_.Get("/next", [](const httplib::Request& request, httplib::Response& response) {
    const int from = request.has_param("from") ? std::stoi(request.get_param_value("from")) : 0;
    const json next = from + 10 < 25 ? json("/next?from=" + std::to_string(from + 10)) : json();
    Reply(response, {{"items", Records(from, from + 10)}, {"links", {{"next", next}}}});
  });
  server_.Get("/linked", [this](const httplib::Request& request, httplib::Response& response) {
    const int from = request.has_param("from") ? std::stoi(request.get_param_value("from")) : 0;
    if (from + 10 < 25) {
      response.set_header("Link", "<" + Url("/linked?from=" + std::to_string(from + 10)) +
                                      ">; rel=\"next\", <" + Url("/linked") + ">; rel=\"first\"");
    }
    Reply(response, Records(from, from + 10));
  });
  json next_url =
      Api("/next", {{"records_path", "items"},
                    {"pagination", {{"type", "next_url"}, {"next_url_path", "links.next"}}}});
  Result<LoadResult> first = Load(next_url, DuckDb("a"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->rows_loaded, 25);
  context_.task_id = "task-2";
  Result<LoadResult> second =
      Load(Api("/linked", {{"pagination", {{"type", "link_header"}}}}), DuckDb("b"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->rows_loaded, 25);
}

TEST_F(ApiExtractorTest, AFieldThatAppearsOnALaterPageIsKept) {
  server_.Get("/drift", [](const httplib::Request& request, httplib::Response& response) {
    const int page = std::stoi(request.get_param_value("page"));
    json records = json::array();
    // Past what DuckDB samples to detect the columns (its first 32 files), page 41 brings a field.
    if (page <= 40) {
      for (int i = 0; i < 1000; ++i) records.push_back({{"id", (page - 1) * 1000 + i}});
    } else if (page == 41) {
      records.push_back({{"id", 40000}, {"extra", "new"}});
    }
    Reply(response, records);
  });
  json config = Api("/drift", {{"pagination", {{"type", "page_number"}, {"page_param", "page"}}}});
  Result<LoadResult> loaded = Load(config, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 40001);
  EXPECT_EQ(Rows("SELECT extra FROM t WHERE id = 40000"), std::vector<std::string>{"new"});
}

TEST_F(ApiExtractorTest, RateLimitSpacesTheRequests) {
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  server_.Get("/items", [&arrivals](const httplib::Request& request, httplib::Response& response) {
    arrivals.push_back(std::chrono::steady_clock::now());
    const int page = std::stoi(request.get_param_value("page"));
    Reply(response, page <= 4 ? Records(page, page + 1) : json::array());
  });
  json config = Api("/items", {{"rate_limit_per_s", 10},
                               {"pagination", {{"type", "page_number"}, {"page_param", "page"}}}});
  Result<LoadResult> loaded = Load(config, DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(arrivals.size(), 5u);
  for (size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_GE(arrivals[i] - arrivals[i - 1], 90ms) << "request " << i;
  }
}

TEST_F(ApiExtractorTest, MorePagesThanMaxPagesFailTheTask) {
  server_.Get("/endless", [this](const httplib::Request& request, httplib::Response& response) {
    ++calls_;
    Reply(response, Records(0, 5));
  });
  json config = Api("/endless", {{"max_pages", 3},
                                 {"pagination", {{"type", "page_number"}, {"page_param", "p"}}}});
  Result<LoadResult> loaded = Load(config, DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find(
                "the API still had pages after max_pages (3), 15 records; raise max_pages"),
            std::string::npos)
      << loaded.status();
  EXPECT_EQ(calls_, 3);
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"),
            std::vector<std::string>{"0"})
      << "nothing of a partial load";
}

TEST_F(ApiExtractorTest, LoopbackIsRefusedUnlessTheOperatorAllowsIt) {
  server_.Get("/items", [this](const httplib::Request&, httplib::Response& response) {
    ++calls_;
    Reply(response, Records(0, 1));
  });
  context_.network_policy = nullptr;  // the default policy
  Result<LoadResult> refused = Load(Api("/items"), DuckDb("t"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(
      refused.status().message().find("address 127.0.0.1 is loopback; orc refuses it "
                                      "unless the operator allows the host with --allow-host"),
      std::string::npos)
      << refused.status();
  EXPECT_EQ(calls_, 0);
  EXPECT_TRUE(logs_.empty()) << "not retried: " << logs_.at(0);
}

// A second server on another port of the same host: another origin.
class OtherOrigin {
 public:
  OtherOrigin() {
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
    server_.Get("/.*", [this](const httplib::Request& request, httplib::Response& response) {
      received_ = request.headers;
      target_ = request.target;
      // A next page of CredentialsStayOnTheOriginOfUrl's, else a redirect's target.
      Reply(response, request.path == "/page-2" ? json{{"items", Records(1, 2)}} : Records(0, 1));
    });
  }
  ~OtherOrigin() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  const httplib::Headers& received() const { return received_; }
  const std::string& target() const { return target_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  httplib::Headers received_;
  std::string target_;
};

TEST_F(ApiExtractorTest, CredentialsStayOnTheOriginOfUrl) {
  OtherOrigin other;
  server_.Get("/moved", [&other](const httplib::Request&, httplib::Response& response) {
    response.set_redirect(other.Url("/landing"), 302);
  });
  server_.Get("/linked", [&other](const httplib::Request&, httplib::Response& response) {
    Reply(response, {{"items", Records(0, 1)}, {"next", other.Url("/page-2")}});
  });
  const json bearer = {{"type", "bearer"}, {"token", "tok-123"}};
  const json header_key = {{"type", "api_key"}, {"name", "X-Api-Key"}, {"value", "key-456"}};
  const json query_key = {
      {"type", "api_key"}, {"name", "api_key"}, {"value", "key-789"}, {"in", "query"}};
  int task = 0;
  for (const json& auth : {bearer, header_key, query_key}) {
    context_.task_id = "redirected-" + std::to_string(++task);
    Result<LoadResult> redirected = Load(Api("/moved", {{"auth", auth}}), DuckDb("t"));
    ASSERT_TRUE(redirected.ok()) << redirected.status();
    EXPECT_EQ(other.received().count("Authorization"), 0u) << auth;
    EXPECT_EQ(other.received().count("X-Api-Key"), 0u) << auth;
    EXPECT_EQ(other.target(), "/landing") << auth;

    context_.task_id = "linked-" + std::to_string(task);
    json linked =
        Api("/linked", {{"auth", auth},
                        {"records_path", "items"},
                        {"pagination", {{"type", "next_url"}, {"next_url_path", "next"}}}});
    Result<LoadResult> followed = Load(linked, DuckDb("t"));
    ASSERT_TRUE(followed.ok()) << followed.status();
    EXPECT_EQ(other.received().count("Authorization"), 0u) << auth;
    EXPECT_EQ(other.received().count("X-Api-Key"), 0u) << auth;
    EXPECT_EQ(other.target(), "/page-2") << "no api_key in the query: " << auth;
  }
}

TEST_F(ApiExtractorTest, ARedirectWithinTheOriginKeepsTheCredentials) {
  server_.Get("/moved", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/landing", 308);
  });
  server_.Get("/landing", [](const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("X-Api-Key") != "key-456") response.status = 401;
    Reply(response, Records(0, 1));
  });
  Result<LoadResult> loaded = Load(
      Api("/moved", {{"auth", {{"type", "api_key"}, {"name", "X-Api-Key"}, {"value", "key-456"}}}}),
      DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
}

TEST_F(ApiExtractorTest, AResponseOverMaxResponseMbFailsTheTask) {
  server_.Get("/big", [this](const httplib::Request&, httplib::Response& response) {
    ++calls_;
    response.set_content("[" + std::string(2 << 20, ' ') + "]", "application/json");
  });
  Result<LoadResult> loaded = Load(Api("/big", {{"max_response_mb", 1}}), DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("response larger than 1 MiB (max_response_mb)"),
            std::string::npos)
      << loaded.status();
  EXPECT_EQ(calls_, 1) << "the same response would come again: not retried";
}

TEST_F(ApiExtractorTest, MaxResponseMbIsFrom1To4095) {
  for (const int mb : {0, 4096}) {
    Result<std::unique_ptr<Extractor>> made = MakeExtractor(Api("/x", {{"max_response_mb", mb}}));
    ASSERT_FALSE(made.ok()) << mb;
    EXPECT_NE(made.status().field().find("max_response_mb"), std::string::npos) << made.status();
  }
}

// What once crashed the process or hung the task: each fails the task with InvalidArgument.
TEST_F(ApiExtractorTest, AHostileBodyFailsTheTask) {
  const std::vector<std::string> bodies = {
      "[x", "[[", "[1 2]", R"([{"id":1},{"id":2})", std::string(1000, '['), "[\"\xff\"]"};
  for (size_t i = 0; i < bodies.size(); ++i) {
    const std::string path = "/hostile/" + std::to_string(i);
    server_.Get(path, [&bodies, i](const httplib::Request&, httplib::Response& response) {
      response.set_content(bodies[i], "application/json");
    });
    context_.task_id = "task-" + std::to_string(i);
    Result<LoadResult> loaded = Load(Api(path), DuckDb("t"));
    ASSERT_FALSE(loaded.ok()) << Excerpt(bodies[i]);
    EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument) << loaded.status();
    EXPECT_NE(loaded.status().message().find("page 1: the response is not JSON"), std::string::npos)
        << loaded.status();
  }
}

TEST_F(ApiExtractorTest, RetriesServerErrorsAndTooManyRequestsHonouringRetryAfter) {
  server_.Get("/flaky", [this](const httplib::Request&, httplib::Response& response) {
    const int call = ++calls_;
    if (call == 1) {
      response.status = 503;
      response.set_content("try later", "text/plain");
    } else if (call == 2) {
      response.status = 429;
      response.set_header("Retry-After", "0");
    } else {
      Reply(response, Records(0, 2));
    }
  });
  const auto started = std::chrono::steady_clock::now();
  Result<LoadResult> loaded = Load(Api("/flaky"), DuckDb("t"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->rows_loaded, 2);
  EXPECT_EQ(calls_, 3);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "0.5 s backoff, then Retry-After 0";
  ASSERT_GE(logs_.size(), 2u);
  EXPECT_NE(logs_[0].find("HTTP 503: try later; retrying in 0.5"), std::string::npos) << logs_[0];
}

TEST_F(ApiExtractorTest, GivesUpAfterMaxRetriesWithAnErrorThatMayHeal) {
  server_.Get("/down", [this](const httplib::Request&, httplib::Response& response) {
    ++calls_;
    response.status = 502;
  });
  Result<LoadResult> loaded = Load(Api("/down", {{"max_retries", 1}}), DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls_, 2);
  EXPECT_NE(loaded.status().message().find("gave up after 2 tries"), std::string::npos)
      << loaded.status();
}

TEST_F(ApiExtractorTest, AClientErrorFailsAtOnceWithTheStatusAndBody) {
  server_.Get("/missing", [this](const httplib::Request&, httplib::Response& response) {
    ++calls_;
    response.status = 404;
    response.set_content("{\"error\": \"no such resource\"}", "application/json");
  });
  Result<LoadResult> loaded = Load(Api("/missing"), DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(calls_, 1);
  const std::string& message = loaded.status().message();
  EXPECT_NE(message.find("api GET " + Url("/missing")), std::string::npos) << message;
  EXPECT_NE(message.find("HTTP 404: {\"error\": \"no such resource\"}"), std::string::npos)
      << message;
}

// A 404 from a web server used to quote 200 bytes of its HTML page.
TEST_F(ApiExtractorTest, AnHtmlErrorPageIsQuotedByItsTitle) {
  server_.Get("/gone", [](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_content(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body>\n"
        "<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n"
        "<hr>\n<address>Apache Server at example.com Port 80</address>\n</body></html>\n",
        "text/html");
  });
  Result<LoadResult> loaded = Load(Api("/gone"), DuckDb("t"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
  const std::string& message = loaded.status().message();
  EXPECT_TRUE(message.ends_with("api GET " + Url("/gone") + ": HTTP 404: 404 Not Found"))
      << message;
}

TEST_F(ApiExtractorTest, ABodyThatIsNotJsonOrLacksTheRecordsPathFails) {
  server_.Get("/html", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("<html>maintenance</html>", "text/html");
  });
  server_.Get("/other", [](const httplib::Request&, httplib::Response& response) {
    Reply(response, {{"results", json::array()}});
  });
  Result<LoadResult> html = Load(Api("/html"), DuckDb("t"));
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(html.status().message().find("is not JSON"), std::string::npos) << html.status();
  EXPECT_NE(html.status().message().find("<html>maintenance"), std::string::npos) << html.status();

  Result<LoadResult> other = Load(Api("/other", {{"records_path", "data.items"}}), DuckDb("t"));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("records_path data.items is not in the response"),
            std::string::npos)
      << other.status();
}

TEST_F(ApiExtractorTest, AuthIsSentAndSecretsStayOutOfMessages) {
  setenv("ORC_TEST_API_TOKEN", "tok-123", 1);
  setenv("ORC_TEST_API_KEY", "key-456", 1);
  server_.Get("/bearer", [](const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("Authorization") != "Bearer tok-123") response.status = 401;
    Reply(response, Records(0, 1));
  });
  server_.Get("/basic", [](const httplib::Request& request, httplib::Response& response) {
    // "user:pass" in base64.
    if (request.get_header_value("Authorization") != "Basic dXNlcjpwYXNz") response.status = 401;
    Reply(response, Records(0, 1));
  });
  server_.Get("/key", [](const httplib::Request& request, httplib::Response& response) {
    response.status = request.get_param_value("api_key") == "key-456" ? 403 : 401;
  });
  EXPECT_TRUE(
      Load(Api("/bearer", {{"auth", {{"type", "bearer"}, {"token", "${env:ORC_TEST_API_TOKEN}"}}}}),
           DuckDb("a"))
          .ok());
  context_.task_id = "task-2";
  EXPECT_TRUE(Load(Api("/basic",
                       {{"auth", {{"type", "basic"}, {"username", "user"}, {"password", "pass"}}}}),
                   DuckDb("b"))
                  .ok());
  context_.task_id = "task-3";
  Result<LoadResult> denied = Load(Api("/key", {{"auth",
                                                 {{"type", "api_key"},
                                                  {"name", "api_key"},
                                                  {"value", "${env:ORC_TEST_API_KEY}"},
                                                  {"in", "query"}}}}),
                                   DuckDb("c"));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied) << "the key was sent";
  EXPECT_EQ(denied.status().message().find("key-456"), std::string::npos) << denied.status();
  EXPECT_NE(denied.status().message().find("api_key=***"), std::string::npos) << denied.status();
}

TEST_F(ApiExtractorTest, IncrementalRunsContinueFromTheCommittedCursor) {
  std::vector<std::string> since;
  server_.Get("/events", [&since](const httplib::Request& request, httplib::Response& response) {
    const std::string after = request.get_param_value("updated_after");
    since.push_back(after);
    json events = json::array();
    for (const std::string updated : {"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}) {
      if (updated > after)
        events.push_back({{"id", updated.substr(8, 2)}, {"updated_at", updated}});
    }
    Reply(response, events);
  });
  json config = Api("/events", {{"incremental",
                                 {{"cursor_field", "updated_at"},
                                  {"param", "updated_after"},
                                  {"initial_value", "2025-12-31T00:00:00Z"}}}});
  Result<LoadResult> first = Load(config, DuckDb("events", "append"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->rows_loaded, 2);
  context_.run_id = "run-2";
  Result<LoadResult> second = Load(config, DuckDb("events", "append"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->rows_loaded, 0);
  EXPECT_EQ(since, (std::vector<std::string>{"2025-12-31T00:00:00Z", "2026-01-02T00:00:00Z"}));
  EXPECT_EQ(Rows("SELECT count(*) FROM events"), std::vector<std::string>{"2"});
  EXPECT_EQ(Rows("SELECT run_id, rows_loaded, cursor_value FROM _orc_loads ORDER BY loaded_at"),
            (std::vector<std::string>{"run-1|2|2026-01-02T00:00:00Z", "run-2|0|NULL"}));
}

TEST_F(ApiExtractorTest, ASlowResponseTimesOutAndAnInterruptAbortsTheTransfer) {
  server_.Get("/slow", [](const httplib::Request&, httplib::Response& response) {
    std::this_thread::sleep_for(3s);
    Reply(response, Records(0, 1));
  });
  Result<LoadResult> timed_out =
      Load(Api("/slow", {{"timeout_s", 1}, {"max_retries", 0}}), DuckDb("t"));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(timed_out.status().message().find("no complete response within 1 s"), std::string::npos)
      << timed_out.status();

  std::thread interrupt([this] {
    std::this_thread::sleep_for(200ms);
    interrupter_.Interrupt(CancelledError("cancelled by request"));
  });
  const auto started = std::chrono::steady_clock::now();
  Result<LoadResult> cancelled = Load(Api("/slow"), DuckDb("t"));
  interrupt.join();
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), StatusCode::kCancelled) << cancelled.status();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
}

}  // namespace
}  // namespace orc
