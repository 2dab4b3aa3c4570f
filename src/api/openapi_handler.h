// GET /openapi.json: an OpenAPI 3 document of every route, built from the router's own table
// (so a route cannot be served without being documented).
#pragma once

namespace orc {

class Router;

// Register it after every other route.
void InstallOpenApiRoute(Router& router);

}  // namespace orc
