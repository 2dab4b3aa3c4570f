#include "plugins/extractors/api/api_page.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
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

// `body` without the byte order mark some servers send: JSON has none, but a parser may ignore
// one (RFC 8259).
std::string_view WithoutByteOrderMark(const std::string& body) {
  const std::string_view text(body);
  return text.substr(text.starts_with("\xEF\xBB\xBF") ? 3 : 0);
}

// Parses `text`, whose buffer has simdjson's padding reserved past its end, with `parser`; the
// document stays valid until the parser parses again or is destroyed. A parser not yet used is
// allocated first, for at least `text` and nesting up to kMaxDepth (later growth keeps that depth).
// ResourceExhausted when memory runs out; InvalidArgument, saying why and quoting the start of
// `text`, when it is not JSON or nests deeper.
Result<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::dom::element document;
  simdjson::error_code error = simdjson::SUCCESS;
  if (parser.capacity() == 0) {
    error =
        parser.allocate(std::max<size_t>(text.size(), size_t{1} << 16), ApiPageReader::kMaxDepth);
  }
  if (!error) error = parser.parse(text.data(), text.size(), false).get(document);
  if (error == simdjson::MEMALLOC) {
    return ResourceExhaustedError("not enough memory to parse a response of " +
                                  std::to_string(text.size()) + " bytes");
  }
  if (error) {
    return InvalidArgumentError("the response is not JSON (" + WhyNotJson(error, text) +
                                "): " + Excerpt(text));
  }
  return document;
}

// The records in `document`, parsed from `text` (the response `body` without a byte order mark),
// and their text as the API sent it: the whole document when `records_path` is empty, else the
// value a walk finds there (its text empty should the walk fail, which it does not on valid
// JSON). InvalidArgument, quoting `body`, when records_path names nothing.
Result<LocatedValue> FindRecords(simdjson::dom::element document, std::string_view text,
                                 const std::string& records_path, const std::string& body) {
  if (records_path.empty()) return LocatedValue{document, Trimmed(text)};
  std::optional<LocatedValue> found = LocateValue(document, text, records_path);
  if (!found) {
    return InvalidArgumentError("records_path " + records_path +
                                " is not in the response: " + Excerpt(body));
  }
  return *found;
}

// The records' text as the API sent it, or written out from the parsed values when the walk
// could not place it.
std::string RecordsJson(const LocatedValue& records) {
  return records.text.empty() ? simdjson::to_string(records.value) : std::string(records.text);
}

// What reading an array of records updates, record by record.
struct RecordScan {
  std::vector<std::string>& previous_keys;      // the keys of the last record, in order
  std::unordered_set<std::string>& known_keys;  // every record key seen so far
  bool report_new_keys;                         // whether a key first seen goes to new_keys
  const std::string& cursor_field;              // empty: no cursor
  ApiPage& page;
};

// Notes the keys of one record and raises the page's max_cursor to its cursor value, in one pass
// over its members. Most records repeat the keys of the one before, which is checked first, so
// the set of known keys is rarely consulted.
void ScanRecord(simdjson::dom::object record, RecordScan& scan) {
  std::vector<std::string>& previous = scan.previous_keys;
  size_t index = 0;
  for (const simdjson::dom::key_value_pair member : record) {
    const std::string_view key = member.key;
    if (index >= previous.size() || previous[index] != key) {
      if (index < previous.size()) {
        previous[index] = key;
      } else {
        previous.emplace_back(key);
      }
      if (scan.known_keys.emplace(key).second && scan.report_new_keys) {
        scan.page.new_keys.emplace_back(key);
      }
    }
    ++index;
    if (!scan.cursor_field.empty() && key == scan.cursor_field) {
      std::optional<std::string> value = ScalarText(member.value);
      std::optional<std::string>& max_cursor = scan.page.max_cursor;
      if (value && (!max_cursor || CursorLess(*max_cursor, *value))) max_cursor = std::move(value);
    }
  }
}

