// /jobs: create, list, read, replace and delete jobs; trigger a run; list a job's runs.
#pragma once

#include "api/api_context.h"

namespace orc {

class Router;

void InstallJobRoutes(Router& router, ApiContext& context);

}  // namespace orc
