#include "plugins/databases/connection_url.h"

#include <gtest/gtest.h>

#include "plugins/extractors/api/network_policy.h"
#include "support/printers.h"

namespace orc {
namespace {

const std::vector<std::string> kPostgres = {"postgres", "postgresql"};

TEST(ConnectionUrlTest, ReadsEveryPart) {
  Result<ConnectionUrl> url = ParseConnectionUrl(
      "postgres://us%40er:p%2Fa:ss@db.internal:6543/my%20db?sslmode=require&password=x", kPostgres,
      5432);
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, "postgres");
  EXPECT_EQ(url->user, "us@er");
  EXPECT_EQ(url->password, "p/a:ss");
  EXPECT_EQ(url->host, "db.internal");
  EXPECT_EQ(url->port, 6543);
  EXPECT_EQ(url->database, "my db");
  EXPECT_EQ(url->Param("sslmode"), "require");
  EXPECT_EQ(url->Redacted(),
            "postgres://us@er:***@db.internal:6543/my db?sslmode=require&password=***");

  Result<ConnectionUrl> v6 = ParseConnectionUrl("postgresql://[::1]/orc", kPostgres, 5432);
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5432);
  EXPECT_EQ(v6->Redacted(), "postgresql://[::1]:5432/orc");

  // A password holding an unencoded '/' or '@' still ends at the last '@'.
  Result<ConnectionUrl> raw = ParseConnectionUrl("postgres://u:a/b@c@h/db", kPostgres, 5432);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->password, "a/b@c");
  EXPECT_EQ(raw->host, "h");
  EXPECT_EQ(raw->database, "db");
}

TEST(ConnectionUrlTest, BadUrlsAreRefusedWithoutRepeatingThem) {
  for (const char* url : {"secretpw", "mysql://u:secretpw@h/db", "postgres://u:secretpw@/db",
                          "postgres://u:secretpw@h:0/db", "postgres://u:secretpw@h:99999/db",
                          "postgres://u:secretpw@h:5x/db", "postgres://u:secret%zzpw@h/db",
                          "postgres://u:secretpw@h/d%00b", "postgres://u:secretpw@[::1/db",
                          "postgres://u:secretpw@h/db?=x", "postgres://u:secretpw@h h/db",
                          "postgres://u:secretpw@/tmp/socket/db"}) {
    Result<ConnectionUrl> parsed = ParseConnectionUrl(url, kPostgres, 5432);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(parsed.status().message().find("secret"), std::string::npos) << parsed.status();
  }
}

TEST(ConnectionUrlTest, DatabaseHostsMayBeLocalButNotLinkLocalOrMetadata) {
  for (const char* host : {"127.0.0.1", "10.1.2.3", "192.168.0.5", "::1", "100.64.1.1"}) {
    Result<std::string> address = ResolveDatabaseHost(host, 5432, nullptr);
    ASSERT_TRUE(address.ok()) << host << ": " << address.status();
    EXPECT_EQ(*address, host);
  }
  Result<std::string> localhost = ResolveDatabaseHost("localhost", 5432, nullptr);
  ASSERT_TRUE(localhost.ok()) << localhost.status();
  EXPECT_TRUE(*localhost == "127.0.0.1" || *localhost == "::1") << *localhost;

  for (const char* host : {"169.254.169.254", "169.254.10.1", "fe80::1", "0.0.0.0", "224.0.0.1",
                           "::ffff:169.254.169.254", "240.0.0.1"}) {
    Result<std::string> address = ResolveDatabaseHost(host, 5432, nullptr);
    ASSERT_FALSE(address.ok()) << host;
    EXPECT_EQ(address.status().code(), StatusCode::kPermissionDenied) << host;
    EXPECT_NE(address.status().message().find("--allow-host"), std::string::npos);
  }
  // The operator can list one, on its port.
  NetworkPolicy policy{.allowed_hosts = {{"169.254.10.1", 5432}}};
  EXPECT_TRUE(ResolveDatabaseHost("169.254.10.1", 5432, &policy).ok());
  EXPECT_FALSE(ResolveDatabaseHost("169.254.10.1", 5433, &policy).ok());

  Result<std::string> unknown = ResolveDatabaseHost("no-such-host.invalid", 5432, nullptr);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace orc
