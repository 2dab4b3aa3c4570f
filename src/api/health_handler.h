// GET /health: whether this orc process is up, which version it runs, and whether its state
// store answers (503 when it does not, so a load balancer takes the process out).
#pragma once

namespace orc {

class Router;

class StateStore;

// `store` may be null (a server without state, in tests).
void InstallHealthRoutes(Router& router, StateStore* store = nullptr);

}  // namespace orc
