#include "engine/duckdb_message.h"

#include <vector>

namespace orc {
namespace {

std::string_view Trim(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

// "LINE 12: SELECT ..." as DuckDB echoes the statement that failed.
bool IsStatementEcho(std::string_view line) {
  if (!line.starts_with("LINE ")) return false;
  size_t at = 5;
  while (at < line.size() && line[at] >= '0' && line[at] <= '9') ++at;
  return at > 5 && at < line.size() && line[at] == ':';
}

// The line under the echo that points at the fault: spaces and one caret.
bool IsCaret(std::string_view line) { return Trim(line) == "^"; }

// "  delimiter = , (Auto-Detected)": one of the settings a CSV reader lists after its error.
bool IsReaderSetting(std::string_view line) {
  return line.starts_with("  ") && line.find(" = ") != std::string_view::npos;
}

// The option a "Possible fixes" bullet names: "name=value" from its last parenthesis holding one,
// e.g. "* Enable null padding (null_padding=true) to ..."; empty when it names none.
std::string_view FixOption(std::string_view bullet) {
  for (size_t close = bullet.rfind(')'); close != std::string_view::npos && close > 0;
       close = bullet.rfind(')', close - 1)) {
    const size_t open = bullet.rfind('(', close);
    if (open == std::string_view::npos) return {};
    const std::string_view inside = bullet.substr(open + 1, close - open - 1);
    const size_t equals = inside.find('=');
    if (equals != std::string_view::npos && equals > 0 &&
        inside.find(' ') == std::string_view::npos) {
      return inside;
    }
    if (open == 0) return {};
    close = open;
  }
  return {};
}

// `text` cut at `limit` bytes, on a UTF-8 character's boundary, with "..." when cut.
std::string Cut(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

}  // namespace

std::string ShortDuckDbMessage(std::string_view message) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= message.size();) {
    size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    lines.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  std::string text;
  std::string fixes;
  bool in_fixes = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsStatementEcho(lines[i])) {
      if (i + 1 < lines.size() && IsCaret(lines[i + 1])) ++i;
      continue;
    }
    if (IsReaderSetting(lines[i])) continue;
    const std::string_view line = Trim(lines[i]);
    if (line == "Possible fixes:") {
      in_fixes = true;
      continue;
    }
    if (in_fixes && line.starts_with("* ")) {
      if (const std::string_view option = FixOption(line); !option.empty()) {
        fixes += (fixes.empty() ? "" : ", ") + std::string(option);
      }
      continue;
    }
    in_fixes = false;
    if (line.empty()) continue;
    if (!text.empty()) {
      const char last = text.back();
      text += last == '.' || last == '!' || last == '?' || last == ':' ? " " : "; ";
    }
    text += Cut(line, kMaxDuckDbLine);
  }
  text = Cut(text, kMaxDuckDbMessage);
  if (!fixes.empty()) text += std::string(kPossibleFixes) + fixes;
  return text;
}

}  // namespace orc
