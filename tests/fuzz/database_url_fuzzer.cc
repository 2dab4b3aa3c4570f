// Fuzz target database_url: --database-url text through ParseDatabaseUrl and RedactDatabaseUrl.
//
// What counts as a password is libpq's answer, not ours: PQconninfoParse reads the text (a URL
// or libpq's keyword=value form, which orc refuses but a user may paste) and its password and
// sslpassword are the secrets. Each byte 0x01 in the input stands for a marker secret, so that the
// fuzzer can put a known value anywhere.
//
// Properties: parsing never throws or crashes and fails with an input error; a parsed URL keeps
// what it was given (the PostgreSQL URL as is, a non-empty SQLite path) and its redacted form is
// RedactDatabaseUrl's; the redacted text, read by libpq again, yields none of the passwords; and
// when the marker appears once and is (part of) a password, neither the redacted text nor the
// error message contains it.
#include <libpq-fe.h>

#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "state/database_url.h"

namespace {

constexpr std::string_view kMarker = "Zq7secretZq7";

// The non-empty password and sslpassword libpq reads from `conninfo`; none when it does not parse.
std::vector<std::string> LibpqPasswords(const std::string& conninfo) {
  std::vector<std::string> passwords;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return passwords;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    const std::string_view keyword = option->keyword;
    if ((keyword == "password" || keyword == "sslpassword") && option->val != nullptr &&
        option->val[0] != '\0') {
      passwords.emplace_back(option->val);
    }
  }
  PQconninfoFree(options);
  return passwords;
}

size_t Count(std::string_view text, std::string_view part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url;
  for (const char c : std::string_view(reinterpret_cast<const char*>(data), size)) {
    if (c == '\x01') {
      url += kMarker;
    } else {
      url += c;
    }
  }
  const std::string redacted = orc::RedactDatabaseUrl(url);
  const orc::Result<orc::DatabaseUrl> parsed = orc::ParseDatabaseUrl(url);
  if (parsed.ok()) {
    FUZZ_CHECK(parsed->redacted == redacted, parsed->redacted + " vs " + redacted);
    if (parsed->backend == orc::DatabaseBackend::kPostgres) {
      FUZZ_CHECK(parsed->postgres_uri == url, parsed->postgres_uri);
    } else {
      FUZZ_CHECK(!parsed->sqlite_path.empty(), "an empty SQLite path");
    }
  } else {
    FUZZ_CHECK(orc::fuzz::IsInputError(parsed.status()), parsed.status().ToString());
  }
  const std::string message = parsed.ok() ? parsed->redacted : parsed.status().message();

  // libpq stops at a NUL byte; a command line or an environment variable cannot hold one.
  if (url.find('\0') != std::string::npos) return 0;
  const std::vector<std::string> passwords = LibpqPasswords(url);
  const std::vector<std::string> recovered = LibpqPasswords(redacted);
  for (const std::string& password : passwords) {
    if (password == "***") continue;
    for (const std::string& again : recovered) {
      FUZZ_CHECK(again != password, "libpq reads password '" + password + "' in the redacted '" +
                                        redacted + "' of '" + url + "'");
    }
    if (password.find(kMarker) != std::string::npos && Count(url, kMarker) == 1) {
      FUZZ_CHECK(redacted.find(kMarker) == std::string::npos,
                 "the password '" + password + "' is in the redacted '" + redacted + "'");
      FUZZ_CHECK(message.find(kMarker) == std::string::npos,
                 "the password '" + password + "' is in the message '" + message + "'");
    }
  }
  return 0;
}
