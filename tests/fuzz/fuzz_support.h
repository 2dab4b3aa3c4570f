// What the fuzz targets (tests/fuzz/*_fuzzer.cc) share: a check that crashes when a property does
// not hold, and a reader that takes choices and text from the fuzzer's bytes.
//
// Every target is built twice: with libFuzzer (`make fuzz`, clang) and with replay_main.cc (the
// normal test build, which replays the checked-in corpus under ctest). A failed FUZZ_CHECK prints
// the property and the values at fault, then traps, which both report as a crash of that input.
// Header-only; FuzzInput is a plain cursor over bytes the caller owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/status.h"

// Crashes (trap) with `detail` (a std::string, built only on failure) when `condition` is false.
#define FUZZ_CHECK(condition, detail)                                            \
  do {                                                                           \
    if (!(condition)) ::orc::fuzz::Fail(__FILE__, __LINE__, #condition, detail); \
  } while (0)

namespace orc::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* condition,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n  %s\n", file, line, condition,
               detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// Whether `status` reports bad input: InvalidArgument, or ResourceExhausted for input past a
// documented limit. Anything else (Internal, above all) from a parser of input is a bug.
inline bool IsInputError(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ||
         status.code() == StatusCode::kResourceExhausted;
}

// Reads a fuzz input from the front: single bytes for choices, then text.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : text_(reinterpret_cast<const char*>(data), size) {}

  // The next byte, or 0 when none is left.
  uint8_t Byte() {
    if (text_.empty()) return 0;
    const auto byte = static_cast<uint8_t>(text_.front());
    text_.remove_prefix(1);
    return byte;
  }

  // One of `choices`, picked by the next byte.
  template <typename T, size_t N>
  const T& Pick(const T (&choices)[N]) {
    return choices[Byte() % N];
  }

  // The text up to the next `separator` (all that is left when there is none); the separator is
  // consumed.
  std::string_view Until(char separator) {
    const size_t end = text_.find(separator);
    const std::string_view part = text_.substr(0, end);
    text_.remove_prefix(end == std::string_view::npos ? text_.size() : end + 1);
    return part;
  }

  bool empty() const { return text_.empty(); }

  // All that is left.
  std::string_view Rest() {
    const std::string_view rest = text_;
    text_ = {};
    return rest;
  }

 private:
  std::string_view text_;
};

}  // namespace orc::fuzz
