#include "notify/notify_config.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

namespace orc {
namespace {

constexpr std::array<NotifyEvent, 4> kEvents = {NotifyEvent::kFailure, NotifyEvent::kRetryExhausted,
                                                NotifyEvent::kSuccess, NotifyEvent::kLate};

// Headers orc sets itself on every webhook request, or that would change how it is framed.
constexpr std::array<std::string_view, 6> kReservedHeaders = {
    "content-type", "content-length", "host", "transfer-encoding", "connection", "user-agent"};

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

Status FieldError(const std::string& field, const std::string& message) {
  return InvalidArgumentError(field + ": " + message).WithField(field);
}

// RFC 9110 token characters.
bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// Where a user most likely meant another word: the events one edit or a swap away.
std::string Suggestion(std::string_view text) {
  const std::string lower = Lower(text);
  for (NotifyEvent event : kEvents) {
    const std::string_view name = ToString(event);
    if (lower == name || lower + "s" == name || lower == std::string(name) + "s" ||
        lower == std::string(name) + "d" || (name == "failure" && lower == "failed") ||
        (name == "success" && (lower == "succeeded" || lower == "successful"))) {
      return " (did you mean '" + std::string(name) + "'?)";
    }
  }
  return "";
}

Status CheckUrl(const std::string& url, const std::string& field) {
  if (url.empty()) return FieldError(field, "must not be empty");
  if (url.size() > kMaxNotifyUrlBytes) {
    return FieldError(field, "longer than " + std::to_string(kMaxNotifyUrlBytes) + " bytes");
  }
  if (HasControl(url) || url.find(' ') != std::string::npos) {
    return FieldError(field, "must not contain spaces or control characters");
  }
  const std::string lower = Lower(url);
  size_t authority = 0;
  if (lower.starts_with("https://")) {
    authority = 8;
  } else if (lower.starts_with("http://")) {
    authority = 7;
  } else {
    return FieldError(field, "must be an http:// or https:// URL");
  }
  const size_t end = url.find_first_of("/?#", authority);
  std::string host =
      url.substr(authority, end == std::string::npos ? std::string::npos : end - authority);
  if (const size_t at = host.rfind('@'); at != std::string::npos) host.erase(0, at + 1);
  if (host.empty() || host.front() == ':') return FieldError(field, "must name a host");
  return Status::Ok();
}

Result<NotifyTarget> ParseTarget(const nlohmann::json& item, const std::string& field) {
  if (!item.is_object()) return FieldError(field, "must be an object with 'on' and 'webhook'");
  for (const auto& [key, value] : item.items()) {
    if (key != "on" && key != "webhook") {
      return FieldError(field + "." + key, "unknown field (expected 'on' and 'webhook')");
    }
  }
  NotifyTarget target;
  const auto on = item.find("on");
  if (on == item.end()) return FieldError(field + ".on", "is required");
  if (!on->is_array() || on->empty()) {
    return FieldError(field + ".on",
                      "must be a non-empty list of failure, retry_exhausted, success, late");
  }
  for (size_t i = 0; i < on->size(); ++i) {
    const std::string event_field = field + ".on[" + std::to_string(i) + "]";
    const nlohmann::json& event = (*on)[i];
    if (!event.is_string()) return FieldError(event_field, "must be a string");
    const std::optional<NotifyEvent> parsed = ParseNotifyEvent(event.get<std::string>());
    if (!parsed) {
      return FieldError(event_field, "unknown event '" + event.get<std::string>() + "'" +
                                         Suggestion(event.get<std::string>()) +
                                         "; events are failure, retry_exhausted, success, late");
    }
    target.on.insert(*parsed);
  }
  const auto webhook = item.find("webhook");
  const std::string hook_field = field + ".webhook";
  if (webhook == item.end()) return FieldError(hook_field, "is required");
  if (!webhook->is_object()) return FieldError(hook_field, "must be an object with 'url'");
  for (const auto& [key, value] : webhook->items()) {
    if (key != "url" && key != "headers" && key != "secret") {
      return FieldError(hook_field + "." + key,
                        "unknown field (expected 'url', 'headers' and 'secret')");
    }
  }
  const auto url = webhook->find("url");
  if (url == webhook->end()) return FieldError(hook_field + ".url", "is required");
  if (!url->is_string()) return FieldError(hook_field + ".url", "must be a string");
  target.url = url->get<std::string>();
  ORC_RETURN_IF_ERROR(CheckUrl(target.url, hook_field + ".url"));
  if (const auto headers = webhook->find("headers"); headers != webhook->end()) {
    const std::string headers_field = hook_field + ".headers";
    if (!headers->is_object()) return FieldError(headers_field, "must be an object of strings");
    if (headers->size() > kMaxNotifyHeaders) {
      return FieldError(headers_field,
                        "more than " + std::to_string(kMaxNotifyHeaders) + " headers");
    }
    for (const auto& [name, value] : headers->items()) {
      const std::string header_field = headers_field + "." + name;
      if (!IsToken(name)) return FieldError(header_field, "is not a valid header name");
      const std::string lower = Lower(name);
      if (lower.starts_with("x-orc-") || std::find(kReservedHeaders.begin(), kReservedHeaders.end(),
                                                   lower) != kReservedHeaders.end()) {
        return FieldError(header_field, "is set by orc and cannot be given");
      }
      if (!value.is_string()) return FieldError(header_field, "must be a string");
      const std::string text = value.get<std::string>();
      if (text.size() > kMaxNotifyHeaderValueBytes) {
        return FieldError(header_field,
                          "longer than " + std::to_string(kMaxNotifyHeaderValueBytes) + " bytes");
      }
      if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        return FieldError(header_field, "must not contain line breaks or NUL");
      }
      target.headers.emplace_back(name, text);
    }
  }
  if (const auto secret = webhook->find("secret"); secret != webhook->end()) {
    if (!secret->is_string()) return FieldError(hook_field + ".secret", "must be a string");
    target.secret = secret->get<std::string>();
    if (target.secret.size() > kMaxNotifySecretBytes) {
      return FieldError(hook_field + ".secret",
                        "longer than " + std::to_string(kMaxNotifySecretBytes) + " bytes");
    }
  }
  target.fingerprint = Sha256Hex(webhook->dump()).substr(0, 32);
  return target;
}

}  // namespace

