#include "plugins/extractors/api/api_page.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "plugins/extractors/api/json_value_text.h"

namespace orc {
namespace {

// Pages above this size are parsed by a parser of their own, freed after the page, so that one
// huge page does not leave the reader holding several times its size for the rest of the task.
constexpr size_t kReusedParserBytes = size_t{32} << 20;

// "data.items" -> "/data/items" (JSON pointer, with ~ and / escaped).
std::string PointerOf(const std::string& dot_path) {
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

std::optional<double> AsNumber(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A scalar as text: strings unquoted, integers exactly, other numbers in their shortest exact
// form, booleans as written; nullopt for null and for objects and arrays.
std::optional<std::string> ScalarText(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(value.get_string().value_unsafe());
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::BOOL:
      return simdjson::to_string(value);
    default:
      return std::nullopt;
  }
}

// Why simdjson refused a body, in words for the operator.
std::string WhyNotJson(simdjson::error_code error, std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "empty body";
  if (std::string_view("[{\"-0123456789tfn").find(body[first]) == std::string_view::npos) {
    return "starts with '" + Excerpt(body.substr(first, 1)) + "'";
  }
  switch (error) {
    case simdjson::DEPTH_ERROR:
      return "nested deeper than " + std::to_string(ApiPageReader::kMaxDepth) + " levels";
    case simdjson::UTF8_ERROR:
      return "not valid UTF-8";
    case simdjson::NUMBER_ERROR:
      return "a number that is malformed or outside 64-bit integers and doubles";
    case simdjson::CAPACITY:
      return "larger than the parser's 4 GiB";
    default:
      return simdjson::error_message(error);
  }
}

// `text` without the white space JSON allows around a value.
std::string_view Trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

struct ApiPageReader::Parser {
  simdjson::dom::parser parser;
};

ApiPageReader::ApiPageReader(std::string records_path, std::string token_path,
                             std::string cursor_field)
    : records_path_(std::move(records_path)),
      token_pointer_(PointerOf(token_path)),
      cursor_field_(std::move(cursor_field)),
      parser_(std::make_unique<Parser>()) {}

ApiPageReader::~ApiPageReader() = default;

Result<ApiPage> ApiPageReader::Read(std::string& body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  // JSON has no byte order mark, but a parser may ignore one (RFC 8259), and some servers send it.
  const std::string_view text =
      std::string_view(body).substr(std::string_view(body).starts_with("\xEF\xBB\xBF") ? 3 : 0);
  simdjson::dom::parser own_parser;
  simdjson::dom::parser& parser = text.size() <= kReusedParserBytes ? parser_->parser : own_parser;
  simdjson::dom::element document;
  simdjson::error_code error = simdjson::SUCCESS;
  // The depth is fixed when the parser first allocates; later growth keeps it.
  if (parser.capacity() == 0) {
    error = parser.allocate(std::max<size_t>(text.size(), size_t{1} << 16), kMaxDepth);
  }
  // The padding simdjson reads past the end is within the capacity reserved above.
  if (!error) error = parser.parse(text.data(), text.size(), false).get(document);
  if (error == simdjson::MEMALLOC) {
    return ResourceExhaustedError("not enough memory to parse a response of " +
                                  std::to_string(text.size()) + " bytes");
  }
  if (error) {
    return InvalidArgumentError("the response is not JSON (" + WhyNotJson(error, text) +
                                "): " + Excerpt(text));
  }

  ApiPage page;
  if (!token_pointer_.empty()) {
    simdjson::dom::element token;
    if (!document.at_pointer(token_pointer_).get(token)) page.next_token = ScalarText(token);
  }
  // The records, and their text as the API sent it: the whole body, or found by a walk over it
  // (written out from the parsed values should the walk fail, which it does not on valid JSON).
  simdjson::dom::element records = document;
  std::string_view records_text = Trimmed(text);
  if (!records_path_.empty()) {
    const std::optional<LocatedValue> found = LocateValue(document, text, records_path_);
    if (!found) {
      return InvalidArgumentError("records_path " + records_path_ +
                                  " is not in the response: " + Excerpt(body));
    }
    records = found->value;
    records_text = found->text;
  }
  auto text_of_records = [&] {
    return records_text.empty() ? simdjson::to_string(records) : std::string(records_text);
  };
  if (records.is_null()) return page;
  if (records.is_object()) {
    page.records = 1;
    page.records_json = "[" + text_of_records() + "]";
    const simdjson::dom::object object = records.get_object().value_unsafe();
    simdjson::dom::element field;
    if (!cursor_field_.empty() && !object[cursor_field_].get(field)) {
      page.max_cursor = ScalarText(field);
    }
    return page;
  }
  if (!records.is_array()) {
    return InvalidArgumentError(
        (records_path_.empty() ? std::string("the response") : "records_path " + records_path_) +
        " is neither an array of records nor one record: " + Excerpt(body));
  }

  // One pass over the records: count them, note keys not seen on earlier pages, and find the
  // highest cursor value when asked. Most records repeat the keys of the one before, which is
  // checked first, so the set of known keys is rarely consulted.
  const simdjson::dom::array array = records.get_array().value_unsafe();
  for (const simdjson::dom::element element : array) {
    ++page.records;
    simdjson::dom::object object;
    if (element.get(object)) continue;  // not an object: DuckDB reads it as a value of its own
    size_t index = 0;
    for (const simdjson::dom::key_value_pair member : object) {
      const std::string_view key = member.key;
      if (index >= previous_keys_.size() || previous_keys_[index] != key) {
        if (index < previous_keys_.size()) {
          previous_keys_[index] = key;
        } else {
          previous_keys_.emplace_back(key);
        }
        if (known_keys_.emplace(key).second && pages_read_ > 0) page.new_keys.emplace_back(key);
      }
      ++index;
      if (!cursor_field_.empty() && key == cursor_field_) {
        std::optional<std::string> value = ScalarText(member.value);
        if (value && (!page.max_cursor || CursorLess(*page.max_cursor, *value))) {
          page.max_cursor = std::move(value);
        }
      }
    }
  }
  ++pages_read_;
  if (page.records == 0) return page;
  page.records_json = text_of_records();
  return page;
}

Result<ApiPage> ReadApiPageForFuzzing(std::string_view body, std::string records_path,
                                      std::string token_path, std::string cursor_field) {
  ApiPageReader reader(std::move(records_path), std::move(token_path), std::move(cursor_field));
  std::string copy(body);
  return reader.Read(copy);
}

bool CursorLess(const std::string& a, const std::string& b) {
  const std::optional<double> left = AsNumber(a);
  const std::optional<double> right = AsNumber(b);
  if (left && right) return *left < *right;
  return a < b;
}

std::string Excerpt(std::string_view text, size_t limit) {
  std::string excerpt;
  size_t at = 0;
  auto escape = [&excerpt](unsigned char byte) {
    constexpr char kHex[] = "0123456789abcdef";
    excerpt += "\\x";
    excerpt += kHex[byte >> 4];
    excerpt += kHex[byte & 0xf];
  };
  while (at < text.size() && at < limit) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x80) {
      if (byte < 0x20 && byte != '\n' && byte != '\t') {
        escape(byte);
      } else {
        excerpt += static_cast<char>(byte);
      }
      ++at;
      continue;
    }
    // A UTF-8 sequence is copied whole when valid (no overlong forms, surrogates or code points
    // past U+10FFFF, as simdjson checks), else its first byte is escaped.
    const size_t length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 ? 2 : 0;
    bool valid = length > 0 && byte <= 0xf4 && at + length <= text.size();
    for (size_t i = 1; valid && i < length; ++i) {
      valid = (static_cast<unsigned char>(text[at + i]) & 0xc0) == 0x80;
    }
    if (valid && length >= 3) {
      const auto second = static_cast<unsigned char>(text[at + 1]);
      valid = !(byte == 0xe0 && second < 0xa0) && !(byte == 0xed && second >= 0xa0) &&
              !(byte == 0xf0 && second < 0x90) && !(byte == 0xf4 && second >= 0x90);
    }
    if (valid) {
      excerpt.append(text.substr(at, length));
      at += length;
    } else {
      escape(byte);
      ++at;
    }
  }
  if (at < text.size()) excerpt += "...";
  return excerpt;
}

}  // namespace orc
