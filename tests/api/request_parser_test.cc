#include "api/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace orc {
namespace {

constexpr HttpLimits kLimits{.max_head_bytes = 1024, .max_header_fields = 8, .max_body_bytes = 64};

// Feeds `text` one byte at a time, as the slowest client would send it; returns the parser.
RequestParser FeedByteByByte(const std::string& text) {
  RequestParser parser(kLimits);
  std::string pending;
  for (const char c : text) {
    pending += c;
    pending.erase(0, parser.Feed(pending));
    if (parser.state() == RequestParser::State::kFailed) break;
  }
  return parser;
}

RequestParser FeedAtOnce(const std::string& text) {
  RequestParser parser(kLimits);
  parser.Feed(text);
  return parser;
}

int ErrorStatus(const std::string& text) {
  RequestParser parser = FeedAtOnce(text);
  return parser.state() == RequestParser::State::kFailed ? parser.error().status : 0;
}

TEST(RequestParserTest, ReadsRequestLineHeadersQueryAndBody) {
  for (const bool slow : {false, true}) {
    const std::string text =
        "POST /jobs/a%20b?x=1&y=two+words&x=3&flag HTTP/1.1\r\nHost: orc\r\n"
        "content-type:  application/json \r\nContent-Length: 5\r\n\r\nhello";
    RequestParser parser = slow ? FeedByteByByte(text) : FeedAtOnce(text);
    ASSERT_EQ(parser.state(), RequestParser::State::kComplete) << parser.error().message;
    const ApiRequest& request = parser.request();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/jobs/a b");
    EXPECT_EQ(request.Header("Content-Type"), "application/json");
    EXPECT_EQ(request.Param("x"), "1");
    EXPECT_EQ(request.Params("x"), (std::vector<std::string>{"1", "3"}));
    EXPECT_EQ(request.Param("y"), "two words");
    EXPECT_TRUE(request.HasParam("flag"));
    EXPECT_FALSE(request.HasParam("z"));
    EXPECT_EQ(request.body, "hello");
    EXPECT_TRUE(parser.keep_alive());
  }
}

TEST(RequestParserTest, ReadsChunkedBodiesAndBareLineFeeds) {
  const std::string text =
      "PUT /x HTTP/1.1\nHost: orc\nTransfer-Encoding: Chunked\n\n5;name=value\r\nhello\r\n"
      "1\n!\n0\r\nTrailer: dropped\r\n\r\n";
  for (const bool slow : {false, true}) {
    RequestParser parser = slow ? FeedByteByByte(text) : FeedAtOnce(text);
    ASSERT_EQ(parser.state(), RequestParser::State::kComplete) << parser.error().message;
    EXPECT_EQ(parser.request().body, "hello!");
  }
}

TEST(RequestParserTest, ConsumesOneRequestAndLeavesThePipelinedNext) {
  const std::string first = "GET /a HTTP/1.1\r\nHost: orc\r\n\r\n";
  RequestParser parser(kLimits);
  EXPECT_EQ(parser.Feed(first + "GET /b HTTP/1.1\r\n"), first.size());
  EXPECT_EQ(parser.request().path, "/a");
  parser.Reset();
  EXPECT_FALSE(parser.started());
  EXPECT_EQ(parser.Feed("\r\nGET /b HTTP/1.1\r\n"), 2u)
      << "a blank line before a request is skipped";
  EXPECT_TRUE(parser.started());
  EXPECT_EQ(parser.state(), RequestParser::State::kHead);
}

TEST(RequestParserTest, RefusesAmbiguousFramingWith400) {
  const std::string head = "POST /x HTTP/1.1\r\nHost: orc\r\n";
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), 400);
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 3, 3\r\n\r\nabc"), 400);
  EXPECT_EQ(ErrorStatus(head + "Content-Length: +3\r\n\r\nabc"), 400);
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 0x3\r\n\r\nabc"), 400);
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 99999999999999999999999\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: gzip, chunked\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"), 400);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\n\r\n-1\r\n"), 400);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX"), 400);
  EXPECT_EQ(ErrorStatus("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

TEST(RequestParserTest, RefusesMalformedHeadsWith400And505) {
  EXPECT_EQ(ErrorStatus("GARBAGE\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET  /x HTTP/1.1\r\nHost: orc\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET http://orc/x HTTP/1.1\r\nHost: orc\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/1.1 \r\nHost: orc\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/x.y\r\nHost: orc\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/2.0\r\nHost: orc\r\n\r\n"), 505);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/0.9\r\n\r\n"), 505);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/1.1\r\n\r\n"), 400) << "HTTP/1.1 needs Host";
  EXPECT_EQ(ErrorStatus("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/1.1\r\nHost: orc\r\nX-A : b\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/1.1\r\nHost: orc\r\nX-A: b\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(ErrorStatus(std::string("GET /x HTTP/1.1\r\nHost: orc\r\nX-A: a\0b\r\n\r\n", 40)), 400);
  EXPECT_EQ(ErrorStatus("GET /x HTTP/1.1\r\nHost: orc\r\nX-A: a\rb\r\n\r\n"), 400);
}

TEST(RequestParserTest, LimitsHeadAndBody) {
  EXPECT_EQ(
      ErrorStatus("GET /x HTTP/1.1\r\nHost: orc\r\nX: " + std::string(1100, 'a') + "\r\n\r\n"),
      431);
  std::string many = "GET /x HTTP/1.1\r\nHost: orc\r\n";
  for (int i = 0; i < 8; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(ErrorStatus(many + "\r\n"), 431);
  // A head that never ends is refused once it passes the limit, without waiting for its end.
  RequestParser endless = FeedByteByByte("GET /x HTTP/1.1\r\nX: " + std::string(2000, 'a'));
  EXPECT_EQ(endless.error().status, 431);

  const std::string head = "POST /x HTTP/1.1\r\nHost: orc\r\n";
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 65\r\n\r\n"), 413) << "refused before the body";
  EXPECT_EQ(ErrorStatus(head + "Content-Length: 64\r\n\r\n"), 0);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\n\r\n41\r\n"), 413);
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\n\r\n20\r\n" + std::string(32, 'a') +
                        "\r\n21\r\n"),
            413)
      << "the chunks add up past the limit";
  EXPECT_EQ(ErrorStatus(head + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"), 400);
}

TEST(RequestParserTest, KeepAliveFollowsVersionAndConnection) {
  EXPECT_FALSE(FeedAtOnce("GET /x HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n").keep_alive());
  EXPECT_FALSE(FeedAtOnce("GET /x HTTP/1.0\r\n\r\n").keep_alive());
  EXPECT_TRUE(FeedAtOnce("GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive());
  RequestParser expecting = FeedAtOnce(
      "POST /x HTTP/1.1\r\nHost: o\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(expecting.expects_continue());
  EXPECT_TRUE(expecting.awaiting_body());
}

}  // namespace
}  // namespace orc
