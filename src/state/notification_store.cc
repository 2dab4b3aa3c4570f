// The words of the delivery statuses, shared by both stores and the API.
#include "state/notification_store.h"

namespace orc {

std::string_view ToString(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view text) {
  for (DeliveryStatus status :
       {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kFailed}) {
    if (ToString(status) == text) return status;
  }
  return std::nullopt;
}

}  // namespace orc
