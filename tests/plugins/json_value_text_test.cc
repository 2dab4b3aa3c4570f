// LocateValue against documents whose every byte the test wrote itself, with random white space,
// tricky strings and keys, and the value at random places: the text found must be exactly the text
// written, and simdjson must agree on the value.
#include "plugins/extractors/api/json_value_text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace orc {
namespace {

// JSON string contents as written (escaped), chosen to trip a walk that miscounts quotes,
// backslashes or brackets.
const std::vector<std::string> kStrings = {
    "",   "plain", R"(q\"uote)", R"(back\\slash)", R"(\\\")",     R"(\\)",   "]}",
    "[{", ",:",    R"(\u0022)",  "\xc3\xa9",       R"(x\\\\\"y)", R"(\"\")", "\xf0\x9f\x98\x80"};

class Writer {
 public:
  explicit Writer(uint32_t seed) : random_(seed) {}

  std::string Space() {
    static const std::vector<std::string> kSpaces = {"", "", " ", "\n", "\t ", "\r\n  "};
    return kSpaces[Pick(kSpaces.size())];
  }
  std::string String() { return "\"" + kStrings[Pick(kStrings.size())] + "\""; }
  std::string Value(int depth) {
    switch (depth <= 0 ? Pick(5) : Pick(7)) {
      case 0:
        return std::to_string(static_cast<int>(random_() % 2001) - 1000);
      case 1:
        return "-12.5e-3";
      case 2:
        return Pick(2) ? "true" : "null";
      case 3:
      case 4:
        return String();
      case 5: {
        std::vector<std::string> items(Pick(4));
        for (std::string& item : items) item = Value(depth - 1);
        return Array(items);
      }
      default: {
        std::vector<std::pair<std::string, std::string>> members(Pick(4));
        for (auto& [key, value] : members) {
          key = String();
          value = Value(depth - 1);
        }
        return Object(members);
      }
    }
  }
  std::string Array(const std::vector<std::string>& items) {
    std::string text = "[" + Space();
    for (size_t i = 0; i < items.size(); ++i) {
      text += (i ? "," + Space() : "") + items[i] + Space();
    }
    return text + "]";
  }
  std::string Object(const std::vector<std::pair<std::string, std::string>>& members) {
    std::string text = "{" + Space();
    for (size_t i = 0; i < members.size(); ++i) {
      text += (i ? "," + Space() : "") + members[i].first + Space() + ":" + Space() +
              members[i].second + Space();
    }
    return text + "}";
  }
  size_t Pick(size_t n) { return random_() % n; }

 private:
  std::mt19937 random_;
};

// A document with `inner` at a random path of 1 to 3 steps, each with random siblings before and
// after (after: possibly the same key again, which the first occurrence hides).
std::pair<std::string, std::string> Embed(Writer& writer, const std::string& inner) {
  std::string text = inner;
  std::string path;
  const size_t steps = 1 + writer.Pick(3);
  for (size_t step = 0; step < steps; ++step) {
    const size_t before = writer.Pick(3);
    const size_t after = writer.Pick(3);
    std::string token;
    if (writer.Pick(2)) {
      token = "k" + std::to_string(step);
      // The key as written: plain, or with an escape that unescapes to the same key.
      const std::string written =
          writer.Pick(2) ? "\"" + token + "\"" : "\"\\u006b" + token.substr(1) + "\"";
      std::vector<std::pair<std::string, std::string>> members;
      for (size_t i = 0; i < before; ++i) members.emplace_back("\"other\"", writer.Value(2));
      members.emplace_back(written, text);
      for (size_t i = 0; i < after; ++i) {
        members.emplace_back(writer.Pick(2) ? written : writer.String(), writer.Value(2));
      }
      text = writer.Object(members);
    } else {
      token = std::to_string(before);
      std::vector<std::string> items;
      for (size_t i = 0; i < before; ++i) items.push_back(writer.Value(2));
      items.push_back(text);
      for (size_t i = 0; i < after; ++i) items.push_back(writer.Value(2));
      text = writer.Array(items);
    }
    path = path.empty() ? token : token + "." + path;
  }
  return {writer.Space() + text + writer.Space(), path};
}

TEST(LocateValueTest, FindsExactlyTheTextOfTheValueAtThePath) {
  simdjson::dom::parser parser;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    Writer writer(seed);
    const std::string inner = writer.Value(3);
    const auto [document, path] = Embed(writer, inner);
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(document).get(root), simdjson::SUCCESS) << document;
    const std::optional<LocatedValue> found = LocateValue(root, document, path);
    ASSERT_TRUE(found.has_value()) << "seed " << seed << " path " << path << ": " << document;
    EXPECT_EQ(found->text, inner) << "seed " << seed << " path " << path << ": " << document;
    simdjson::dom::parser own;
    simdjson::dom::element expected;
    ASSERT_EQ(own.parse(inner).get(expected), simdjson::SUCCESS);
    EXPECT_EQ(simdjson::to_string(found->value), simdjson::to_string(expected)) << "seed " << seed;
  }
}

TEST(LocateValueTest, APathTheDocumentLacksIsNotFound) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string document = R"({"a": [{"b": 1}], "c": "d"})";
  ASSERT_EQ(parser.parse(document).get(root), simdjson::SUCCESS);
  for (const char* path : {"x", "a.1", "a.01", "a.-1", "a.0.c", "c.d", "a.b", "a..b", "a.0.b.c"}) {
    EXPECT_FALSE(LocateValue(root, document, path).has_value()) << path;
  }
  EXPECT_EQ(LocateValue(root, document, "a.0.b")->text, "1");
}

// Handed a text other than the one parsed, the walk may find nothing, but reads only that text.
TEST(LocateValueTest, ATextThatIsNotTheParsedOneIsNeverReadPast) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string document =
      R"({"meta": {"x": "a\"]"}, "data": {"items": [{"id": "\\"}]}, "z": 1})";
  ASSERT_EQ(parser.parse(document).get(root), simdjson::SUCCESS);
  for (size_t start = 0; start < document.size(); ++start) {
    for (size_t length = 0; start + length <= document.size(); length += 3) {
      const std::string part = document.substr(start, length);  // its own allocation, for ASan
      const std::optional<LocatedValue> found = LocateValue(root, part, "data.items");
      ASSERT_TRUE(found.has_value());
      if (!found->text.empty()) {
        EXPECT_GE(found->text.data(), part.data());
        EXPECT_LE(found->text.data() + found->text.size(), part.data() + part.size());
      }
    }
  }
}

}  // namespace
}  // namespace orc
