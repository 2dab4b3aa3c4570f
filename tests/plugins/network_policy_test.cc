// The address classification behind the network policy, range by range and at the edges of each
// range, and the hosts an operator allows.
#include "plugins/extractors/api/network_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "support/printers.h"

namespace orc {
namespace {

TEST(ClassifyAddressTest, EveryIpv4SpecialRangeAndItsNeighbours) {
  const std::vector<std::pair<std::string, AddressKind>> cases = {
      {"0.0.0.0", AddressKind::kUnspecified},
      {"0.255.255.255", AddressKind::kUnspecified},
      {"1.0.0.0", AddressKind::kPublic},
      {"9.255.255.255", AddressKind::kPublic},
      {"10.0.0.0", AddressKind::kPrivate},
      {"10.255.255.255", AddressKind::kPrivate},
      {"11.0.0.0", AddressKind::kPublic},
      {"100.63.255.255", AddressKind::kPublic},
      {"100.64.0.0", AddressKind::kShared},
      {"100.127.255.255", AddressKind::kShared},
      {"100.128.0.0", AddressKind::kPublic},
      {"100.100.100.200", AddressKind::kMetadata},
      {"126.255.255.255", AddressKind::kPublic},
      {"127.0.0.1", AddressKind::kLoopback},
      {"127.255.255.254", AddressKind::kLoopback},
      {"128.0.0.0", AddressKind::kPublic},
      {"169.253.255.255", AddressKind::kPublic},
      {"169.254.0.1", AddressKind::kLinkLocal},
      {"169.254.169.254", AddressKind::kMetadata},
      {"169.254.170.2", AddressKind::kMetadata},
      {"169.255.0.0", AddressKind::kPublic},
      {"172.15.255.255", AddressKind::kPublic},
      {"172.16.0.0", AddressKind::kPrivate},
      {"172.31.255.255", AddressKind::kPrivate},
      {"172.32.0.0", AddressKind::kPublic},
      {"192.0.0.8", AddressKind::kReserved},
      {"192.0.2.1", AddressKind::kReserved},
      {"192.88.99.1", AddressKind::kReserved},
      {"192.167.255.255", AddressKind::kPublic},
      {"192.168.0.1", AddressKind::kPrivate},
      {"192.169.0.0", AddressKind::kPublic},
      {"198.18.0.1", AddressKind::kReserved},
      {"198.19.255.255", AddressKind::kReserved},
      {"198.20.0.0", AddressKind::kPublic},
      {"198.51.100.7", AddressKind::kReserved},
      {"203.0.113.7", AddressKind::kReserved},
      {"8.8.8.8", AddressKind::kPublic},
      {"223.255.255.255", AddressKind::kPublic},
      {"224.0.0.1", AddressKind::kMulticast},
      {"239.255.255.255", AddressKind::kMulticast},
      {"240.0.0.1", AddressKind::kReserved},
      {"255.255.255.254", AddressKind::kReserved},
      {"255.255.255.255", AddressKind::kBroadcast},
  };
  for (const auto& [address, kind] : cases) {
    EXPECT_EQ(ClassifyIpLiteral(address), kind) << address;
  }
}

TEST(ClassifyAddressTest, Ipv6RangesAndEveryFormThatEmbedsIpv4) {
  const std::vector<std::pair<std::string, AddressKind>> cases = {
      {"::", AddressKind::kUnspecified},
      {"::1", AddressKind::kLoopback},
      {"[::1]", AddressKind::kLoopback},
      {"::ffff:127.0.0.1", AddressKind::kLoopback},
      {"::ffff:7f00:1", AddressKind::kLoopback},
      {"::ffff:10.1.2.3", AddressKind::kPrivate},
      {"::ffff:169.254.169.254", AddressKind::kMetadata},
      {"::ffff:8.8.8.8", AddressKind::kPublic},
      {"::127.0.0.1", AddressKind::kLoopback},
      {"::192.168.1.1", AddressKind::kPrivate},
      {"::2", AddressKind::kUnspecified},
      {"64:ff9b::127.0.0.1", AddressKind::kLoopback},
      {"64:ff9b::a9fe:a9fe", AddressKind::kMetadata},
      {"64:ff9b::8.8.8.8", AddressKind::kPublic},
      {"64:ff9b:1::1", AddressKind::kPrivate},
      {"2002:7f00:1::", AddressKind::kLoopback},
      {"2002:0a00:0001::1", AddressKind::kPrivate},
      {"2002:0808:0808::1", AddressKind::kPublic},
      {"fc00::1", AddressKind::kPrivate},
      {"fdff:ffff::1", AddressKind::kPrivate},
      {"fd00:ec2::254", AddressKind::kMetadata},
      {"fe80::1", AddressKind::kLinkLocal},
      {"febf::1", AddressKind::kLinkLocal},
      {"fec0::1", AddressKind::kPrivate},
      {"ff02::1", AddressKind::kMulticast},
      {"2001::1", AddressKind::kReserved},
      {"2001:db8::1", AddressKind::kReserved},
      {"100::1", AddressKind::kReserved},
      {"4000::1", AddressKind::kReserved},
      {"2001:4860:4860::8888", AddressKind::kPublic},
      {"2606:4700::1111", AddressKind::kPublic},
  };
  for (const auto& [address, kind] : cases) {
    EXPECT_EQ(ClassifyIpLiteral(address), kind) << address;
  }
  EXPECT_EQ(ClassifyIpLiteral("example.com"), std::nullopt);
  EXPECT_EQ(ClassifyIpLiteral("127.1"), std::nullopt) << "only the dotted quad is a literal here";
}

TEST(ClassifyAddressTest, SocketAddressesOfBothFamilies) {
  sockaddr_in v4{.sin_family = AF_INET};
  inet_pton(AF_INET, "169.254.169.254", &v4.sin_addr);
  EXPECT_EQ(ClassifyAddress(reinterpret_cast<const sockaddr&>(v4)), AddressKind::kMetadata);
  sockaddr_in6 v6{.sin6_family = AF_INET6};
  inet_pton(AF_INET6, "::ffff:192.168.0.1", &v6.sin6_addr);
  EXPECT_EQ(ClassifyAddress(reinterpret_cast<const sockaddr&>(v6)), AddressKind::kPrivate);
  sockaddr unix_socket{.sa_family = AF_UNIX};
  EXPECT_EQ(ClassifyAddress(unix_socket), AddressKind::kReserved);
}

TEST(AddressAllowedTest, PublicAlwaysPrivateByHostOrByFlagMetadataOnlyByHost) {
  const NetworkPolicy none;
  EXPECT_TRUE(AddressAllowed(none, "example.com", 443, AddressKind::kPublic));
  EXPECT_FALSE(AddressAllowed(none, "example.com", 443, AddressKind::kLoopback));

  const NetworkPolicy hosts{.allowed_hosts = {{.host = "Internal.Example"},
                                              {.host = "::1", .port = 8080},
                                              {.host = "169.254.169.254"}}};
  EXPECT_TRUE(AddressAllowed(hosts, "internal.example.", 1, AddressKind::kPrivate));
  EXPECT_TRUE(AddressAllowed(hosts, "[::1]", 8080, AddressKind::kLoopback));
  EXPECT_FALSE(AddressAllowed(hosts, "[::1]", 8081, AddressKind::kLoopback));
  EXPECT_FALSE(AddressAllowed(hosts, "other.example", 1, AddressKind::kPrivate));
  EXPECT_TRUE(AddressAllowed(hosts, "169.254.169.254", 80, AddressKind::kMetadata));

  const NetworkPolicy private_ok{.allow_private = true};
  EXPECT_TRUE(AddressAllowed(private_ok, "db", 5432, AddressKind::kPrivate));
  EXPECT_TRUE(AddressAllowed(private_ok, "localhost", 80, AddressKind::kLoopback));
  EXPECT_FALSE(AddressAllowed(private_ok, "169.254.169.254", 80, AddressKind::kMetadata));
}

TEST(ParseAllowedHostTest, NamesAddressesAndPorts) {
  auto parsed = [](std::string_view text) {
    Result<AllowedHost> host = ParseAllowedHost(text);
    EXPECT_TRUE(host.ok()) << text << ": " << host.status();
    return host.ok() ? std::pair(host->host, host->port.value_or(0)) : std::pair(std::string(), -1);
  };
  EXPECT_EQ(parsed("api.internal"), std::pair(std::string("api.internal"), 0));
  EXPECT_EQ(parsed("api.internal:8443"), std::pair(std::string("api.internal"), 8443));
  EXPECT_EQ(parsed("10.0.0.5"), std::pair(std::string("10.0.0.5"), 0));
  EXPECT_EQ(parsed("fd00::1"), std::pair(std::string("fd00::1"), 0));
  EXPECT_EQ(parsed("[fd00::1]"), std::pair(std::string("fd00::1"), 0));
  EXPECT_EQ(parsed("[fd00::1]:443"), std::pair(std::string("fd00::1"), 443));
  for (const char* bad : {"", ":80", "host:", "host:0", "host:65536", "host:http", "[fd00::1",
                          "[fd00::1]x", "a b", "user@host", "host/path"}) {
    Result<AllowedHost> host = ParseAllowedHost(bad);
    EXPECT_FALSE(host.ok()) << bad;
    if (!host.ok()) {
      EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace orc
