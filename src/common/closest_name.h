// Did-you-mean for names a person typed: the known name a typo most likely meant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace orc {

// The allowed name closest to `name` when it is close enough to be a typo (an edit distance of at
// most a third of its length, and at least 1), or "" when none is. Names longer than 64 bytes are
// nobody's typo: "" too, so that a hostile name costs nothing.
std::string ClosestName(std::string_view name, const std::vector<std::string>& allowed);

// The number of single-character insertions, deletions, substitutions and swaps of two neighbours
// from `a` to `b` (the optimal string alignment distance: "paht" is 1 from "path").
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace orc
