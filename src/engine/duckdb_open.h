// How DuckDbEngine opens one DuckDB database: the configuration DuckDB starts it with and, for a
// confined engine, the settings that confine it once it is open. Internal to src/engine.
//
// DuckDB takes allowed_directories only from a running database (its setting needs the database's
// file system), and once enable_external_access is off it refuses to change them. So a confined
// database is opened with extensions, spill directory, memory and threads set, then a first
// connection sets allowed_directories, turns external access off and locks the configuration,
// before anyone else can use it. After the lock DuckDB refuses every SET and RESET (PRAGMAs that
// only switch a connection's progress bar or profiler remain).
//
// Stateless functions; thread-safe.
#pragma once

#include <duckdb.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/duckdb_engine.h"

namespace orc {

// Opens the database at `path` (nullptr: in memory) with `options`, spilling into
// `spill_subdirectory` (empty: see DuckDbEngineOptions::spill_directory). On success the caller
// owns the database (duckdb_close). Errors: DuckDB's reason for refusing the file as
// InvalidArgument (the message unchanged, for the caller to interpret), Internal when DuckDB
// refuses a setting.
Result<duckdb_database> OpenDuckDb(const char* path, const DuckDbEngineOptions& options,
                                   const std::filesystem::path& spill_subdirectory);

// The directories a confined database may use, in the form DuckDB compares paths with: absolute,
// "." and ".." folded, ending in "/". A directory reached through symbolic links is listed both
// as given and as its real path, since DuckDB matches the text a query names and the engine
// itself opens databases by their real path. The spill directory is one of them.
std::vector<std::string> AllowedDirectories(const DuckDbEngineOptions& options);

// The same, for messages: "/a/, /b/", or "none".
std::string DescribeAllowedDirectories(const DuckDbEngineOptions& options);

// Whether `path` lies under one of `directories` (as AllowedDirectories returns them).
bool IsUnderAny(const std::filesystem::path& path, const std::vector<std::string>& directories);

}  // namespace orc
