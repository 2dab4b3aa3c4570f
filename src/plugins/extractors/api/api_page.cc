#include "plugins/extractors/api/api_page.h"

#include <simdjson.h>

#include <charconv>

namespace orc {
namespace {

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

// A scalar as text: strings unquoted, numbers and booleans as written; nullopt for null and for
// objects and arrays.
std::optional<std::string> ScalarText(simdjson::ondemand::value value) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return std::nullopt;
  switch (type) {
    case simdjson::ondemand::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) return std::nullopt;
      return std::string(text);
    }
    case simdjson::ondemand::json_type::number:
    case simdjson::ondemand::json_type::boolean: {
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                              raw.back() == '\t' || raw.back() == ',')) {
        raw.remove_suffix(1);
      }
      return std::string(raw);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

struct ApiPageReader::Parser {
  simdjson::ondemand::parser parser;
};

ApiPageReader::ApiPageReader(std::string records_path, std::string token_path,
                             std::string cursor_field)
    : records_path_(std::move(records_path)),
      records_pointer_(PointerOf(records_path_)),
      token_pointer_(PointerOf(token_path)),
      cursor_field_(std::move(cursor_field)),
      parser_(std::make_unique<Parser>()) {}

ApiPageReader::~ApiPageReader() = default;

Result<ApiPage> ApiPageReader::Read(std::string& body) {
  const size_t length = body.size();
  body.reserve(length + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document document;
  auto not_json = [&body](std::string_view why) {
    return InvalidArgumentError(std::string("the response is not JSON (") + std::string(why) +
                                "): " + Excerpt(body));
  };
  if (auto error = parser_->parser.iterate(body.data(), length, body.capacity()).get(document)) {
    return not_json(simdjson::error_message(error));
  }
  // On-demand parsing checks only what it reads: catch an HTML or text page at its first byte.
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return not_json("empty body");
  if (std::string_view("[{\"-0123456789tfn").find(body[first]) == std::string_view::npos) {
    return not_json(std::string("starts with '") + body[first] + "'");
  }
  ApiPage page;
  if (!token_pointer_.empty()) {
    simdjson::ondemand::value token;
    if (!document.at_pointer(token_pointer_).get(token)) page.next_token = ScalarText(token);
  }

  // The value at records_path (the whole document when empty); callable again to start over.
  auto locate = [&](simdjson::ondemand::value& out) -> simdjson::error_code {
    if (!records_pointer_.empty()) return document.at_pointer(records_pointer_).get(out);
    document.rewind();
    return document.get_value().get(out);
  };
  simdjson::ondemand::value records;
  simdjson::error_code error = locate(records);
  if (error == simdjson::SCALAR_DOCUMENT_AS_VALUE) {
    return InvalidArgumentError("the response is neither an array of records nor one record: " +
                                Excerpt(body));
  }
  if (error == simdjson::NO_SUCH_FIELD || error == simdjson::INVALID_JSON_POINTER ||
      error == simdjson::INCORRECT_TYPE || error == simdjson::INDEX_OUT_OF_BOUNDS) {
    return InvalidArgumentError("records_path " + records_path_ +
                                " is not in the response: " + Excerpt(body));
  }
  if (error) return not_json(simdjson::error_message(error));
  simdjson::ondemand::json_type type;
  if (records.type().get(type)) return not_json("unreadable value");
  if (type == simdjson::ondemand::json_type::null) return page;
  if (type != simdjson::ondemand::json_type::array &&
      type != simdjson::ondemand::json_type::object) {
    return InvalidArgumentError(
        (records_path_.empty() ? std::string("the response") : "records_path " + records_path_) +
        " is neither an array of records nor one record: " + Excerpt(body));
  }
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    std::string_view raw;
    if (records.get_object().get(object) || object.raw_json().get(raw)) {
      return not_json("unreadable object");
    }
    page.records = 1;
    page.records_json = "[" + std::string(raw) + "]";
    // The one record's cursor field, from the start again.
    simdjson::ondemand::value record;
    simdjson::ondemand::value field;
    if (!cursor_field_.empty() && !locate(record) &&
        !record.find_field_unordered(cursor_field_).get(field)) {
      page.max_cursor = ScalarText(field);
    }
    return page;
  }

  simdjson::ondemand::array array;
  if (records.get_array().get(array)) return not_json("unreadable array");
  // One pass over the records: count them, note keys not seen on earlier pages, and find the
  // highest cursor value when asked. Most records repeat the keys of the one before, which is
  // checked first, so the set of known keys is rarely consulted.
  for (auto element : array) {
    simdjson::ondemand::object object;
    if (element.get_object().get(object)) {
      ++page.records;  // not an object: DuckDB reads it as a value of its own
      continue;
    }
    ++page.records;
    size_t index = 0;
    for (auto member : object) {
      simdjson::ondemand::field field;
      std::string_view key;
      if (std::move(member).get(field) || field.unescaped_key().get(key)) {
        return not_json("unreadable record");
      }
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
        std::optional<std::string> value = ScalarText(field.value());
        if (value && (!page.max_cursor || CursorLess(*page.max_cursor, *value))) {
          page.max_cursor = std::move(value);
        }
      }
    }
  }
  ++pages_read_;
  if (page.records == 0) return page;
  // Again from the start, now for the array's exact text.
  simdjson::ondemand::value again;
  simdjson::ondemand::array again_array;
  std::string_view raw;
  if (locate(again) || again.get_array().get(again_array) || again_array.raw_json().get(raw)) {
    return not_json("unreadable array");
  }
  page.records_json = std::string(raw);
  return page;
}

bool CursorLess(const std::string& a, const std::string& b) {
  const std::optional<double> left = AsNumber(a);
  const std::optional<double> right = AsNumber(b);
  if (left && right) return *left < *right;
  return a < b;
}

std::string Excerpt(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  return text.substr(0, limit) + "...";
}

}  // namespace orc
