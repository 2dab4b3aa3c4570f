// Router: the table of orc's routes, and the one place a request is matched against it.
//
// Handlers register here (one handler file per resource). For each request the router
//   - requires the API token, when there is one, on every path but the public ones (401);
//   - matches the path segment by segment against the templates ("/jobs/{job_id}/run"), putting
//     each {parameter} in request.path_params in order;
//   - answers 404 for a path no route has, and 405 with an Allow header for a path that exists
//     under other methods; HEAD runs the GET route (the server sends no body);
//   - catches whatever a handler throws: a 500 with the error body, logged.
// A POST/PUT/PATCH/DELETE without Content-Length (curl -X POST sends none) has an empty body.
// Register routes before the server starts; afterwards the table is only read (thread-safe).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "api/api_request.h"

namespace orc {

class Router {
 public:
  using Handler = std::function<void(const ApiRequest&, ApiResponse&)>;

  // Requires "Authorization: Bearer <token>" on every route but the public ones (401 otherwise);
  // an empty token turns the check off. Compared in constant time.
  void RequireToken(std::string token) { token_ = std::move(token); }

  // Serves `path` without a token: /health, and pages that hold no data themselves (the
  // dashboard's shell, which then asks for the token).
  void MakePublic(const std::string& path) { public_paths_.insert(path); }

  // `path` is an OpenAPI path template: "/jobs/{job_id}/run". Each {name} matches one non-empty
  // path segment and is request.PathParam(0), (1), ... in order. `summary` says what the route
  // does; it is what GET /openapi.json shows.
  void Get(const std::string& path, const std::string& summary, Handler handler);
  void Post(const std::string& path, const std::string& summary, Handler handler);
  void Put(const std::string& path, const std::string& summary, Handler handler);
  void Patch(const std::string& path, const std::string& summary, Handler handler);
  void Delete(const std::string& path, const std::string& summary, Handler handler);

  struct Route {
    std::string method;  // "GET", "POST", ...
    std::string path;    // the template
    std::string summary;
    std::vector<std::string> parameters;  // the {names} of the template, in order
    std::vector<std::string> segments;    // the template split at '/'
    Handler handler;
  };

  // Every registered route, in registration order.
  const std::vector<Route>& routes() const { return routes_; }

  // Said after "no route for ..." in every 404 of an unknown path (e.g. why this server has
  // fewer routes than a client expects).
  void SetUnknownPathHint(std::string hint) { unknown_path_hint_ = std::move(hint); }

  // Answers `request` (see above); fills request.path_params for the handler.
  void Dispatch(ApiRequest& request, ApiResponse& response) const;

 private:
  void Add(const std::string& method, const std::string& path, const std::string& summary,
           Handler handler);
  bool Authorized(const ApiRequest& request, ApiResponse& response) const;

  std::vector<Route> routes_;
  std::string token_;
  std::set<std::string> public_paths_ = {"/health"};
  std::string unknown_path_hint_;
};

}  // namespace orc
