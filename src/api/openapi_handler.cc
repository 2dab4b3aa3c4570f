#include "api/openapi_handler.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "api/api_request.h"
#include "api/openapi_document.h"
#include "api/router.h"
#include "common/version.h"

namespace orc {
namespace {

using nlohmann::ordered_json;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// openapi.json as written. It is part of the binary: the tests would fail on one that does not
// parse, so a parse error here cannot come from outside.
const ordered_json& WrittenDocument() {
  static const ordered_json document = ordered_json::parse(OpenApiDocumentText());
  return document;
}

// The path item openapi.json has for `path`, or nullptr.
const ordered_json* WrittenPath(const std::string& path) {
  const ordered_json& paths = WrittenDocument().at("paths");
  const auto found = paths.find(path);
  return found == paths.end() ? nullptr : &*found;
}

// The operation openapi.json describes for `route`, or nullptr.
const ordered_json* WrittenOperation(const Router::Route& route) {
  const ordered_json* path = WrittenPath(route.path);
  if (path == nullptr) return nullptr;
  const auto found = path->find(Lower(route.method));
  return found == path->end() ? nullptr : &*found;
}

// What a route that openapi.json does not describe is listed as: its path parameters and a
// response that says so.
ordered_json UndocumentedOperation(const Router::Route& route) {
  ordered_json operation = {{"x-undocumented", true}};
  ordered_json parameters = ordered_json::array();
  for (const std::string& name : route.parameters) {
    parameters.push_back(
        {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  }
  if (!parameters.empty()) operation["parameters"] = std::move(parameters);
  operation["responses"] = {
      {"default", {{"description", "Not described in src/api/openapi.json yet"}}}};
  return operation;
}

}  // namespace

ordered_json OpenApiDocument(const Router& router) {
  ordered_json document = WrittenDocument();
  document["info"]["version"] = kVersion;
  ordered_json paths = ordered_json::object();
  for (const Router::Route& route : router.routes()) {
    const ordered_json* written = WrittenOperation(route);
    ordered_json operation = {{"summary", route.summary}};
    operation.update(written != nullptr ? *written : UndocumentedOperation(route));
    ordered_json& path = paths[route.path];
    if (const ordered_json* written_path = WrittenPath(route.path);
        written != nullptr && written_path->contains("parameters")) {
      path["parameters"] = written_path->at("parameters");
    }
    path[Lower(route.method)] = std::move(operation);
  }
  document["paths"] = std::move(paths);
  return document;
}

Status CheckOpenApiCoverage(const Router& router) {
  std::string undocumented;
  std::set<std::pair<std::string, std::string>> routed;
  for (const Router::Route& route : router.routes()) {
    routed.emplace(route.path, Lower(route.method));
    if (WrittenOperation(route) == nullptr) undocumented += " " + route.method + " " + route.path;
  }
  std::string unrouted;
  for (const auto& [path, item] : WrittenDocument().at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters" || routed.contains({path, method})) continue;
      unrouted += " " + method + " " + path;
    }
  }
  if (undocumented.empty() && unrouted.empty()) return Status::Ok();
  return InternalError(
      "src/api/openapi.json does not match the routes; routes it does not "
      "describe:" +
      (undocumented.empty() ? " none" : undocumented) +
      "; operations no route serves:" + (unrouted.empty() ? " none" : unrouted));
}

void InstallOpenApiRoute(Router& router) {
  // Shared with the route's handler, which lives as long as the router.
  struct Cache {
    std::once_flag built;
    std::string text;
  };
  auto cache = std::make_shared<Cache>();
  router.Get("/openapi.json", "This document: every operation of the API",
             [&router, cache](const ApiRequest&, ApiResponse& response) {
               std::call_once(cache->built, [&] { cache->text = OpenApiDocument(router).dump(); });
               response.status = 200;
               response.SetContent(cache->text, "application/json");
             });
}

}  // namespace orc
