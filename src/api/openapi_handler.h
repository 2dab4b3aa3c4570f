// GET /openapi.json: orc's OpenAPI 3.1 document.
//
// src/api/openapi.json (compiled into the binary) describes each operation: its parameters, its
// request bodies, every response with its headers and schemas, the error body and where the
// token is needed. The router's table decides what is listed, and gives each operation its
// summary: a route is never served without being listed, and an operation is never listed
// without a route. A route that openapi.json does not describe is listed with its summary and
// `x-undocumented: true` (CheckOpenApiCoverage and the tests refuse that).
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orc {

class Router;

// Register it after every other route. The document is built on the first request, when the
// route table no longer changes.
void InstallOpenApiRoute(Router& router);

// The document served for the routes of `router`.
nlohmann::ordered_json OpenApiDocument(const Router& router);

// OK when openapi.json describes exactly the routes of `router` (orc serve's: every route);
// otherwise Internal, listing the routes it does not describe and the operations no route serves.
Status CheckOpenApiCoverage(const Router& router);

}  // namespace orc
