#include "engine/duckdb_open.h"

#include <set>
#include <system_error>
#include <utility>

namespace orc {
namespace {

// Owns a duckdb_config for the scope of one open.
class ConfigHolder {
 public:
  ConfigHolder() { duckdb_create_config(&config_); }
  ~ConfigHolder() { duckdb_destroy_config(&config_); }
  ConfigHolder(const ConfigHolder&) = delete;
  ConfigHolder& operator=(const ConfigHolder&) = delete;
  duckdb_config get() { return config_; }

 private:
  duckdb_config config_ = nullptr;
};

// A path that can never be a directory (a directory under a character device), for the settings
// that name where DuckDB keeps extensions and secrets. INSTALL then fails on creating its
// directory before it downloads anything, even when an allowed directory contains $HOME/.duckdb.
constexpr const char* kNowhere = "/dev/null/orc-confined";

std::vector<std::pair<std::string, std::string>> OpenSettings(
    const DuckDbEngineOptions& options, const std::filesystem::path& spill_subdirectory) {
  std::vector<std::pair<std::string, std::string>> settings;
  if (options.memory_limit_bytes) {
    settings.emplace_back("memory_limit", std::to_string(*options.memory_limit_bytes) + "b");
  }
  if (options.max_spill_bytes) {
    settings.emplace_back("max_temp_directory_size",
                          std::to_string(*options.max_spill_bytes) + "b");
  }
  if (options.threads > 0) settings.emplace_back("threads", std::to_string(options.threads));
  if (!spill_subdirectory.empty() || options.confinement) {
    // Empty turns spilling off, which is what a confined database without a spill directory gets.
    settings.emplace_back("temp_directory", spill_subdirectory.string());
  }
  if (options.confinement) {
    // Nothing may be fetched or loaded: an extension that is not built into libduckdb fails at
    // once with DuckDB's "not in the catalog, but it exists in the X extension" error.
    settings.emplace_back("autoinstall_known_extensions", "false");
    settings.emplace_back("autoload_known_extensions", "false");
    settings.emplace_back("allow_community_extensions", "false");
    settings.emplace_back("allow_unsigned_extensions", "false");
    settings.emplace_back("allow_persistent_secrets", "false");
    settings.emplace_back("extension_directory", kNowhere);
    settings.emplace_back("secret_directory", kNowhere);
  }
  return settings;
}

// The statements that confine a database once it is open. Their order matters: DuckDB refuses
// allowed_directories once external access is off, and everything once the lock is on.
std::string ConfineStatements(const DuckDbEngineOptions& options) {
  std::string list;
  for (const std::string& directory : AllowedDirectories(options)) {
    list += (list.empty() ? "" : ", ") + QuoteLiteral(directory);
  }
  return "SET allowed_directories = [" + list +
         "]; SET enable_external_access = false; SET lock_configuration = true";
}

Status Confine(duckdb_database database, const DuckDbEngineOptions& options) {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database, &connection) == DuckDBError) {
    return InternalError("cannot connect to a new DuckDB database to confine it");
  }
  duckdb_result result{};
  const std::string sql = ConfineStatements(options);
  Status status;
  if (duckdb_query(connection, sql.c_str(), &result) == DuckDBError) {
    const char* error = duckdb_result_error(&result);
    status = InternalError(std::string("cannot confine a DuckDB database (") + sql +
                           "): " + (error != nullptr ? error : "no reason given"));
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&connection);
  return status;
}

// `path` made absolute with "." and ".." folded, as text ending in "/".
std::string DirectoryText(const std::filesystem::path& path) {
  std::string text = std::filesystem::absolute(path).lexically_normal().string();
  if (!text.ends_with('/')) text += '/';
  return text;
}

}  // namespace

Result<duckdb_database> OpenDuckDb(const char* path, const DuckDbEngineOptions& options,
                                   const std::filesystem::path& spill_subdirectory) {
  ConfigHolder config;
  if (config.get() == nullptr) return InternalError("cannot create a DuckDB configuration");
  for (const auto& [name, value] : OpenSettings(options, spill_subdirectory)) {
    if (duckdb_set_config(config.get(), name.c_str(), value.c_str()) == DuckDBError) {
      return InternalError("DuckDB refused the setting " + name + " = '" + value + "'");
    }
  }
  duckdb_database database = nullptr;
  char* message = nullptr;
  if (duckdb_open_ext(path, &database, config.get(), &message) == DuckDBError) {
    std::string reason = message != nullptr ? message : "unknown error";
    duckdb_free(message);
    return InvalidArgumentError(std::move(reason));
  }
  duckdb_free(message);
  if (options.confinement) {
    if (Status confined = Confine(database, options); !confined.ok()) {
      duckdb_close(&database);
      return confined;
    }
  }
  return database;
}

std::vector<std::string> AllowedDirectories(const DuckDbEngineOptions& options) {
  std::set<std::string> directories;
  std::vector<std::filesystem::path> given;
  if (options.confinement) given = options.confinement->allowed_directories;
  if (!options.spill_directory.empty()) given.push_back(options.spill_directory);
  for (const std::filesystem::path& directory : given) {
    if (directory.empty()) continue;  // DuckDB would refuse it; it allows nothing anyway
    directories.insert(DirectoryText(directory));
    std::error_code error;
    const std::filesystem::path real = std::filesystem::weakly_canonical(directory, error);
    if (!error) directories.insert(DirectoryText(real));
  }
  return {directories.begin(), directories.end()};
}

std::string DescribeAllowedDirectories(const DuckDbEngineOptions& options) {
  std::string list;
  for (const std::string& directory : AllowedDirectories(options)) {
    list += (list.empty() ? "" : ", ") + directory;
  }
  return list.empty() ? "none" : list;
}

bool IsUnderAny(const std::filesystem::path& path, const std::vector<std::string>& directories) {
  const std::string text = std::filesystem::absolute(path).lexically_normal().string();
  for (const std::string& directory : directories) {
    if (text.starts_with(directory)) return true;
  }
  return false;
}

}  // namespace orc
