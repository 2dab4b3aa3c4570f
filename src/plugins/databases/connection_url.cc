#include "plugins/databases/connection_url.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "plugins/extractors/api/network_policy.h"

namespace orc {
namespace {

Status BadUrl(std::string_view what) { return InvalidArgumentError("url " + std::string(what)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `text` percent-decoded; nullopt on a malformed escape or a NUL byte (no C library takes one).
std::optional<std::string> Decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    decoded += c;
  }
  return decoded;
}

bool LooksSecret(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower.find("pass") != std::string::npos || lower.find("secret") != std::string::npos ||
         lower.find("key") != std::string::npos || lower.find("token") != std::string::npos;
}

// Kinds of address a database plugin reaches without the operator listing the host.
bool DatabaseKindAllowed(AddressKind kind) {
  return kind == AddressKind::kPublic || kind == AddressKind::kLoopback ||
         kind == AddressKind::kPrivate || kind == AddressKind::kShared;
}

}  // namespace

std::string ConnectionUrl::Redacted() const {
  std::string text = scheme + "://";
  if (!user.empty()) text += user + (password.empty() ? "" : ":***") + "@";
  text += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  text += ":" + std::to_string(port);
  if (!database.empty()) text += "/" + database;
  for (size_t i = 0; i < params.size(); ++i) {
    text += (i == 0 ? "?" : "&") + params[i].first + "=" +
            (LooksSecret(params[i].first) ? "***" : params[i].second);
  }
  return text;
}

std::string ConnectionUrl::Param(std::string_view key, std::string fallback) const {
  for (const auto& [name, value] : params) {
    if (name == key) return value;
  }
  return fallback;
}

Result<ConnectionUrl> ParseConnectionUrl(std::string_view url,
                                         const std::vector<std::string>& schemes,
                                         int default_port) {
  std::string expected;
  for (const std::string& scheme : schemes) expected += (expected.empty() ? "" : " or ") + scheme;
  const std::string shape =
      " (expected " + schemes.front() + "://USER:PASSWORD@HOST:PORT/DATABASE?KEY=VALUE&...)";
  ConnectionUrl parsed;
  const size_t separator = url.find("://");
  if (separator == std::string_view::npos) return BadUrl("has no scheme" + shape);
  parsed.scheme = std::string(url.substr(0, separator));
  if (std::find(schemes.begin(), schemes.end(), parsed.scheme) == schemes.end()) {
    return BadUrl("must start with " + expected + "://" + shape);
  }
  std::string_view rest = url.substr(separator + 3);
  std::string_view query;
  if (const size_t mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  std::string_view path;
  // The user-info may hold '/' (an unencoded password); the authority ends at the first '/'
  // after the last '@'.
  const size_t at = rest.rfind('@');
  const size_t slash = rest.find('/', at == std::string_view::npos ? 0 : at);
  if (slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (at != std::string_view::npos) {
    const std::string_view user_info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = user_info.find(':');
    std::optional<std::string> user = Decode(user_info.substr(0, colon));
    std::optional<std::string> password =
        colon == std::string_view::npos ? std::string() : Decode(user_info.substr(colon + 1));
    if (!user || !password) return BadUrl("has a malformed %-escape in its user or password");
    parsed.user = std::move(*user);
    parsed.password = std::move(*password);
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return BadUrl("has an IPv6 host without ']'" + shape);
    parsed.host = std::string(rest.substr(1, close - 1));
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return BadUrl("has text after ']'" + shape);
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const size_t colon = rest.find(':');
    parsed.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (parsed.host.empty()) return BadUrl("names no host" + shape);
  if (parsed.host.find_first_of("/\\ \t\r\n%@,") != std::string::npos) {
    return BadUrl("has a host that is neither a name nor an IP address" + shape);
  }
  parsed.port = default_port;
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return BadUrl("has a port that is not a number from 1 to 65535");
    }
    parsed.port = port;
  }
  std::optional<std::string> database = Decode(path);
  if (!database) return BadUrl("has a malformed %-escape in its database name");
  parsed.database = std::move(*database);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    std::optional<std::string> key = Decode(pair.substr(0, equals));
    std::optional<std::string> value =
        equals == std::string_view::npos ? std::string() : Decode(pair.substr(equals + 1));
    if (!key || !value || key->empty()) return BadUrl("has a malformed parameter");
    parsed.params.emplace_back(std::move(*key), std::move(*value));
  }
  return parsed;
}

Result<std::string> ResolveDatabaseHost(const std::string& host, int port,
                                        const NetworkPolicy* policy) {
  const NetworkPolicy none;
  const NetworkPolicy& operator_policy = policy != nullptr ? *policy : none;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int error = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); error != 0) {
    return UnavailableError("cannot resolve database host " + host + ": " + gai_strerror(error));
  }
  std::string refused;
  std::string address;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    const AddressKind kind = ClassifyAddress(*entry->ai_addr);
    char text[NI_MAXHOST] = {};
    if (getnameinfo(entry->ai_addr, entry->ai_addrlen, text, sizeof text, nullptr, 0,
                    NI_NUMERICHOST) != 0) {
      continue;
    }
    if (DatabaseKindAllowed(kind) || AddressAllowed(operator_policy, host, port, kind)) {
      address = text;
      break;
    }
    if (refused.empty()) {
      refused = std::string(text) + " (" + std::string(AddressKindName(kind)) + ")";
    }
  }
  freeaddrinfo(found);
  if (!address.empty()) return address;
  if (refused.empty()) return UnavailableError("database host " + host + " has no address");
  return PermissionDeniedError("database host " + host + " resolves to " + refused +
                               ", which database plugins may not reach; an operator who means "
                               "it lists the host with --allow-host " +
                               host);
}

}  // namespace orc
