#include "state/database_url.h"

#include <gtest/gtest.h>

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
