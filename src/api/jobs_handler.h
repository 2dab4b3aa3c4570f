// /jobs: create, list, read, replace and delete jobs; trigger a run; list a job's runs.
#pragma once

#include <optional>

#include "api/api_context.h"
#include "core/job.h"

namespace orc {

class Router;

void InstallJobRoutes(Router& router, ApiContext& context);

// When an active job with a schedule fires next after `now`; nullopt for manual or paused jobs.
std::optional<TimePoint> NextRunAt(const Job& job, TimePoint now);

}  // namespace orc
