# Compile settings shared by every target of ours: strict warnings and, when asked, sanitizers.
# GCC 12 at -O3 reports false positives that -Werror would turn into build failures:
#   -Wno-restrict: overlaps inside std::string concatenation (GCC bug 105329);
#   -Wno-maybe-uninitialized: std::string and std::variant members of aggregates built with
#   designated initializers or braced lists "may be used uninitialized" (GCC bugs 105562, 107138).
# (Clang, which builds the fuzz targets, has neither warning and would refuse the unknown option.)
# -Wno-missing-field-initializers: designated initializers that name only some members
# ({.job_id = id}) are the intended style; the rest are value-initialized.
set(ORC_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized> -Wno-missing-field-initializers)
set(ORC_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
# The fuzz build (ORC_FUZZ, clang): every library instrumented for libFuzzer's coverage and
# sanitized; the fuzz targets link libFuzzer itself (tests/fuzz). _GLIBCXX_ASSERTIONS adds bounds
# checks to the standard containers, which changes no ABI.
set(ORC_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=all -D_GLIBCXX_ASSERTIONS)

# The built binaries find libduckdb through their RPATH, so they run from any directory without
# LD_LIBRARY_PATH; an installed orc looks next to itself (../lib).
set(CMAKE_BUILD_RPATH "${ORC_DUCKDB_DIR}/lib")
set(CMAKE_INSTALL_RPATH "$ORIGIN/../lib")

function(orc_target_defaults target)
  target_compile_options(${target} PRIVATE ${ORC_WARNINGS})
  target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/generated)
  if(ORC_SANITIZE)
    target_compile_options(${target} PRIVATE ${ORC_SANITIZER_FLAGS})
    target_link_options(${target} PUBLIC ${ORC_SANITIZER_FLAGS})
  endif()
  if(ORC_FUZZ)
    target_compile_options(${target} PRIVATE ${ORC_FUZZ_FLAGS})
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# orc_library(NAME SOURCES ... DEPS ...): one static library per area of src/.
function(orc_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  orc_target_defaults(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
