#include "api/router.h"

#include <spdlog/spdlog.h>

#include <string_view>

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

// "/jobs/x/run" -> {"jobs", "x", "run"}; "/" -> {""}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

bool IsParameter(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// A {parameter} matches any non-empty segment, other segments themselves.
bool Matches(const Router::Route& route, const std::vector<std::string_view>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const bool matched =
        IsParameter(route.segments[i]) ? !segments[i].empty() : route.segments[i] == segments[i];
    if (!matched) return false;
  }
  return true;
}

void Invoke(const Router::Route& route, const ApiRequest& request, ApiResponse& response) {
  std::string failure;
  try {
    route.handler(request, response);
    return;
  } catch (const std::exception& exception) {
    failure = exception.what();
  } catch (...) {
    failure = "unknown exception";
  }
  spdlog::error("{} {} failed: {}", request.method, request.path, failure);
  response = ApiResponse{};
  WriteError(response, 500, "internal", "internal error: " + failure);
}

}  // namespace

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
  Route route{method, path, summary, {}, {}, std::move(handler)};
  for (const std::string_view segment : Segments(path)) {
    if (IsParameter(segment)) route.parameters.emplace_back(segment.substr(1, segment.size() - 2));
    route.segments.emplace_back(segment);
  }
  routes_.push_back(std::move(route));
}

bool Router::Authorized(const ApiRequest& request, ApiResponse& response) const {
  if (token_.empty() || public_paths_.contains(request.path)) return true;
  const std::string header = request.Header("Authorization");
  const std::string prefix = "Bearer ";
  const bool bearer = header.rfind(prefix, 0) == 0;
  if (bearer && ConstantTimeEquals(header.substr(prefix.size()), token_)) return true;
  response.SetHeader("WWW-Authenticate", "Bearer");
  WriteError(response, 401, "unauthenticated",
             bearer ? "the API token is wrong"
                    : "this server requires an API token: send Authorization: Bearer <token>");
  return false;
}

void Router::Dispatch(ApiRequest& request, ApiResponse& response) const {
  if (!Authorized(request, response)) return;
  const std::vector<std::string_view> segments = Segments(request.path);
  const std::string_view method = request.method == "HEAD" ? "GET" : request.method;
  std::set<std::string> allowed;
  const Route* match = nullptr;
  for (const Route& route : routes_) {
    if (!Matches(route, segments)) continue;
    allowed.insert(route.method);
    if (route.method == method && match == nullptr) match = &route;
  }
  if (allowed.empty()) {
    WriteError(response, 404, "not_found",
               "no route for " + request.method + " " + request.path +
                   (unknown_path_hint_.empty() ? "" : ": " + unknown_path_hint_));
    return;
  }
  if (match == nullptr) {
    std::string allow;
    for (const std::string& name : allowed) allow += (allow.empty() ? "" : ", ") + name;
    response.SetHeader("Allow", allow);
    WriteError(response, 405, "method_not_allowed",
               request.method + " is not allowed on " + request.path + "; allowed: " + allow);
    return;
  }
  request.path_params.clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (IsParameter(match->segments[i])) request.path_params.emplace_back(segments[i]);
  }
  Invoke(*match, request, response);
  spdlog::debug("{} {} -> {}", request.method, request.path, response.status);
}

}  // namespace orc
