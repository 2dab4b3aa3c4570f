// HOST:PORT addresses, as given to --bind.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace orc {

struct HostPort {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  int port = 0;      // 0 asks the OS for a free port

  // "host:port", with brackets around an IPv6 host.
  std::string ToString() const;
};

// Parses "HOST:PORT" or "[IPV6]:PORT". InvalidArgument naming the text and the fault otherwise.
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace orc
