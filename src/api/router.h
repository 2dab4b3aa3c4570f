// Router: the table of orc's routes, in front of cpp-httplib's own.
//
// Handlers register here (one handler file per resource). Besides passing each route on to
// httplib, the router keeps the table so that it can
//   - answer a request whose path exists under other methods with 405 and an Allow header;
//   - dispatch a POST/PUT/PATCH/DELETE that has no Content-Length (curl -X POST sends none) as a
//     request with an empty body. httplib 0.11 would answer it 400 before any handler runs.
// Register routes before the server starts; afterwards the table is only read (thread-safe).
#pragma once

#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace orc {

class Router {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit Router(httplib::Server& server);

  // Requires "Authorization: Bearer <token>" on every route but the public ones (401 otherwise);
  // an empty token turns the check off. Compared in constant time.
  void RequireToken(std::string token) { token_ = std::move(token); }

  // Serves `path` without a token: /health, and pages that hold no data themselves (the
  // dashboard's shell, which then asks for the token).
  void MakePublic(const std::string& path) { public_paths_.insert(path); }

  // `path` is an OpenAPI path template: "/jobs/{job_id}/run". Each {name} matches one path
  // segment and is request.matches[1], [2], ... in order. `summary` says what the route does; it
  // is what GET /openapi.json shows.
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
    std::regex pattern;
    Handler handler;
  };

  // Every registered route, in registration order.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  void Add(const std::string& method, const std::string& path, const std::string& summary,
           Handler handler);
  // Runs before httplib reads a body; returns true when it answered the request itself.
  bool PreRoute(const httplib::Request& request, httplib::Response& response) const;

  httplib::Server& server_;
  std::vector<Route> routes_;
  std::string token_;
  std::set<std::string> public_paths_ = {"/health"};
};

}  // namespace orc