// Fills `page` from a response whose records are one object: one record, wrapped in [ ].
void ReadOneRecord(const LocatedValue& records, const std::string& cursor_field, ApiPage& page) {
  page.records = 1;
  page.records_json = "[" + RecordsJson(records) + "]";
  const simdjson::dom::object object = records.value.get_object().value_unsafe();
  simdjson::dom::element field;
  if (!cursor_field.empty() && !object[cursor_field].get(field)) {
    page.max_cursor = ScalarText(field);
  }
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
  const std::string_view text = WithoutByteOrderMark(body);
  simdjson::dom::parser own_parser;
  simdjson::dom::parser& parser = text.size() <= kReusedParserBytes ? parser_->parser : own_parser;
  ORC_ASSIGN_OR_RETURN(const simdjson::dom::element document, ParseJson(parser, text));

  ApiPage page;
  if (!token_pointer_.empty()) {
    simdjson::dom::element token;
    if (!document.at_pointer(token_pointer_).get(token)) page.next_token = ScalarText(token);
  }
  ORC_ASSIGN_OR_RETURN(const LocatedValue records,
                       FindRecords(document, text, records_path_, body));
  if (records.value.is_null()) return page;
  if (records.value.is_object()) {
    ReadOneRecord(records, cursor_field_, page);
    return page;
  }
  if (!records.value.is_array()) {
    return InvalidArgumentError(
        (records_path_.empty() ? std::string("the response") : "records_path " + records_path_) +
        " is neither an array of records nor one record: " + Excerpt(body));
  }

  // One pass over the records: count them, note keys not seen on earlier pages, and find the
  // highest cursor value when asked.
  RecordScan scan{previous_keys_, known_keys_, pages_read_ > 0, cursor_field_, page};
  const simdjson::dom::array array = records.value.get_array().value_unsafe();
  for (const simdjson::dom::element element : array) {
    ++page.records;
    simdjson::dom::object record;
    if (element.get(record)) continue;  // not an object: DuckDB reads it as a value of its own
    ScanRecord(record, scan);
  }
  ++pages_read_;
  if (page.records == 0) return page;
  page.records_json = RecordsJson(records);
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

namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// `text` without tags (what lies between '<' and '>'), its whitespace runs as one space.
std::string TextOnOneLine(std::string_view text, bool strip_tags) {
  std::string line;
  bool in_tag = false;
  for (const char c : text) {
    if (strip_tags && c == '<') in_tag = true;
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        if (!line.empty() && line.back() != ' ') line += ' ';
      }
      continue;
    }
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space) {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace

std::string BodySnippet(std::string_view body, std::string_view content_type) {
  const std::string type = Lower(content_type);
  const bool textual = type.empty() || type.starts_with("text/") ||
                       type.find("json") != std::string::npos ||
                       type.find("xml") != std::string::npos;
  if (!textual) return "";
  // The snippet comes from the body's start: a huge body is not read further.
  constexpr size_t kLookedAt = 64 * 1024;
  const std::string_view head = body.substr(0, kLookedAt);
  const size_t first = head.find_first_not_of(" \t\r\n");
  const bool html = type.find("html") != std::string::npos ||
                    (first != std::string_view::npos && head[first] == '<');
  if (!html) return Excerpt(TextOnOneLine(head, false), kMaxBodySnippet);
  // A page's title says what its body would, in a few words ("404 Not Found").
  const std::string lower = Lower(head);
  const size_t title = lower.find("<title");
  const size_t title_open = title == std::string::npos ? title : lower.find('>', title);
  const size_t title_close =
      title_open == std::string::npos ? title_open : lower.find("</title", title_open);
  if (title_close != std::string::npos) {
    return Excerpt(TextOnOneLine(head.substr(title_open + 1, title_close - title_open - 1), true),
                   kMaxBodySnippet);
  }
  const size_t body_tag = lower.find("<body");
  return Excerpt(TextOnOneLine(head.substr(body_tag == std::string::npos ? 0 : body_tag), true),
                 kMaxBodySnippet);
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
