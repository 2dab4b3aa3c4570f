#include "api/bounded_json.h"

#include <algorithm>
#include <new>

namespace orc {
namespace {

using nlohmann::json;

// nlohmann's own DOM builder behind a SAX filter that refuses depth and numbers out of range.
// Returning false from an event stops the parser at once.
class BoundedSax {
 public:
  explicit BoundedSax(json& result) : builder_(result, /*allow_exceptions=*/false) {}

  bool null() { return builder_.null(); }
  bool boolean(bool value) { return builder_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return builder_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return builder_.number_unsigned(value); }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    // nlohmann reads an integer that fits no 64-bit type as a double, losing its digits.
    if (text.find_first_of(".eE") == json::string_t::npos) {
      return Refuse("the integer " + Shorten(text) + " does not fit in 64 bits");
    }
    return builder_.number_float(value, text);
  }
  bool string(json::string_t& value) { return builder_.string(value); }
  bool binary(json::binary_t& value) { return builder_.binary(value); }
  bool start_object(std::size_t size) { return Enter() && builder_.start_object(size); }
  bool key(json::string_t& value) { return builder_.key(value); }
  bool end_object() {
    --depth_;
    return builder_.end_object();
  }
  bool start_array(std::size_t size) { return Enter() && builder_.start_array(size); }
  bool end_array() {
    --depth_;
    return builder_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token, const json::exception& error) {
    constexpr int kNumberOverflow = 406;  // nlohmann's out_of_range.406
    message_ = error.id == kNumberOverflow
                   ? "not accepted: the number " + Shorten(token) + " is out of range"
                   : "not valid JSON at byte " + std::to_string(position) + ": " + error.what();
    return false;
  }

  // Why the parser stopped.
  const std::string& message() const { return message_; }

 private:
  static std::string Shorten(const std::string& text) {
    return text.size() <= 40 ? text : text.substr(0, 40) + "...";
  }
  bool Enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    return Refuse("arrays and objects nest deeper than the limit of " +
                  std::to_string(kMaxJsonDepth) + " levels");
  }
  bool Refuse(const std::string& reason) {
    message_ = "not accepted: " + reason;
    return false;
  }

  nlohmann::detail::json_sax_dom_parser<json> builder_;
  size_t depth_ = 0;
  std::string message_;
};

}  // namespace

Result<json> ParseBoundedJson(std::string_view text) {
  json result;
  BoundedSax sax(result);
  bool parsed = false;
  try {
    parsed = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json,
                             /*strict=*/true, /*ignore_comments=*/false);
  } catch (const json::exception& error) {
    return InvalidArgumentError(std::string("not valid JSON: ") + error.what());  // not expected
  } catch (const std::bad_alloc&) {
    return InvalidArgumentError("not valid JSON: too large to read");
  }
  if (!parsed) return InvalidArgumentError(sax.message());
  return result;
}

size_t JsonTextDepth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace orc
