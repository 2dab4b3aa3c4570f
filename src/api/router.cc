#include "api/router.h"

#include <httplib.h>

#include <set>

#include "api/error_response.h"

namespace orc {

Router::Router(httplib::Server& server) : server_(server) {
  server_.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        return PreRoute(request, response) ? httplib::Server::HandlerResponse::Handled
                                           : httplib::Server::HandlerResponse::Unhandled;
      });
}

void Router::Get(const std::string& pattern, Handler handler) { Add("GET", pattern, handler); }
void Router::Post(const std::string& pattern, Handler handler) { Add("POST", pattern, handler); }
void Router::Put(const std::string& pattern, Handler handler) { Add("PUT", pattern, handler); }
void Router::Patch(const std::string& pattern, Handler handler) { Add("PATCH", pattern, handler); }
void Router::Delete(const std::string& pattern, Handler handler) {
  Add("DELETE", pattern, handler);
}

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, std::regex(pattern), handler});
  if (method == "GET") server_.Get(pattern, handler);
  if (method == "POST") server_.Post(pattern, handler);
  if (method == "PUT") server_.Put(pattern, handler);
  if (method == "PATCH") server_.Patch(pattern, handler);
  if (method == "DELETE") server_.Delete(pattern, handler);
}

bool Router::PreRoute(const httplib::Request& request, httplib::Response& response) const {
  std::set<std::string> allowed;
  const Route* match = nullptr;
  for (const Route& route : routes_) {
    if (!std::regex_match(request.path, route.pattern)) continue;
    allowed.insert(route.method);
    if (route.method == request.method) match = &route;
  }
  if (allowed.empty()) return false;  // no such path: httplib answers 404
  if (match == nullptr) {
    if (request.method == "HEAD" && allowed.count("GET") > 0) return false;
    std::string allow;
    for (const std::string& method : allowed) allow += (allow.empty() ? "" : ", ") + method;
    response.set_header("Allow", allow);
    WriteError(response, 405, "method_not_allowed",
               request.method + " is not allowed on " + request.path + "; allowed: " + allow);
    return true;
  }
  const bool without_body = request.method != "GET" && !request.has_header("Content-Length") &&
                            !request.has_header("Transfer-Encoding");
  if (!without_body) return false;  // httplib reads the body and routes as usual
  httplib::Request copy = request;
  std::regex_match(copy.path, copy.matches, match->pattern);
  match->handler(copy, response);
  return true;
}

}  // namespace orc
