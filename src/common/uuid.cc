#include "common/uuid.h"

#include <algorithm>

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace orc {
namespace {

constexpr size_t kUuidBytes = 16;
constexpr size_t kUuidTextLength = 36;
constexpr std::array<size_t, 4> kHyphenPositions = {8, 13, 18, 23};

void FillRandom(uint8_t* buffer, size_t length) {
  size_t filled = 0;
  while (filled < length) {
    const ssize_t got = getrandom(buffer + filled, length - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      // getrandom only fails on a kernel without it (pre-3.17); orc cannot make safe ids there.
      std::abort();
    }
    filled += static_cast<size_t>(got);
  }
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string Format(const std::array<uint8_t, kUuidBytes>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(kUuidTextLength);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[bytes[i] >> 4]);
    text.push_back(kHex[bytes[i] & 0x0F]);
  }
  return text;
}

// Sets the version nibble and the RFC 9562 variant bits.
void Stamp(std::array<uint8_t, kUuidBytes>& bytes, uint8_t version) {
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | (version << 4));
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);
}

}  // namespace

std::string NewUuidV4() {
  std::array<uint8_t, kUuidBytes> bytes;
  FillRandom(bytes.data(), bytes.size());
  Stamp(bytes, 4);
  return Format(bytes);
}

// A version 7 UUID of `time` whose other bits are `bytes`' (NewUuidV7: random; UuidV7Floor: 0).
std::string UuidV7(TimePoint time, std::array<uint8_t, kUuidBytes> bytes) {
  const auto micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count());
  const uint64_t millis = micros / 1000;
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(millis >> (8 * (5 - i)));
  // RFC 9562 method 3: the 12 bits after the version hold the fraction of the millisecond
  // (in 1/4096 ms), so ids sort by time to about a quarter microsecond, not just the millisecond.
  const auto fraction = static_cast<uint16_t>((micros % 1000) * 4096 / 1000);
  bytes[6] = static_cast<uint8_t>(fraction >> 8);  // the low nibble; Stamp sets the version
  bytes[7] = static_cast<uint8_t>(fraction & 0xFF);
  Stamp(bytes, 7);
  return Format(bytes);
}

std::string NewUuidV7(TimePoint time) {
  std::array<uint8_t, kUuidBytes> bytes;
  FillRandom(bytes.data(), bytes.size());
  return UuidV7(time, bytes);
}

std::string UuidV7Floor(TimePoint time) {
  // A time a version 7 id cannot hold (before 1970, or past its 48 bits of milliseconds, in the
  // year 10889) is taken as the nearest one it can, so the ids keep their order with the times.
  const TimePoint earliest{};
  const TimePoint latest =
      earliest + std::chrono::milliseconds((int64_t{1} << 48) - 1) + std::chrono::microseconds(999);
  return UuidV7(std::clamp(time, earliest, latest), {});
}

bool IsUuid(std::string_view text) {
  if (text.size() != kUuidTextLength) return false;
  size_t next_hyphen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (next_hyphen < kHyphenPositions.size() && i == kHyphenPositions[next_hyphen]) {
      if (text[i] != '-') return false;
      ++next_hyphen;
    } else if (!IsHexDigit(text[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace orc
