// Webhook messages: the JSON body of an alert, its signature and headers, and what a response
// means for the delivery. The notifier (notify/notifier.h) builds a body once when it creates a
// delivery and sends the same bytes on every attempt, so a receiver can verify the signature and
// deduplicate by X-Orc-Delivery however often it is sent.
//
// Headers of every request (GitHub's scheme, under orc's names):
//   Content-Type: application/json        User-Agent: orc/<version>
//   X-Orc-Event: failure | retry_exhausted | success | late
//   X-Orc-Delivery: <delivery id>          the same on every attempt of a delivery
//   X-Orc-Signature-256: sha256=<hex HMAC-SHA256 of the body with the secret>, when one is set
//
// Pure functions on values: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/job.h"
#include "core/run.h"
#include "notify/notify_config.h"

namespace orc {

// What one alert says. `run` for run events; `slot` (and the job's sla_s) for late ones.
struct WebhookMessage {
  NotifyEvent event = NotifyEvent::kFailure;
  std::string delivery_id;
  const Job* job = nullptr;
  const Run* run = nullptr;
  std::optional<TimePoint> slot;
  TimePoint created_at{};
  // Where the dashboard is reached, e.g. "http://orc.example:8080"; links are omitted when empty.
  std::string public_url;
};

// The JSON body: event, delivery_id, created_at, job {id, name}, run {id, status, triggered_by,
// scheduled_for, interval_start, interval_end, error, attempt, started_at, finished_at, url} or
// null, and for late events slot, deadline and sla_s.
std::string WebhookBody(const WebhookMessage& message);

// Lower-case hex of HMAC-SHA256(key, data).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The request's header lines ("Name: value"): orc's, then the target's own (resolved).
std::vector<std::string> WebhookHeaders(
    NotifyEvent event, const std::string& delivery_id, const std::string& body,
    const std::string& secret, const std::vector<std::pair<std::string, std::string>>& headers);

enum class SendOutcome { kDelivered, kRetry, kFailed };

// 2xx: delivered. 408, 425, 429 and 5xx: try again later. Anything else (a redirect, which is not
// followed, 1xx, the other 4xx): failed for good, as the same request would fail again.
SendOutcome ClassifyResponse(long status);

// A request that got no response: connection errors and timeouts (Unavailable, DeadlineExceeded)
// are tried again; an address the network policy refuses or a URL that cannot be used are not.
SendOutcome ClassifyError(const Status& error);

}  // namespace orc
