#include "notify/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "common/version.h"

namespace orc {
namespace {

nlohmann::json TimeOrNull(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(FormatRfc3339(*time)) : nlohmann::json(nullptr);
}

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string WebhookBody(const WebhookMessage& message) {
  nlohmann::json body = {{"event", std::string(ToString(message.event))},
                         {"delivery_id", message.delivery_id},
                         {"created_at", FormatRfc3339(message.created_at)}};
  if (message.job != nullptr) {
    body["job"] = {{"id", message.job->job_id}, {"name", message.job->job_name}};
    if (!message.public_url.empty()) {
      body["job"]["url"] = message.public_url + "/#/jobs/" + message.job->job_id;
    }
  }
  if (message.run != nullptr) {
    const Run& run = *message.run;
    nlohmann::json run_json = {{"id", run.run_id},
                               {"status", std::string(ToString(run.status))},
                               {"triggered_by", std::string(ToString(run.triggered_by))},
                               {"scheduled_for", TimeOrNull(run.scheduled_for)},
                               {"interval_start", TimeOrNull(run.interval_start)},
                               {"interval_end", TimeOrNull(run.interval_end)},
                               {"error", run.error_message},
                               {"attempt", run.attempt},
                               {"started_at", TimeOrNull(run.started_at)},
                               {"finished_at", TimeOrNull(run.finished_at)}};
    if (!message.public_url.empty()) run_json["url"] = message.public_url + "/#/runs/" + run.run_id;
    body["run"] = std::move(run_json);
  } else {
    body["run"] = nullptr;
  }
  if (message.slot) {
    body["slot"] = FormatRfc3339(*message.slot);
    if (message.job != nullptr && message.job->sla_s) {
      body["sla_s"] = *message.job->sla_s;
      body["deadline"] = FormatRfc3339(*message.slot + std::chrono::seconds(*message.job->sla_s));
    }
  }
  // Replacement characters for invalid UTF-8 (a run's error may hold anything a source sent).
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &length) == nullptr) {
    return "";
  }
  return Hex(digest, length);
}

std::vector<std::string> WebhookHeaders(
    NotifyEvent event, const std::string& delivery_id, const std::string& body,
    const std::string& secret, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::string> lines = {
      "Content-Type: application/json", std::string("User-Agent: orc/") + kVersion,
      "X-Orc-Event: " + std::string(ToString(event)), "X-Orc-Delivery: " + delivery_id};
  if (!secret.empty())
    lines.push_back("X-Orc-Signature-256: sha256=" + HmacSha256Hex(secret, body));
  for (const auto& [name, value] : headers) lines.push_back(name + ": " + value);
  return lines;
}

SendOutcome ClassifyResponse(long status) {
  if (status >= 200 && status < 300) return SendOutcome::kDelivered;
  if (status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600)) {
    return SendOutcome::kRetry;
  }
  return SendOutcome::kFailed;
}

SendOutcome ClassifyError(const Status& error) {
  switch (error.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kInternal:
    case StatusCode::kResourceExhausted:
      return SendOutcome::kRetry;
    default:
      return SendOutcome::kFailed;
  }
}

}  // namespace orc
