// The web dashboard (src/web, inlined into one HTML document at build time).
#pragma once

#include <string_view>

namespace orc {

std::string_view DashboardHtml();

}  // namespace orc
