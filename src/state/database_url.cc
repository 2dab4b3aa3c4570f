#include "state/database_url.h"

namespace orc {
namespace {

constexpr std::string_view kSqliteMemory = "sqlite::memory:";
constexpr std::string_view kSqliteSlashes = "sqlite://";
constexpr std::string_view kSqlite = "sqlite:";
constexpr std::string_view kPostgres = "postgres://";
constexpr std::string_view kPostgresql = "postgresql://";
constexpr std::string_view kPasswordParameter = "password=";
constexpr std::string_view kMask = "***";

}  // namespace

const char* const kDatabaseUrlForms =
    "sqlite:PATH, sqlite://PATH, sqlite::memory:, "
    "postgres://USER:PASSWORD@HOST:PORT/DATABASE or postgresql://USER:PASSWORD@HOST:PORT/DATABASE";

std::string RedactDatabaseUrl(std::string_view url) {
  std::string text(url);
  const size_t scheme_end = text.find("://");
  if (scheme_end != std::string::npos) {
    const size_t authority = scheme_end + 3;
    const size_t at = text.rfind('@');
    if (at != std::string::npos && at > authority) {
      const size_t colon = text.find(':', authority);
      if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, kMask);
    }
  }
  for (size_t found = text.find(kPasswordParameter); found != std::string::npos;
       found = text.find(kPasswordParameter, found + kPasswordParameter.size())) {
    const bool starts_parameter = found > 0 && (text[found - 1] == '?' || text[found - 1] == '&');
    if (!starts_parameter) continue;
    const size_t value = found + kPasswordParameter.size();
    size_t end = text.find('&', value);
    if (end == std::string::npos) end = text.size();
    text.replace(value, end - value, kMask);
  }
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
