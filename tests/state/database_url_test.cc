#include "state/database_url.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <string>
#include <vector>

namespace orc {
namespace {

TEST(DatabaseUrlTest, SqliteForms) {
  Result<DatabaseUrl> plain = ParseDatabaseUrl("sqlite:orc.db");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->backend, DatabaseBackend::kSqlite);
  EXPECT_EQ(plain->sqlite_path, "orc.db");

  EXPECT_EQ(ParseDatabaseUrl("sqlite://data/orc.db")->sqlite_path, "data/orc.db");
  EXPECT_EQ(ParseDatabaseUrl("sqlite:///var/lib/orc/orc.db")->sqlite_path, "/var/lib/orc/orc.db");
  EXPECT_EQ(ParseDatabaseUrl("sqlite:/tmp/x.db")->sqlite_path, "/tmp/x.db");
  EXPECT_EQ(ParseDatabaseUrl("sqlite::memory:")->sqlite_path, ":memory:");
}

TEST(DatabaseUrlTest, PostgresFormsAreKeptForLibpq) {
  for (const char* url : {"postgres://orc:secret@db.internal:5432/orc?sslmode=require",
                          "postgresql://localhost/orc", "postgres://"}) {
    Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
    ASSERT_TRUE(parsed.ok()) << url;
    EXPECT_EQ(parsed->backend, DatabaseBackend::kPostgres);
    EXPECT_EQ(parsed->postgres_uri, url);
  }
}

TEST(DatabaseUrlTest, RedactsPasswords) {
  EXPECT_EQ(ParseDatabaseUrl("postgres://orc:secret@db:5432/orc")->redacted,
            "postgres://orc:***@db:5432/orc");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db/orc?user=orc&password=hunter2&sslmode=require"),
            "postgresql://db/orc?user=orc&password=***&sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgres://orc@db/orc"), "postgres://orc@db/orc");
  EXPECT_EQ(RedactDatabaseUrl("sqlite:orc.db"), "sqlite:orc.db");
}

TEST(DatabaseUrlTest, RedactsEverySecretLibpqReads) {
  // sslpassword is the client key's passphrase; libpq decodes parameter names.
  EXPECT_EQ(
      RedactDatabaseUrl("postgres://db/orc?sslkey=k.pem&sslpassword=hunter2&sslmode=verify-full"),
      "postgres://db/orc?sslkey=k.pem&sslpassword=***&sslmode=verify-full");
  EXPECT_EQ(RedactDatabaseUrl("postgres://db/orc?pass%77ord=hunter2"),
            "postgres://db/orc?pass%77ord=***");
  // libpq's keyword=value form, which orc refuses: the refusal must not print the password.
  EXPECT_EQ(RedactDatabaseUrl("host=db password=hunter2 dbname=orc"),
            "host=db password=*** dbname=orc");
  EXPECT_EQ(RedactDatabaseUrl("host=db password = 'hunter 2\\' x' sslpassword=a\\ b dbname=orc"),
            "host=db password = *** sslpassword=*** dbname=orc");
  Result<DatabaseUrl> refused = ParseDatabaseUrl("dbname=orc password=hunter2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message().find("hunter2"), std::string::npos)
      << refused.status().message();
}

// The passwords libpq itself reads from `conninfo` (a URL or keyword=value text).
std::vector<std::string> LibpqPasswords(const std::string& conninfo) {
  std::vector<std::string> passwords;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  for (const PQconninfoOption* option = options; option != nullptr && option->keyword != nullptr;
       ++option) {
    const std::string keyword = option->keyword;
    if ((keyword == "password" || keyword == "sslpassword") && option->val != nullptr &&
        *option->val != '\0') {
      passwords.emplace_back(option->val);
    }
  }
  PQconninfoFree(options);
  return passwords;
}

TEST(DatabaseUrlTest, LibpqFindsNoPasswordInARedactedUrl) {
  for (const std::string url :
       {"postgres://orc:hunter2@db:5432/orc",
        "postgresql://u:p%40ss@h1:5432,h2/db?password=hunter2",
        "postgres://h/db?sslpassword=hunter2", "postgres://h/db?pass%77ord=hunter2",
        "postgres://u:pa?ss@h/db?application_name=a@b&password=hunter2", "host=db password=hunter2",
        "host=db password='hunter 2' sslpassword = x\\ y"}) {
    const std::vector<std::string> passwords = LibpqPasswords(url);
    ASSERT_FALSE(passwords.empty()) << url;
    const std::string redacted = RedactDatabaseUrl(url);
    for (const std::string& password : LibpqPasswords(redacted)) {
      EXPECT_EQ(password, "***") << url << " -> " << redacted;
    }
  }
}

TEST(DatabaseUrlTest, UnknownSchemeListsTheAcceptedForms) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl("mysql://root:topsecret@db/orc");
  ASSERT_FALSE(parsed.ok());
  const std::string& message = parsed.status().message();
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(message.find("mysql://root:***@db/orc"), std::string::npos) << message;
  EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  for (const char* form :
       {"sqlite:PATH", "sqlite://PATH", "sqlite::memory:", "postgres://", "postgresql://"}) {
    EXPECT_NE(message.find(form), std::string::npos) << message;
  }
}

TEST(DatabaseUrlTest, SqliteWithoutPathIsRejected) {
  EXPECT_FALSE(ParseDatabaseUrl("sqlite:").ok());
  EXPECT_FALSE(ParseDatabaseUrl("sqlite://").ok());
  EXPECT_FALSE(ParseDatabaseUrl("orc.db").ok());
}

}  // namespace
}  // namespace orc
