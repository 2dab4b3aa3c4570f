#include "api/router.h"

#include <httplib.h>

#include <set>

#include "api/error_response.h"

namespace orc {
namespace {

// Equal strings, in time that depends only on their lengths (no early exit on the first
// difference, so the token cannot be guessed byte by byte from response times).
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return difference == 0;
}

}  // namespace

Router::Router(httplib::Server& server) : server_(server) {
  server_.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        return PreRoute(request, response) ? httplib::Server::HandlerResponse::Handled
                                           : httplib::Server::HandlerResponse::Unhandled;
      });
}

void Router::Get(const std::string& path, const std::string& summary, Handler handler) {
  Add("GET", path, summary, std::move(handler));
}
void Router::Post(const std::string& path, const std::string& summary, Handler handler) {
  Add("POST", path, summary, std::move(handler));
}
void Router::Put(const std::string& path, const std::string& summary, Handler handler) {
  Add("PUT", path, summary, std::move(handler));
}
void Router::Patch(const std::string& path, const std::string& summary, Handler handler) {
  Add("PATCH", path, summary, std::move(handler));
}
void Router::Delete(const std::string& path, const std::string& summary, Handler handler) {
  Add("DELETE", path, summary, std::move(handler));
}

void Router::Add(const std::string& method, const std::string& path, const std::string& summary,
                 Handler handler) {
  // "/jobs/{job_id}/run" -> "/jobs/([^/]+)/run"
  std::string pattern;
  std::vector<std::string> parameters;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const size_t end = path.find('}', i);
      parameters.push_back(path.substr(i + 1, end - i - 1));
      pattern += "([^/]+)";
      i = end;
    } else {
      pattern += path[i];
    }
  }
  routes_.push_back({method, path, summary, parameters, std::regex(pattern), handler});
  if (method == "GET") server_.Get(pattern, handler);
  if (method == "POST") server_.Post(pattern, handler);
  if (method == "PUT") server_.Put(pattern, handler);
  if (method == "PATCH") server_.Patch(pattern, handler);
  if (method == "DELETE") server_.Delete(pattern, handler);
}

bool Router::PreRoute(const httplib::Request& request, httplib::Response& response) const {
  if (!token_.empty() && !public_paths_.contains(request.path)) {
    const std::string header = request.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    const bool bearer = header.rfind(prefix, 0) == 0;
    if (!bearer || !ConstantTimeEquals(header.substr(prefix.size()), token_)) {
      response.set_header("WWW-Authenticate", "Bearer");
      WriteError(response, 401, "unauthenticated",
                 bearer ? "the API token is wrong"
                        : "this server requires an API token: send Authorization: Bearer <token>");
      return true;
    }
  }
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
