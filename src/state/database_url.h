// DatabaseUrl: which database holds orc's state, as chosen by --database-url / DATABASE_URL.
//
// Accepted forms:
//   sqlite:PATH, sqlite://PATH (sqlite:///abs/path for an absolute path), sqlite::memory:
//   postgres://USER:PASSWORD@HOST:PORT/DATABASE?PARAMS, postgresql://... (handed to libpq as is)
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace orc {

enum class DatabaseBackend { kSqlite, kPostgres };

struct DatabaseUrl {
  DatabaseBackend backend = DatabaseBackend::kSqlite;
  std::string sqlite_path;   // kSqlite: a file path, or ":memory:"
  std::string postgres_uri;  // kPostgres: the URL as given, for libpq
  std::string redacted;      // the URL with any password replaced by "***", for logs and errors
};

// The accepted forms, for help texts and error messages.
extern const char* const kDatabaseUrlForms;

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

// `url` with every secret libpq would read from it replaced by "***": the password of its
// user-info part, and the values of password and sslpassword, whether URL parameters (also
// percent-encoded, "pass%77ord=") or in libpq's keyword=value form ("host=db password=x"), which
// orc refuses but whose refusal must not print the password. Masks more than the password rather
// than less when the text is ambiguous (an '@' after the user-info).
std::string RedactDatabaseUrl(std::string_view url);

}  // namespace orc
