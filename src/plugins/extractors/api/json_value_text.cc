#include "plugins/extractors/api/json_value_text.h"

#include <string>
#include <vector>

namespace orc {
namespace {

constexpr size_t npos = std::string_view::npos;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Steps over the text of valid JSON. Forwards, a position is a value's first byte; backwards, one
// past its last. Every step answers npos when the text is not what it expects, and passes npos on.
class Walk {
 public:
  explicit Walk(std::string_view text) : text_(text) {}

  size_t SkipSpace(size_t at) const {
    while (at < text_.size() && IsSpace(text_[at])) ++at;
    return at >= text_.size() ? npos : at;
  }
  size_t Expect(size_t at, char c) const {
    return at < text_.size() && text_[at] == c ? at + 1 : npos;
  }
  // From an opening quote to past the closing one.
  size_t SkipString(size_t at) const {
    if (Expect(at, '"') == npos) return npos;
    for (++at; at < text_.size(); ++at) {
      if (text_[at] == '\\') {
        ++at;  // the escaped byte (a \uXXXX's hex digits need no care)
      } else if (text_[at] == '"') {
        return at + 1;
      }
    }
    return npos;
  }
  size_t SkipValue(size_t at) const {
    if (at >= text_.size()) return npos;
    if (text_[at] == '"') return SkipString(at);
    if (text_[at] != '[' && text_[at] != '{') {
      while (at < text_.size() && !IsSpace(text_[at]) && text_[at] != ',' && text_[at] != ']' &&
             text_[at] != '}') {
        ++at;
      }
      return at;
    }
    size_t depth = 0;
    bool in_string = false;
    for (; at < text_.size(); ++at) {
      const char c = text_[at];
      if (in_string) {
        if (c == '\\') {
          ++at;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && --depth == 0) {
        return at + 1;
      }
    }
    return npos;
  }
  // From a container's opening bracket to the first byte of its member `index` (of its value, in
  // an object).
  size_t SkipMembers(size_t at, size_t index, bool object) const {
    at = SkipSpace(Expect(at, object ? '{' : '['));
    for (size_t member = 0; at != npos; ++member) {
      if (object) at = SkipSpace(Expect(SkipSpace(SkipString(at)), ':'));
      if (member == index || at == npos) return at;
      at = SkipSpace(Expect(SkipSpace(SkipValue(at)), ','));
    }
    return npos;
  }

  size_t SkipSpaceBack(size_t end) const {
    if (end > text_.size()) return npos;
    while (end > 0 && IsSpace(text_[end - 1])) --end;
    return end;
  }
  size_t ExpectBack(size_t end, char c) const {
    return end != npos && end > 0 && end <= text_.size() && text_[end - 1] == c ? end - 1 : npos;
  }
  // From past a closing quote to the opening one: the first quote before it that no odd run of
  // backslashes escapes (outside strings, JSON has no backslashes).
  size_t SkipStringBack(size_t end) const {
    if (ExpectBack(end, '"') == npos) return npos;
    for (size_t at = end - 1; at > 0;) {
      --at;
      if (text_[at] != '"') continue;
      size_t backslashes = 0;
      while (backslashes < at && text_[at - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return at;
    }
    return npos;
  }
  size_t SkipValueBack(size_t end) const {
    if (end == npos || end == 0 || end > text_.size()) return npos;
    const char last = text_[end - 1];
    if (last == '"') return SkipStringBack(end);
    if (last != ']' && last != '}') {
      while (end > 0 && !IsSpace(text_[end - 1]) && text_[end - 1] != ',' &&
             text_[end - 1] != ':' && text_[end - 1] != '[' && text_[end - 1] != '{') {
        --end;
      }
      return end;
    }
    size_t depth = 0;
    while (end > 0) {
      const char c = text_[end - 1];
      if (c == '"') {
        end = SkipStringBack(end);
        if (end == npos) return npos;
        continue;
      }
      --end;
      if (c == ']' || c == '}') {
        ++depth;
      } else if ((c == '[' || c == '{') && --depth == 0) {
        return end;
      }
    }
    return npos;
  }
  // From past a container's closing bracket to past the last byte of the member that has `after`
  // members after it.
  size_t SkipMembersBack(size_t end, size_t after, bool object) const {
    end = SkipSpaceBack(ExpectBack(end, object ? '}' : ']'));
    for (size_t member = 0; member < after && end != npos; ++member) {
      end = SkipSpaceBack(SkipValueBack(end));
      if (object) end = SkipSpaceBack(SkipStringBack(SkipSpaceBack(ExpectBack(end, ':'))));
      end = SkipSpaceBack(ExpectBack(end, ','));
    }
    return end;
  }

 private:
  std::string_view text_;
};

// Where one step of the path goes: the member's position in its container and how many follow.
struct Step {
  bool object = false;
  size_t index = 0;
  size_t after = 0;
};

// JSON pointer's array index: decimal digits without a leading zero.
std::optional<size_t> IndexOf(std::string_view token) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0') ||
      token.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::stoull(std::string(token)));
}

}  // namespace

std::optional<LocatedValue> LocateValue(simdjson::dom::element root, std::string_view text,
                                        std::string_view path) {
  std::vector<Step> steps;
  simdjson::dom::element value = root;
  for (size_t start = 0; start <= path.size();) {
    const size_t dot = std::min(path.find('.', start), path.size());
    const std::string_view token = path.substr(start, dot - start);
    start = dot + 1;
    Step step;
    bool found = false;
    simdjson::dom::element next;
    simdjson::dom::object object;
    simdjson::dom::array array;
    if (!value.get(object)) {
      step.object = true;
      for (const simdjson::dom::key_value_pair member : object) {
        if (found) {
          ++step.after;
        } else if (member.key == token) {
          found = true;
          next = member.value;
        } else {
          ++step.index;
        }
      }
    } else if (!value.get(array)) {
      const std::optional<size_t> index = IndexOf(token);
      if (!index) return std::nullopt;
      step.index = *index;
      size_t position = 0;
      for (const simdjson::dom::element element : array) {
        if (position == *index) {
          found = true;
          next = element;
        } else if (position > *index) {
          ++step.after;
        }
        ++position;
      }
    }
    if (!found) return std::nullopt;
    value = next;
    steps.push_back(step);
  }

  const Walk walk(text);
  size_t start = walk.SkipSpace(0);
  size_t end = walk.SkipSpaceBack(text.size());
  for (const Step& step : steps) {
    if (start != npos) start = walk.SkipMembers(start, step.index, step.object);
    if (end != npos) end = walk.SkipMembersBack(end, step.after, step.object);
  }
  if (start == npos || end == npos || start >= end) return LocatedValue{value, {}};
  return LocatedValue{value, text.substr(start, end - start)};
}

}  // namespace orc