std::string_view ToString(NotifyEvent event) {
  switch (event) {
    case NotifyEvent::kFailure:
      return "failure";
    case NotifyEvent::kRetryExhausted:
      return "retry_exhausted";
    case NotifyEvent::kSuccess:
      return "success";
    case NotifyEvent::kLate:
      return "late";
  }
  return "failure";
}

std::optional<NotifyEvent> ParseNotifyEvent(std::string_view text) {
  for (NotifyEvent event : kEvents) {
    if (ToString(event) == text) return event;
  }
  return std::nullopt;
}

Result<std::vector<NotifyTarget>> ParseNotifyTargets(const nlohmann::json& notify,
                                                     const SecretPolicy* secrets,
                                                     const std::string& path) {
  if (notify.is_null()) return std::vector<NotifyTarget>{};
  if (!notify.is_array()) return FieldError(path, "must be a list of notification targets");
  if (notify.size() > kMaxNotifyTargets) {
    return FieldError(path, "more than " + std::to_string(kMaxNotifyTargets) + " targets");
  }
  // Bounds the depth before anything below walks it.
  ORC_RETURN_IF_ERROR(CheckConfigDepth(notify, path));
  std::vector<NotifyTarget> targets;
  for (size_t i = 0; i < notify.size(); ++i) {
    const std::string field = path + "[" + std::to_string(i) + "]";
    ORC_ASSIGN_OR_RETURN(NotifyTarget target, ParseTarget(notify[i], field));
    if (secrets != nullptr) {
      ORC_RETURN_IF_ERROR(CheckSecretReferences(notify[i], *secrets, field));
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

Result<std::vector<NotifyTarget>> ParseNotifyText(const std::string& text,
                                                  const SecretPolicy* secrets,
                                                  const std::string& path) {
  if (text.empty()) return std::vector<NotifyTarget>{};
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return FieldError(path, "is not valid JSON");
  return ParseNotifyTargets(parsed, secrets, path);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace orc
