// Bounded JSON: the one way orc parses JSON that comes from outside (request bodies), and the
// depth check for JSON it stored before these limits existed.
//
// nlohmann's parser is iterative, but much of what handles a parsed value recurses: dump(),
// copies, comparisons, merge_patch(), orc's converters and yaml-cpp's emitter. A value nested
// deeper than kMaxJsonDepth is therefore never built: the parser stops at the first array or
// object past the limit. Numbers that do not fit are refused as well: 1e400 (nlohmann would
// throw) and integers beyond 64 bits (nlohmann would silently turn them into doubles).
//
// Functions only; safe from any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orc {

// How deeply arrays and objects may nest in JSON orc reads (the top-level value is depth 1).
inline constexpr size_t kMaxJsonDepth = 64;

// `text` as JSON, or InvalidArgument "not valid JSON at byte N: <why>" (malformed, nested too
// deeply, a number out of range). Never throws.
Result<nlohmann::json> ParseBoundedJson(std::string_view text);

// How deeply the arrays and objects of JSON `text` nest, found by scanning it (brackets inside
// strings do not count) without building anything. For text that is trusted to be JSON.
size_t JsonTextDepth(std::string_view text);

}  // namespace orc
