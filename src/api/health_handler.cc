#include "api/health_handler.h"

#include "api/api_request.h"

#include <nlohmann/json.hpp>

#include "api/router.h"

#include "common/version.h"
#include "state/state_store.h"

namespace orc {

void InstallHealthRoutes(Router& router, StateStore* store) {
  router.Get("/health", "Whether orc and its state store answer",
             [store](const ApiRequest&, ApiResponse& response) {
               nlohmann::json body = {{"status", "ok"}, {"version", kVersion}};
               if (store != nullptr) {
                 const Status answered = store->Ping();
                 body["state_store"] = answered.ok() ? "ok" : answered.ToString();
                 if (!answered.ok()) {
                   body["status"] = "degraded";
                   response.status = 503;
                   response.SetHeader("Retry-After", "1");
                 }
               }
               response.SetContent(body.dump(), "application/json");
             });
}

}  // namespace orc
