// Facts about the DuckDB library orc is linked against.
#pragma once

#include <string>

namespace orc {

// The version DuckDB reports for itself, e.g. "v1.4.4".
std::string DuckDbLibraryVersion();

}  // namespace orc
