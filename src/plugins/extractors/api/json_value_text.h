// LocateValue: the value at a dot path in a parsed JSON document, with the exact text it has in the
// document, so that records found under a path reach DuckDB as the API wrote them without being
// written out again from the parsed values (which costs about twice the parse).
//
// The text is found by walking it from both ends: forwards from the start to the value's first
// byte, backwards from the end to its last, counting members in the parsed document. Only what
// lies outside the value is read, however large the value; each byte at most once. The walk trusts
// the text to be the JSON simdjson parsed (it checks no syntax) but never reads outside it: on text
// that does not fit it gives no text rather than a wrong one.
//
// Pure functions; thread-safe on distinct documents.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string_view>

namespace orc {

struct LocatedValue {
  simdjson::dom::element value;
  std::string_view text;  // empty when the walk could not place it
};

// The value at `path` in `root`, which simdjson parsed from `text`: dot-separated object keys
// (matched unescaped; the first of duplicate keys wins) or decimal indexes into arrays, as the
// tokens of a JSON pointer. `path` must not be empty. nullopt when the document has no such value.
std::optional<LocatedValue> LocateValue(simdjson::dom::element root, std::string_view text,
                                        std::string_view path);

}  // namespace orc
