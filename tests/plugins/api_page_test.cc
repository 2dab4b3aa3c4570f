// ApiPageReader on what an upstream may send: pages it must read as before, and bodies it must
// refuse (malformed, truncated, too deep, not UTF-8...) without crashing, reading out of bounds
// (run under ASan) or taking more than linear time.
#include "plugins/extractors/api/api_page.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/printers.h"

namespace orc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

Result<ApiPage> ReadOne(std::string body, const std::string& records_path = "",
                        const std::string& token_path = "", const std::string& cursor = "") {
  ApiPageReader reader(records_path, token_path, cursor);
  return reader.Read(body);
}

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ApiPageReaderTest, ATopLevelArrayIsHandedOnAsTheApiWroteIt) {
  const std::string records = R"([ {"id": 1, "amount": 10.50, "big": 18446744073709551615},
                                   {"id": 2, "name": "a \"quoted\" ] name"} ])";
  Result<ApiPage> page = ReadOne(" \n" + records + "\n");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->records, 2);
  EXPECT_EQ(page->records_json, records) << "numbers keep their text (10.50), white space inside";
}

TEST(ApiPageReaderTest, RecordsUnderAPathKeepTheirTextToo) {
  const std::string records = R"([{"id": 1, "s": "}\\\"]"}, [2], "three", {"id": 4.0}])";
  const std::string body = R"({"meta": {"items": "decoy"}, "data" : { "x": [1, {"]": "["}],)"
                           R"( "items":)" +
                           records + R"( , "after": {"items": []} }, "tail": "\\"})";
  Result<ApiPage> page = ReadOne(body, "data.items");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->records, 4) << "objects, arrays and scalars alike";
  EXPECT_EQ(page->records_json, records);
}

TEST(ApiPageReaderTest, OneObjectIsOneRecordAndNullIsAnEmptyPage) {
  Result<ApiPage> object =
      ReadOne(R"({"data": {"id": 7, "updated": "2026-01-02"}})", "data", "", "updated");
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->records, 1);
  EXPECT_EQ(object->records_json, R"([{"id": 7, "updated": "2026-01-02"}])");
  EXPECT_EQ(object->max_cursor, "2026-01-02");

  Result<ApiPage> empty = ReadOne(R"({"data": null, "next": null})", "data", "next");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->records, 0);
  EXPECT_EQ(empty->next_token, std::nullopt);
}

TEST(ApiPageReaderTest, TokensAndCursorsAreReadAsText) {
  Result<ApiPage> page = ReadOne(
      R"({"items": [{"n": 3, "t": 1.5}, {"n": 12, "t": 1e2}, {"n": 9}], "next": {"page": 42}})",
      "items", "next.page", "n");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->next_token, "42");
  EXPECT_EQ(page->max_cursor, "12") << "numerically, not as text";
  Result<ApiPage> doubles = ReadOne(R"([{"t": 1.5}, {"t": 1e2}])", "", "", "t");
  ASSERT_TRUE(doubles.ok()) << doubles.status();
  EXPECT_EQ(doubles->max_cursor, "100.0");
}

TEST(ApiPageReaderTest, KeysFirstSeenOnALaterPageAreReported) {
  ApiPageReader reader("", "", "");
  std::string first = R"([{"a": 1}, {"a": 2, "b": 3}])";
  std::string second = R"([{"a": 1, "b": 2}, {"c": 3}])";
  ASSERT_TRUE(reader.Read(first).ok());
  Result<ApiPage> page = reader.Read(second);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->new_keys, std::vector<std::string>{"c"});
}

TEST(ApiPageReaderTest, AByteOrderMarkIsSkipped) {
  Result<ApiPage> page = ReadOne("\xEF\xBB\xBF[{\"id\": 1}]");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->records_json, "[{\"id\": 1}]");
}

TEST(ApiPageReaderTest, WhatIsNotRecordsIsRefusedWithTheStartOfTheBody) {
  Result<ApiPage> scalar = ReadOne("42");
  ASSERT_FALSE(scalar.ok());
  EXPECT_EQ(scalar.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scalar.status().message(),
            "the response is neither an array of records nor one record: 42");
  Result<ApiPage> missing = ReadOne(R"({"results": []})", "data.items");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            R"(records_path data.items is not in the response: {"results": []})");
  Result<ApiPage> index = ReadOne(R"({"data": [[1], [2]]})", "data.01");
  ASSERT_FALSE(index.ok()) << "an index has no leading zero, as in a JSON pointer";
  Result<ApiPage> indexed = ReadOne(R"({"data": [[1], [2, 3]]})", "data.1");
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(indexed->records_json, "[2, 3]");
}

