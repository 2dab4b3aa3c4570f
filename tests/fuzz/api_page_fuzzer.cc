// Fuzz target api_page: response bodies of an HTTP API through ApiPageReader::Read, as the api
// extractor reads one page after another.
//
// Input: three bytes pick records_path, the token path and the cursor field among typical ones;
// the rest is split at NUL bytes into the pages, read in turn by one reader.
//
// simdjson's DOM parser, which validates the whole document, is the reference. Properties: Read
// never throws, crashes or hangs, and fails with an input error; a body the reference refuses as
// malformed JSON is refused (numbers beyond 64 bits and nesting beyond its depth limit are not
// malformed, so those are not judged); for a body the reference accepts, an accepted page has as
// many records as the reference finds at records_path, records_json is a JSON array of exactly
// those records, and a string token is the one at the token path.
#include <simdjson.h>

#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "plugins/extractors/api/api_page.h"

namespace {

constexpr const char* kRecordsPaths[] = {"", "data", "data.items", "results", "a.b~c/d", "0"};
constexpr const char* kTokenPaths[] = {"", "next", "meta.next_cursor", "links.next"};
constexpr const char* kCursorFields[] = {"", "id", "updated_at"};

// "data.items" -> "/data/items", as the reader documents its dot paths.
std::string Pointer(std::string_view dot_path) {
  if (dot_path.empty()) return "";
  std::string pointer = "/";
  for (const char c : dot_path) {
    if (c == '.') {
      pointer += '/';
    } else if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
  return pointer;
}

// Whether the reference's error says the text is not JSON, rather than past one of its limits.
bool Malformed(simdjson::error_code error) {
  return error != simdjson::SUCCESS && error != simdjson::NUMBER_ERROR &&
         error != simdjson::NUMBER_OUT_OF_RANGE && error != simdjson::DEPTH_ERROR &&
         error != simdjson::CAPACITY && error != simdjson::MEMALLOC;
}

void CheckPage(orc::ApiPageReader& reader, std::string body, const std::string& records_path,
               const std::string& token_path) {
  const std::string original = body;
  const orc::Result<orc::ApiPage> page = reader.Read(body);
  simdjson::dom::parser reference;
  simdjson::dom::element document;
  // The reader skips a leading byte order mark, as RFC 8259 section 8.1 lets a parser do; the
  // reference's DOM parser does not.
  const std::string_view json = std::string_view(original).starts_with("\xEF\xBB\xBF")
                                    ? std::string_view(original).substr(3)
                                    : std::string_view(original);
  const simdjson::error_code error = reference.parse(json.data(), json.size()).get(document);
  if (!page.ok()) {
    FUZZ_CHECK(orc::fuzz::IsInputError(page.status()), page.status().ToString());
    return;
  }
  FUZZ_CHECK(!Malformed(error), std::string("accepted a body that is not JSON (") +
                                    simdjson::error_message(error) + "): " + original);
  if (error) return;

  simdjson::dom::element records = document;
  if (!records_path.empty()) {
    const simdjson::error_code found = document.at_pointer(Pointer(records_path)).get(records);
    FUZZ_CHECK(!found, "accepted a body without " + records_path + ": " + original);
  }
  int64_t expected = 0;
  if (records.is_array()) {
    expected = static_cast<int64_t>(simdjson::dom::array(records).size());
  } else if (records.is_object()) {
    expected = 1;
  } else {
    FUZZ_CHECK(records.is_null(), "accepted records that are a " +
                                      std::string(1, static_cast<char>(records.type())) +
                                      " scalar: " + original);
  }
  FUZZ_CHECK(page->records == expected, std::to_string(page->records) + " records, the reference " +
                                            std::to_string(expected) + ": " + original);
  if (expected > 0) {
    simdjson::dom::parser parser;
    simdjson::dom::element spooled;
    const simdjson::error_code spooled_error = parser.parse(page->records_json).get(spooled);
    FUZZ_CHECK(!spooled_error && spooled.is_array() &&
                   static_cast<int64_t>(simdjson::dom::array(spooled).size()) == expected,
               "records_json is not an array of the " + std::to_string(expected) +
                   " records: " + page->records_json);
  }
  std::string_view token;
  if (!token_path.empty() && !document.at_pointer(Pointer(token_path)).get(token)) {
    FUZZ_CHECK(page->next_token == std::string(token),
               "the token is '" + page->next_token.value_or("(none)") + "', not '" +
                   std::string(token) + "': " + original);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  orc::fuzz::FuzzInput input(data, size);
  const std::string records_path = input.Pick(kRecordsPaths);
  const std::string token_path = input.Pick(kTokenPaths);
  const std::string cursor_field = input.Pick(kCursorFields);
  orc::ApiPageReader reader(records_path, token_path, cursor_field);
  for (int page = 0; page < 4 && !input.empty(); ++page) {
    CheckPage(reader, std::string(input.Until('\0')), records_path, token_path);
  }
  return 0;
}
