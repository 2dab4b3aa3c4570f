// /runs: list runs (all, or filtered by job and status) and read one run with its task runs.
#pragma once

#include "api/api_context.h"

namespace orc {

class Router;

void InstallRunRoutes(Router& router, ApiContext& context);

}  // namespace orc
