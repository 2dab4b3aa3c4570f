# Third-party dependencies: Debian packages (see scripts/install-deps) and DuckDB from
# third_party/duckdb (fetched by scripts/install-deps).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(date REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)  # SHA-256 of requests sent with an Idempotency-Key
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
# Debian's cpp-httplib is a compiled library whose ABI depends on the feature macros its .pc file
# sets (OpenSSL, zlib, brotli), so it must be consumed through pkg-config.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

set(ORC_DUCKDB_DIR "${CMAKE_SOURCE_DIR}/third_party/duckdb" CACHE PATH "DuckDB library and header")
if(NOT EXISTS "${ORC_DUCKDB_DIR}/lib/libduckdb.so" OR NOT EXISTS "${ORC_DUCKDB_DIR}/include/duckdb.h")
  message(FATAL_ERROR "DuckDB not found in ${ORC_DUCKDB_DIR}: run scripts/install-deps (or make)")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${ORC_DUCKDB_DIR}/lib/libduckdb.so"
  IMPORTED_NO_SONAME ON
  INTERFACE_INCLUDE_DIRECTORIES "${ORC_DUCKDB_DIR}/include")
