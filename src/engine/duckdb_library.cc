#include "engine/duckdb_library.h"

#include <duckdb.h>

namespace orc {

std::string DuckDbLibraryVersion() { return duckdb_library_version(); }

}  // namespace orc
