#include "api/openapi_handler.h"

#include "api/api_request.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "api/request_helpers.h"
#include "api/router.h"
#include "common/version.h"

namespace orc {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

nlohmann::json Document(const Router& router) {
  const nlohmann::json error_response = {
      {"description", "An error: {\"error\": {\"code\", \"message\", \"field\"}}"},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  nlohmann::json paths = nlohmann::json::object();
  for (const Router::Route& route : router.routes()) {
    nlohmann::json parameters = nlohmann::json::array();
    for (const std::string& name : route.parameters) {
      parameters.push_back(
          {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    nlohmann::json operation = {{"summary", route.summary},
                                {"responses",
                                 {{"2XX",
                                   {{"description", "Success"},
                                    {"content", {{"application/json", nlohmann::json::object()}}}}},
                                  {"4XX", error_response},
                                  {"5XX", error_response}}}};
    if (!parameters.empty()) operation["parameters"] = parameters;
    paths[route.path][Lower(route.method)] = operation;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "orc"},
            {"version", kVersion},
            {"description", "ELT job orchestrator: jobs, runs and their history"}}},
          {"paths", paths},
          {"components",
           {{"schemas",
             {{"Error",
               {{"type", "object"},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", {"code", "message"}},
                    {"properties",
                     {{"code", {{"type", "string"}}},
                      {"message", {{"type", "string"}}},
                      {"field", {{"type", "string"}}}}}}}}}}}}},
            {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace

void InstallOpenApiRoute(Router& router) {
  router.Get("/openapi.json", "This document: every route of the API",
             [&router](const ApiRequest&, ApiResponse& response) {
               WriteJson(response, 200, Document(router));
             });
}

}  // namespace orc
