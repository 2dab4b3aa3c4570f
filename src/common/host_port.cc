#include "common/host_port.h"

#include <charconv>

namespace orc {
namespace {

constexpr int kMaxPort = 65535;

Status Malformed(std::string_view text, std::string_view why) {
  std::string message = "invalid address '";
  message.append(text).append("': ").append(why);
  message.append(" (expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080)");
  return InvalidArgumentError(std::move(message));
}

}  // namespace

std::string HostPort::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Malformed(text, "no ':PORT'");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Malformed(text, "an IPv6 host must be in brackets");
  }
  if (host.empty()) return Malformed(text, "no host");
  for (const char c : host) {
    if (c <= ' ' || c == '/' || c == '[' || c == ']' || c == '@') {
      return Malformed(text, "the host contains a character no host name or address has");
    }
  }

  int port = -1;
  const char* end = port_text.data() + port_text.size();
  auto [ptr, error] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || error != std::errc() || ptr != end) {
    return Malformed(text, "the port is not a number");
  }
  if (port < 0 || port > kMaxPort) return Malformed(text, "the port must be 0 to 65535");
  return HostPort{std::string(host), port};
}

}  // namespace orc
