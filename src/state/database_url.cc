#include "state/database_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace orc {
namespace {

constexpr std::string_view kSqliteMemory = "sqlite::memory:";
constexpr std::string_view kSqliteSlashes = "sqlite://";
constexpr std::string_view kSqlite = "sqlite:";
constexpr std::string_view kPostgres = "postgres://";
constexpr std::string_view kPostgresql = "postgresql://";
constexpr std::string_view kMask = "***";

// The settings libpq reads as secrets: the password, and the passphrase of the client key.
bool IsPasswordKeyword(std::string_view keyword) {
  return keyword == "password" || keyword == "sslpassword";
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// `text` with its %XX escapes decoded, as libpq decodes a URL's parameter names; a malformed
// escape is kept as written.
std::string PercentDecoded(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned byte = 0;
    const char* digits = text.data() + i + 1;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(digits, digits + 2, byte, 16).ptr == digits + 2) {
      decoded += static_cast<char>(byte);
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

// The password of a URL's user-info (USER:PASSWORD@). The user-info is taken to end at the last
// '@', where libpq ends it at the first one before a '/': a password holding an unescaped '@' or
// '/' is masked whole, at the cost of masking more than the password when a later part of the URL
// has an '@' too.
void MaskUserInfoPassword(std::string& text) {
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return;
  const size_t authority = scheme_end + 3;
  const size_t at = text.rfind('@');
  if (at == std::string::npos || at <= authority) return;
  const size_t colon = text.find(':', authority);
  if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, kMask);
}

// Password parameters of a URL's query (...?password=X&...). A parameter may start after any '?'
// or '&', so one behind a '?' that an unescaped password holds is found too; names are compared
// percent-decoded, as libpq reads them ("pass%77ord" is password).
void MaskQueryPasswords(std::string& text) {
  for (size_t start = 1; start < text.size(); ++start) {
    if (text[start - 1] != '?' && text[start - 1] != '&') continue;
    const size_t equals = text.find_first_of("=&", start);
    if (equals == std::string::npos || text[equals] != '=') continue;
    if (!IsPasswordKeyword(PercentDecoded(std::string_view(text).substr(start, equals - start)))) {
      continue;
    }
    const size_t value = equals + 1;
    const size_t end = std::min(text.find('&', value), text.size());
    text.replace(value, end - value, kMask);
  }
}

// Password values of libpq's keyword=value form ("host=db password=X"), which orc does not accept
// but a user may well pass: scanned as libpq scans it (spaces around '=', values in single quotes,
// a backslash escaping the next character), up to where the text stops following the form.
void MaskKeywordValuePasswords(std::string& text) {
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size()) return;
    const size_t keyword = i;
    while (i < text.size() && text[i] != '=' && !IsSpace(text[i])) ++i;
    const std::string name = text.substr(keyword, i - keyword);
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size() || text[i] != '=') return;
    ++i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    const size_t value = i;
    if (i < text.size() && text[i] == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;  // the closing quote
    } else {
      for (; i < text.size() && !IsSpace(text[i]); ++i) {
        if (text[i] == '\\') ++i;
      }
    }
    i = std::min(i, text.size());
    if (IsPasswordKeyword(name)) {
      text.replace(value, i - value, kMask);
      i = value + kMask.size();
    }
  }
}

}  // namespace

const char* const kDatabaseUrlForms =
    "sqlite:PATH, sqlite://PATH, sqlite::memory:, "
    "postgres://USER:PASSWORD@HOST:PORT/DATABASE or postgresql://USER:PASSWORD@HOST:PORT/DATABASE";

std::string RedactDatabaseUrl(std::string_view url) {
  std::string text(url);
  MaskUserInfoPassword(text);
  MaskQueryPasswords(text);
  // libpq reads anything but a postgres URL in its keyword=value form.
  if (!url.starts_with(kPostgres) && !url.starts_with(kPostgresql)) MaskKeywordValuePasswords(text);
  return text;
}

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
  DatabaseUrl parsed;
  parsed.redacted = RedactDatabaseUrl(url);
  if (url == kSqliteMemory) {
    parsed.sqlite_path = ":memory:";
    return parsed;
  }
  if (url.starts_with(kPostgres) || url.starts_with(kPostgresql)) {
    parsed.backend = DatabaseBackend::kPostgres;
    parsed.postgres_uri = std::string(url);
    return parsed;
  }
  std::string_view path;
  if (url.starts_with(kSqliteSlashes)) {
    path = url.substr(kSqliteSlashes.size());
  } else if (url.starts_with(kSqlite)) {
    path = url.substr(kSqlite.size());
  } else {
    return InvalidArgumentError("unsupported database URL '" + parsed.redacted + "': use one of " +
                                kDatabaseUrlForms);
  }
  if (path.empty()) {
    return InvalidArgumentError("database URL '" + parsed.redacted +
                                "' names no file: write sqlite:PATH, e.g. sqlite:orc.db");
  }
  parsed.sqlite_path = std::string(path);
  return parsed;
}

}  // namespace orc
