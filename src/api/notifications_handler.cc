#include "api/notifications_handler.h"

#include "api/api_request.h"
#include "api/error_response.h"
#include "api/request_helpers.h"
#include "api/router.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "state/state_store.h"

namespace orc {
namespace {

nlohmann::json TimeOrNull(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(FormatRfc3339(*time)) : nlohmann::json(nullptr);
}

// A delivery as the API shows it: the URL as written (secret references, never their values),
// not its body or lease.
nlohmann::json DeliveryToJson(const NotificationDelivery& delivery) {
  const bool pending = delivery.status == DeliveryStatus::kPending;
  return {
      {"delivery_id", delivery.delivery_id},
      {"event", delivery.event},
      {"url", delivery.url},
      {"status", std::string(ToString(delivery.status))},
      {"attempts", delivery.attempts},
      {"last_status_code", delivery.last_status_code ? nlohmann::json(*delivery.last_status_code)
                                                     : nlohmann::json(nullptr)},
      {"last_error", delivery.last_error},
      {"created_at", FormatRfc3339(delivery.created_at)},
      {"delivered_at", TimeOrNull(delivery.delivered_at)},
      {"next_attempt_at", pending ? TimeOrNull(delivery.next_attempt_at) : nullptr}};
}

void ListRunNotifications(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  const std::string id = request.PathParam(0);
  if (!IsUuid(id)) return WriteError(response, NotFoundError("no run with run_id '" + id + "'"));
  if (Result<Run> run = context.store.GetRun(id); !run.ok()) {
    return WriteError(response, run.status());
  }
  Result<std::vector<NotificationDelivery>> deliveries = context.store.ListRunDeliveries(id);
  if (!deliveries.ok()) return WriteError(response, deliveries.status());
  nlohmann::json items = nlohmann::json::array();
  for (const NotificationDelivery& delivery : *deliveries)
    items.push_back(DeliveryToJson(delivery));
  WriteJson(response, 200, {{"items", std::move(items)}});
}

}  // namespace

void InstallNotificationRoutes(Router& router, ApiContext& context) {
  router.Get("/runs/{run_id}/notifications",
             "The webhook deliveries made for a run and how each went",
             [&context](const ApiRequest& request, ApiResponse& response) {
               ListRunNotifications(context, request, response);
             });
}

}  // namespace orc
