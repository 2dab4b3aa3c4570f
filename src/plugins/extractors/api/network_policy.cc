#include "plugins/extractors/api/network_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace orc {
namespace {

// Whether the top `bits` of `address` are those of `network`.
constexpr bool InV4(uint32_t address, uint32_t network, int bits) {
  return (address >> (32 - bits)) == (network >> (32 - bits));
}

constexpr uint32_t V4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

// IANA's IPv4 special-purpose registry, as far as a connect can reach it.
AddressKind ClassifyV4(uint32_t address) {
  if (address == V4(169, 254, 169, 254) || address == V4(169, 254, 170, 2) ||
      address == V4(100, 100, 100, 200)) {
    return AddressKind::kMetadata;
  }
  if (address == V4(255, 255, 255, 255)) return AddressKind::kBroadcast;
  if (InV4(address, V4(0, 0, 0, 0), 8)) return AddressKind::kUnspecified;
  if (InV4(address, V4(127, 0, 0, 0), 8)) return AddressKind::kLoopback;
  if (InV4(address, V4(10, 0, 0, 0), 8) || InV4(address, V4(172, 16, 0, 0), 12) ||
      InV4(address, V4(192, 168, 0, 0), 16)) {
    return AddressKind::kPrivate;
  }
  if (InV4(address, V4(100, 64, 0, 0), 10)) return AddressKind::kShared;
  if (InV4(address, V4(169, 254, 0, 0), 16)) return AddressKind::kLinkLocal;
  if (InV4(address, V4(224, 0, 0, 0), 4)) return AddressKind::kMulticast;
  if (InV4(address, V4(240, 0, 0, 0), 4) || InV4(address, V4(192, 0, 0, 0), 24) ||
      InV4(address, V4(192, 0, 2, 0), 24) || InV4(address, V4(192, 88, 99, 0), 24) ||
      InV4(address, V4(198, 18, 0, 0), 15) || InV4(address, V4(198, 51, 100, 0), 24) ||
      InV4(address, V4(203, 0, 113, 0), 24)) {
    return AddressKind::kReserved;
  }
  return AddressKind::kPublic;
}

using V6Bytes = std::array<uint8_t, 16>;

uint32_t V4At(const V6Bytes& bytes, size_t at) {
  return uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 | uint32_t{bytes[at + 2]} << 8 |
         uint32_t{bytes[at + 3]};
}

bool ZeroBetween(const V6Bytes& bytes, size_t from, size_t to) {
  return std::all_of(bytes.begin() + from, bytes.begin() + to, [](uint8_t b) { return b == 0; });
}

// IANA's IPv6 special-purpose registry; what embeds an IPv4 address is judged by that address,
// since the connect reaches it (the kernel for mapped addresses, a NAT64 or 6to4 gateway else).
AddressKind ClassifyV6(const V6Bytes& bytes) {
  if (ZeroBetween(bytes, 0, 15)) {
    if (bytes[15] == 0) return AddressKind::kUnspecified;
    if (bytes[15] == 1) return AddressKind::kLoopback;
  }
  if (ZeroBetween(bytes, 0, 10) && bytes[10] == 0xff && bytes[11] == 0xff) {
    return ClassifyV4(V4At(bytes, 12));  // ::ffff:a.b.c.d, mapped
  }
  if (ZeroBetween(bytes, 0, 12)) return ClassifyV4(V4At(bytes, 12));  // ::a.b.c.d, compatible
  const uint16_t first = uint16_t(bytes[0] << 8 | bytes[1]);
  const uint16_t second = uint16_t(bytes[2] << 8 | bytes[3]);
  if (first == 0x0064 && second == 0xff9b) {
    if (ZeroBetween(bytes, 4, 12)) return ClassifyV4(V4At(bytes, 12));  // NAT64 64:ff9b::/96
    if (bytes[4] == 0 && bytes[5] == 1) return AddressKind::kPrivate;   // 64:ff9b:1::/48
  }
  if (first == 0x2002) return ClassifyV4(V4At(bytes, 2));  // 6to4 2002:a.b.c.d::/48
  const V6Bytes aws_metadata = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (bytes == aws_metadata) return AddressKind::kMetadata;
  if ((bytes[0] & 0xfe) == 0xfc) return AddressKind::kPrivate;  // fc00::/7, unique local
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return AddressKind::kLinkLocal;
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0) return AddressKind::kPrivate;  // site-local
  if (bytes[0] == 0xff) return AddressKind::kMulticast;
  // Teredo (2001::/32), documentation (2001:db8::/32) and everything outside global unicast.
  if ((first == 0x2001 && second == 0x0000) || (first == 0x2001 && second == 0x0db8) ||
      (bytes[0] & 0xe0) != 0x20) {
    return AddressKind::kReserved;
  }
  return AddressKind::kPublic;
}

