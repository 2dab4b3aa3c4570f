// Notification targets: where a job (or the whole server) says what happened to its runs, as
// written in a job's `notify` field or the file of `orc serve --notify`:
//
//   [{"on": ["failure", "retry_exhausted", "success", "late"],
//     "webhook": {"url": "https://...", "headers": {"Name": "value"}, "secret": "${env:X}"}}]
//
// The text comes from users, so it is read strictly: unknown fields, wrong types, an empty `on`,
// an unknown event, a URL that is not http(s) with a host, a header name that is not an HTTP token
// or a value with a line break are InvalidArgument naming the field ("notify[0].webhook.url").
// `url`, header values and `secret` may hold `${env:NAME}` references (plugins/secrets.h): they
// are checked against the server's SecretPolicy when one is given, and resolved by the notifier
// for each send, never stored resolved.
//
// Pure functions on values: thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "plugins/secrets.h"

namespace orc {

enum class NotifyEvent { kFailure, kRetryExhausted, kSuccess, kLate };

std::string_view ToString(NotifyEvent event);
std::optional<NotifyEvent> ParseNotifyEvent(std::string_view text);

// Limits on what one list may hold (docs/operations.md, "Alerts").
constexpr size_t kMaxNotifyTargets = 20;
constexpr size_t kMaxNotifyHeaders = 20;
constexpr size_t kMaxNotifyUrlBytes = 2048;
constexpr size_t kMaxNotifyHeaderValueBytes = 4096;
constexpr size_t kMaxNotifySecretBytes = 1024;

struct NotifyTarget {
  std::set<NotifyEvent> on;
  std::string url;                                           // as written
  std::vector<std::pair<std::string, std::string>> headers;  // as written, in name order
  std::string secret;                                        // as written; empty: unsigned
  // Names the target in its deliveries (notify_deliveries.target): a hash of the webhook as
  // written, so that a delivery finds its target again when it is sent.
  std::string fingerprint;
};

// Reads a notify list. `path` names it in errors ("notify", or the file's name); `secrets`, when
// given, is the policy every ${env:NAME} must satisfy. A JSON null or an empty array: no target.
Result<std::vector<NotifyTarget>> ParseNotifyTargets(const nlohmann::json& notify,
                                                     const SecretPolicy* secrets,
                                                     const std::string& path);

// The same from its stored text (Job::notify); empty text: no target.
Result<std::vector<NotifyTarget>> ParseNotifyText(const std::string& text,
                                                  const SecretPolicy* secrets,
                                                  const std::string& path);

// The hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace orc
