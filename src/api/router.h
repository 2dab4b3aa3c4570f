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

  // `pattern` is a regular expression for the whole path; its groups are request.matches[1...].
  void Get(const std::string& pattern, Handler handler);
  void Post(const std::string& pattern, Handler handler);
  void Put(const std::string& pattern, Handler handler);
  void Patch(const std::string& pattern, Handler handler);
  void Delete(const std::string& pattern, Handler handler);

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };

  void Add(const std::string& method, const std::string& pattern, Handler handler);
  // Runs before httplib reads a body; returns true when it answered the request itself.
  bool PreRoute(const httplib::Request& request, httplib::Response& response) const;

  httplib::Server& server_;
  std::vector<Route> routes_;
};

}  // namespace orc