// Lower case, without IPv6 brackets and without the trailing dot of a fully qualified name.
std::string NormalizedHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  std::string normalized(host);
  std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return normalized;
}

Status BadAllowedHost(std::string_view text, std::string_view why) {
  std::string message = "invalid allowed host '";
  message.append(text).append("': ").append(why);
  message.append(" (expected HOST, HOST:PORT, IPV6 or [IPV6]:PORT, e.g. api.internal:8443)");
  return InvalidArgumentError(std::move(message));
}

}  // namespace

std::string_view AddressKindName(AddressKind kind) {
  switch (kind) {
    case AddressKind::kPublic:
      return "public";
    case AddressKind::kUnspecified:
      return "unspecified";
    case AddressKind::kLoopback:
      return "loopback";
    case AddressKind::kPrivate:
      return "private";
    case AddressKind::kShared:
      return "shared (carrier-grade NAT)";
    case AddressKind::kLinkLocal:
      return "link-local";
    case AddressKind::kMetadata:
      return "cloud metadata";
    case AddressKind::kMulticast:
      return "multicast";
    case AddressKind::kBroadcast:
      return "broadcast";
    case AddressKind::kReserved:
      return "reserved";
  }
  return "reserved";
}

AddressKind ClassifyAddress(const sockaddr& address) {
  if (address.sa_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    return ClassifyV4(ntohl(v4.sin_addr.s_addr));
  }
  if (address.sa_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    V6Bytes bytes;
    std::copy_n(v6.sin6_addr.s6_addr, bytes.size(), bytes.begin());
    return ClassifyV6(bytes);
  }
  return AddressKind::kReserved;
}

std::optional<AddressKind> ClassifyIpLiteral(const std::string& text) {
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return ClassifyV4(ntohl(v4.s_addr));
  in6_addr v6{};
  const std::string bare = NormalizedHost(text);
  if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    V6Bytes bytes;
    std::copy_n(v6.s6_addr, bytes.size(), bytes.begin());
    return ClassifyV6(bytes);
  }
  return std::nullopt;
}

bool AddressAllowed(const NetworkPolicy& policy, std::string_view host, int port,
                    AddressKind kind) {
  if (kind == AddressKind::kPublic) return true;
  if (policy.allow_private && kind != AddressKind::kMetadata) return true;
  const std::string normalized = NormalizedHost(host);
  return std::any_of(policy.allowed_hosts.begin(), policy.allowed_hosts.end(),
                     [&](const AllowedHost& allowed) {
                       return NormalizedHost(allowed.host) == normalized &&
                              (!allowed.port || *allowed.port == port);
                     });
}

Result<AllowedHost> ParseAllowedHost(std::string_view text) {
  std::string_view host = text;
  std::optional<std::string_view> port_text;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return BadAllowedHost(text, "no ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return BadAllowedHost(text, "text after ']' that is not :PORT");
      port_text = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port_text = text.substr(text.find(':') + 1);
  }  // else a name, an IPv4 address or an IPv6 address without a port
  if (host.empty()) return BadAllowedHost(text, "no host");
  for (const char c : host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '[' || c == ']' || c == '@') {
      return BadAllowedHost(text, "the host contains a character no host name or address has");
    }
  }
  AllowedHost allowed{.host = std::string(host)};
  if (port_text) {
    int port = -1;
    const char* end = port_text->data() + port_text->size();
    const auto [ptr, error] = std::from_chars(port_text->data(), end, port);
    if (port_text->empty() || error != std::errc() || ptr != end || port < 1 || port > 65535) {
      return BadAllowedHost(text, "the port must be a number from 1 to 65535");
    }
    allowed.port = port;
  }
  return allowed;
}

}  // namespace orc
