// NetworkPolicy: the addresses the api extractor may connect to.
//
// An upstream URL comes from a job's configuration and, through redirects and pagination links,
// from the upstream itself, so by default orc connects only to public addresses: not to loopback,
// private networks, link-local, cloud metadata endpoints and the other special-purpose ranges
// listed at AddressKind, nor to their IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 forms.
// The operator relaxes that per host (allowed_hosts: --allow-host) or for every private address
// (allow_private). HttpFetcher applies the policy to each address it is about to connect to, so a
// name that resolves (or re-resolves) to a refused address is refused too.
//
// Plain values and pure functions: thread-safe; a policy is read-only while requests use it.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orc {

struct AllowedHost {
  std::string host;         // a name or an IP literal (IPv6 without brackets); any case
  std::optional<int> port;  // nullopt: every port
};

struct NetworkPolicy {
  // A URL whose host (and port, when the entry names one) is listed here may connect to any
  // address, private or not.
  std::vector<AllowedHost> allowed_hosts;
  // Every non-public address is allowed except cloud metadata endpoints, which only allowed_hosts
  // can open: they hand out the machine's credentials.
  bool allow_private = false;
};

enum class AddressKind {
  kPublic,
  kUnspecified,  // 0.0.0.0/8, :: (a connect to them reaches the local host)
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10, 64:ff9b:1::/48
  kShared,       // 100.64.0.0/10 (carrier-grade NAT)
  kLinkLocal,    // 169.254.0.0/16, fe80::/10
  kMetadata,     // 169.254.169.254, 169.254.170.2, 100.100.100.200, fd00:ec2::254
  kMulticast,    // 224.0.0.0/4, ff00::/8
  kBroadcast,    // 255.255.255.255
  kReserved,     // documentation, benchmarking, 240/4, Teredo, IPv6 outside 2000::/3...
};

// "loopback", "private", "cloud metadata"... for messages.
std::string_view AddressKindName(AddressKind kind);

// The kind of an IPv4 or IPv6 socket address; an IPv4 address embedded in IPv6 (mapped,
// compatible, NAT64, 6to4) is classified as that IPv4 address. Other families are kReserved.
AddressKind ClassifyAddress(const sockaddr& address);

// The kind of an IP literal ("10.1.2.3", "::ffff:127.0.0.1"); nullopt when it is not one.
std::optional<AddressKind> ClassifyIpLiteral(const std::string& text);

// Whether `policy` lets a URL naming `host` (a name or IP literal, IPv6 with or without brackets)
// and `port` connect to an address of `kind`.
bool AddressAllowed(const NetworkPolicy& policy, std::string_view host, int port, AddressKind kind);

// Parses an --allow-host value: "HOST", "HOST:PORT", "IPV6" or "[IPV6]:PORT". InvalidArgument
// naming the text otherwise.
Result<AllowedHost> ParseAllowedHost(std::string_view text);

}  // namespace orc
