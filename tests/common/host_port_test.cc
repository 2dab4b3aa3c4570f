#include "common/host_port.h"

#include <gtest/gtest.h>

namespace orc {
namespace {

TEST(HostPortTest, ParsesHostsAndPorts) {
  Result<HostPort> parsed = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_EQ(parsed->port, 8080);

  EXPECT_EQ(ParseHostPort("localhost:0")->port, 0);
  EXPECT_EQ(ParseHostPort("0.0.0.0:65535")->port, 65535);
  EXPECT_EQ(ParseHostPort("[::1]:9000")->host, "::1");
}

TEST(HostPortTest, PrintsBackTheSameForm) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:8080")->ToString(), "127.0.0.1:8080");
  EXPECT_EQ(ParseHostPort("[::1]:9000")->ToString(), "[::1]:9000");
}

TEST(HostPortTest, RejectsWithTheAddressAndReason) {
  struct Case {
    const char* text;
    const char* reason;
  } cases[] = {
      {"8080", "no ':PORT'"},
      {":8080", "no host"},
      {"127.0.0.1:", "not a number"},
      {"127.0.0.1:http", "not a number"},
      {"127.0.0.1:80x", "not a number"},
      {"127.0.0.1:65536", "0 to 65535"},
      {"127.0.0.1:-1", "0 to 65535"},
      {"::1:8080", "in brackets"},
      {"my host:8080", "character"},
  };
  for (const Case& c : cases) {
    Result<HostPort> parsed = ParseHostPort(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(std::string("'") + c.text + "'"), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find(c.reason), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace orc
