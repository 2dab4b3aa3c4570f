// ConnectionUrl: the `url` of a database plugin (postgres://, mysql://), read into its parts, and
// the database-host policy every database plugin connects through.
//
//   SCHEME://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE][?KEY=VALUE&...]
//
// USER, PASSWORD, DATABASE and the parameters are percent-decoded; HOST is a name, an IPv4
// literal or a bracketed IPv6 literal. Errors never repeat the URL (it may hold a password); use
// Redacted() to name it.
//
// Database hosts: a database usually lives on loopback or a private network, so unlike the api
// extractor's public-only default, database plugins may connect to loopback, private and shared
// (carrier-grade NAT) addresses. Link-local addresses, cloud metadata endpoints, multicast,
// broadcast, unspecified and reserved addresses stay refused unless the operator lists the host
// (--allow-host HOST[:PORT]). The name is resolved once and checked; the plugin connects to the
// checked numeric address, so a name that re-resolves elsewhere cannot move the connection.
//
// Pure functions (ResolveDatabaseHost does a DNS lookup); thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orc {

struct NetworkPolicy;

struct ConnectionUrl {
  std::string scheme;  // as matched: "postgres", "postgresql", "mysql", "mariadb"
  std::string user;
  std::string password;
  std::string host;  // IPv6 without brackets
  int port = 0;      // the scheme's default when the URL names none
  std::string database;
  std::vector<std::pair<std::string, std::string>> params;

  // The URL with the password (and any parameter named like one) replaced by "***".
  std::string Redacted() const;
  // The value of parameter `key`, or `fallback`.
  std::string Param(std::string_view key, std::string fallback = "") const;
};

// Reads `url`, whose scheme must be one of `schemes`; `default_port` when it names none.
// InvalidArgument saying what is wrong, without the URL's text.
Result<ConnectionUrl> ParseConnectionUrl(std::string_view url,
                                         const std::vector<std::string>& schemes, int default_port);

// The numeric address (IPv4 or IPv6 text) of `host` that a database plugin may connect to on
// `port`, per the policy above and the operator's `policy` (nullptr: no hosts listed).
// PermissionDenied naming the host and the kind of address it refuses; Unavailable when the name
// does not resolve.
Result<std::string> ResolveDatabaseHost(const std::string& host, int port,
                                        const NetworkPolicy* policy);

}  // namespace orc
