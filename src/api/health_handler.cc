#include "api/health_handler.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/version.h"

namespace orc {

void InstallHealthRoutes(httplib::Server& server) {
  // The body never changes within a process: build it once.
  const std::string body = nlohmann::json{{"status", "ok"}, {"version", kVersion}}.dump();
  server.Get("/health", [body](const httplib::Request&, httplib::Response& response) {
    response.set_content(body, "application/json");
  });
}

}  // namespace orc
