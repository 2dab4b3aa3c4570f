// DuckDB's error messages made short enough to read once in a log line, a run's error and a CLI
// summary, on one line: without the echo of the statement (the "LINE 1: ..." line and the caret
// under it), without the dump of a CSV reader's settings, and with the "Possible fixes" list
// reduced to the options it names.
#pragma once

#include <string>
#include <string_view>

namespace orc {

// `message` shortened as above: its remaining lines joined ("; " after a line that ends without
// punctuation, else a space), each cut at kMaxDuckDbLine bytes and all at kMaxDuckDbMessage (on a
// UTF-8 character's boundary, "..." added); a "Possible fixes" list becomes " Possible fixes:
// name=value, name=value" at the end (the bullets naming no option dropped). Text without any of
// that comes back with only its line breaks joined.
std::string ShortDuckDbMessage(std::string_view message);

inline constexpr size_t kMaxDuckDbLine = 200;
inline constexpr size_t kMaxDuckDbMessage = 1000;

// The prefix of the fixes ShortDuckDbMessage lists, for whoever maps them to its own options.
inline constexpr std::string_view kPossibleFixes = " Possible fixes: ";

}  // namespace orc
