// /runs/{run_id}/notifications: the alerts made for a run (notify/notifier.h) and how each
// delivery went, for the run's page and for scripts.
#pragma once

#include "api/api_context.h"

namespace orc {

class Router;

void InstallNotificationRoutes(Router& router, ApiContext& context);

}  // namespace orc