TEST(ApiPageReaderTest, NestingIsBoundedAt64Levels) {
  Result<ApiPage> deepest = ReadOne(Nested(ApiPageReader::kMaxDepth));
  ASSERT_TRUE(deepest.ok()) << deepest.status();
  EXPECT_EQ(deepest->records, 1);
  Result<ApiPage> deeper = ReadOne(Nested(ApiPageReader::kMaxDepth + 1));
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(deeper.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(deeper.status().message().find("nested deeper than 64 levels"), std::string::npos)
      << deeper.status();
}

// Every kind of broken body, through every way the reader is configured: InvalidArgument that
// quotes the body as valid, printable UTF-8 (the message is stored and served as JSON).
TEST(ApiPageReaderTest, HostileBodiesAreRefusedWithAPrintableExcerpt) {
  const std::vector<std::string> bodies = {
      "",
      " \r\n\t",
      "[x",
      "[[",
      "[1 2]",
      R"([{"id":1},{"id":2})",
      R"([{"id":1},{"id":2}]])",
      "[1,]",
      R"({"a":1,})",
      "[] []",
      "<html>maintenance</html>",
      R"({"a"})",
      R"({"a":})",
      R"({1: 2})",
      "[tru]",
      "[nul]",
      "[01]",
      "[1.]",
      "[-]",
      "[1e]",
      "[123456789012345678901234567890]",
      "[1e400]",
      R"(["\x"])",
      R"(["\ud800"])",
      R"(["\u00"])",
      "[\"unterminated",
      "[\"tab\tinside\"]",
      std::string("[\"nul\0inside\"]", 15),
      std::string("[1]\0", 4),
      std::string("\0", 1),
      "[\"\xff\xfe\"]",
      "\xff\xfe[]",
      "[\"\xc0\xaf\"]",               // overlong '/'
      "[\"\xed\xa0\x80\"]",           // an encoded surrogate
      "[\"\xf4\x90\x80\x80\"]",       // past U+10FFFF
      "[\"\xe2\x82\"]",               // truncated sequence
      std::string(1000, '['),         // the 1,000 nested arrays that once hung a task
      Nested(1000),                   // the same, closed
      std::string(500, '{') + "}",    // unclosed objects
      R"({"data": {"items": [1, 2)",  // truncated under records_path
  };
  for (const auto& [records_path, token_path, cursor] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"", "", ""}, {"data.items", "next", "id"}, {"data", "", "updated_at"}}) {
    for (const std::string& body : bodies) {
      Result<ApiPage> page = ReadOne(body, records_path, token_path, cursor);
      ASSERT_FALSE(page.ok()) << "body: " << Excerpt(body);
      EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument) << page.status();
      const std::string& message = page.status().message();
      EXPECT_TRUE(message.starts_with("the response is not JSON (")) << message;
      EXPECT_TRUE(simdjson::validate_utf8(message.data(), message.size())) << message;
      EXPECT_EQ(message.find('\0'), std::string::npos) << message;
      EXPECT_LT(message.size(), 400u) << message;
    }
  }
}

// Parsing is linear: a body many times the 1,000 nested arrays, or a large flat page, takes
// milliseconds, not the minutes a quadratic walk would.
TEST(ApiPageReaderTest, TimeStaysLinearInTheBodySize) {
  const std::vector<std::string> bodies = {
      std::string(8 << 20, '['),
      "[" + std::string(8 << 20, ' ') + "]",
      "[\"" + std::string(8 << 20, 'a'),
      [] {
        std::string flat = "[0";
        for (int i = 0; i < 1 << 20; ++i) flat += ",[]";
        return flat + "]";
      }(),
  };
  for (const std::string& body : bodies) {
    const auto started = std::chrono::steady_clock::now();
    Result<ApiPage> page = ReadOne(body, "data.items");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << Excerpt(body, 20);
    EXPECT_FALSE(page.ok());
  }
}

TEST(ApiPageReaderTest, ExcerptsArePrintableUtf8AndShort) {
  EXPECT_EQ(Excerpt("plain"), "plain");
  EXPECT_EQ(Excerpt(std::string("a\0b\x01\n", 5)), "a\\x00b\\x01\n");
  EXPECT_EQ(Excerpt("caf\xc3\xa9 \xff \xe2\x82"), "caf\xc3\xa9 \\xff \\xe2\\x82");
  EXPECT_EQ(Excerpt(std::string(300, 'x')), std::string(200, 'x') + "...");
  EXPECT_EQ(Excerpt("\xe2\x82\xac\xe2\x82\xac", 4), "\xe2\x82\xac\xe2\x82\xac")
      << "a character is never cut";
}

// The seed corpus of the reader's fuzz target: each file gives a page or InvalidArgument.
// An HTTP error quotes its body in a few words: an HTML page by its title, not whole.
TEST(BodySnippetTest, QuotesAShortTextAndOfAPageItsTitle) {
  const std::string page =
      "<!DOCTYPE html>\n<html>\n<head>\n  <title>404 Not\n Found</title>\n<style>body {}</style>"
      "</head>\n<body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server."
      "</p>\n" +
      std::string(5000, ' ') + "</body></html>\n";
  EXPECT_EQ(BodySnippet(page, "text/html; charset=utf-8"), "404 Not Found");
  EXPECT_EQ(BodySnippet("<html><body>\n<h1>Down</h1>\n<p>for maintenance</p></body></html>", ""),
            "Down for maintenance");
  EXPECT_EQ(BodySnippet("{\"error\":\n  \"no such resource\"}", "application/json"),
            "{\"error\": \"no such resource\"}");
  EXPECT_EQ(BodySnippet("try later", "text/plain"), "try later");
  EXPECT_EQ(BodySnippet(std::string(1000, 'x'), "text/plain"),
            std::string(kMaxBodySnippet, 'x') + "...");
  EXPECT_EQ(BodySnippet("\x89PNG\r\n", "image/png"), "");
  EXPECT_EQ(BodySnippet("", "text/plain"), "");
}

TEST(ApiPageReaderTest, EveryCorpusFileGivesAPageOrInvalidArgument) {
  const std::filesystem::path corpus =
      std::filesystem::path(ORC_SOURCE_DIR) / "tests/fuzz/api_page";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    for (const char* records_path : {"", "data", "data.items"}) {
      Result<ApiPage> page = ReadApiPageForFuzzing(body.str(), records_path, "next", "id");
      EXPECT_TRUE(page.ok() || page.status().code() == StatusCode::kInvalidArgument)
          << entry.path() << ": " << page.status();
    }
    ++files;
  }
  EXPECT_GE(files, 20);
}

}  // namespace
}  // namespace orc
