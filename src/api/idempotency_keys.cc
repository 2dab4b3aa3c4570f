#include "api/idempotency_keys.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/job_json.h"
#include "api/request_helpers.h"
#include "state/state_store.h"

namespace orc {
namespace {

constexpr const char* kHeader = "Idempotency-Key";

Status BadKey(const std::string& why) {
  return InvalidArgumentError(std::string(kHeader) + " " + why).WithField(kHeader);
}

bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7e; }

// A structured-field string (RFC 8941 section 3.3.3): "...", with \" and \\ as the only escapes.
Result<std::string> ParseQuoted(std::string_view value) {
  std::string key;
  for (size_t i = 1; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') {
      if (i + 1 != value.size()) return BadKey("has text after its closing quote");
      return key;
    }
    if (!IsPrintableAscii(c)) return BadKey("may hold printable ASCII characters only");
    if (c == '\\') {
      if (++i == value.size() || (value[i] != '"' && value[i] != '\\')) {
        return BadKey("has an escape other than \\\" or \\\\");
      }
    }
    key += value[i];
  }
  return BadKey("has no closing quote");
}

}  // namespace

Result<std::optional<std::string>> ReadIdempotencyKey(const ApiRequest& request) {
  const size_t count = request.headers.Count(kHeader);
  if (count == 0) return std::optional<std::string>();
  if (count > 1) return BadKey("is sent " + std::to_string(count) + " times; send it once");
  const std::string& value = *request.headers.Find(kHeader);
  std::string key;
  if (!value.empty() && value.front() == '"') {
    ORC_ASSIGN_OR_RETURN(key, ParseQuoted(value));
  } else {
    // A bare key, as most clients send it (the header's value as it stands).
    for (const char c : value) {
      if (!IsPrintableAscii(c)) return BadKey("may hold printable ASCII characters only");
    }
    key = value;
  }
  if (key.empty()) return BadKey("is empty; send 1 to 255 characters (a UUID, say)");
  if (key.size() > kMaxIdempotencyKeyLength) {
    return BadKey("is " + std::to_string(key.size()) + " characters long; at most " +
                  std::to_string(kMaxIdempotencyKeyLength) + " are allowed");
  }
  return std::optional<std::string>(std::move(key));
}

std::string RequestFingerprint(const ApiRequest& request) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // Each part ends with a NUL, which neither the method nor the path holds: no two requests
  // hash the same text.
  const bool hashed =
      context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1 &&
      EVP_DigestUpdate(context.get(), request.method.c_str(), request.method.size() + 1) == 1 &&
      EVP_DigestUpdate(context.get(), request.path.c_str(), request.path.size() + 1) == 1 &&
      EVP_DigestUpdate(context.get(), request.body.data(), request.body.size()) == 1 &&
      EVP_DigestFinal_ex(context.get(), digest, &length) == 1;
  // Only an OpenSSL without SHA-256 fails here; then requests are told apart by nothing, and
  // every reuse of a key is taken for a retry. Say so loudly.
  if (!hashed)
    spdlog::error(
        "cannot compute SHA-256 with OpenSSL: Idempotency-Key cannot tell requests apart");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

void WriteReply(ApiResponse& response, IdempotentReply reply) {
  response.status = reply.status;
  if (!reply.location.empty()) response.SetHeader("Location", std::move(reply.location));
  response.SetContent(std::move(reply.body), std::move(reply.content_type));
}

KeyedRequest::KeyedRequest(KeyedRequest&& other) noexcept
    : owner_(other.owner_),
      key_(std::move(other.key_)),
      fingerprint_(std::move(other.fingerprint_)) {
  other.owner_ = nullptr;
}

KeyedRequest::~KeyedRequest() {
  if (owner_ != nullptr && key_) owner_->Release(*key_);
}

void KeyedRequest::WriteRendered(ApiResponse& response, Result<IdempotentReply> reply) {
  if (!reply.ok()) return WriteError(response, reply.status());
  WriteReply(response, std::move(reply).value());
}

void KeyedRequest::Answer(ApiResponse& response, const IdempotencyRecord& record,
                          bool replayed) const {
  if (record.fingerprint != fingerprint_) {
    return WriteError(response, 422, "unprocessable_content",
                      std::string(kHeader) + " '" + record.key +
                          "' was used for another request (another method, path or body) in the "
                          "last 24 hours; a retry must repeat its request exactly, and a new "
                          "request needs a new key",
                      kHeader);
  }
  WriteReply(response, record.reply);
  // As Stripe says it: this reply was made for an earlier request with the key.
  if (replayed) response.SetHeader("Idempotent-Replayed", "true");
}

std::optional<KeyedRequest> IdempotencyKeys::Begin(const ApiRequest& request,
                                                   ApiResponse& response) {
  Result<std::optional<std::string>> key = ReadIdempotencyKey(request);
  if (!key.ok()) {
    WriteError(response, key.status());
    return std::nullopt;
  }
  if (!*key) return KeyedRequest(this, std::nullopt, "");
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!in_flight_.insert(**key).second) {
      response.SetHeader("Retry-After", "1");
      WriteError(response, 409, "conflict",
                 std::string(kHeader) + " '" + **key +
                     "' belongs to a request that is still being served; retry when it is done",
                 kHeader);
      return std::nullopt;
    }
  }
  KeyedRequest keyed(this, std::move(*key), RequestFingerprint(request));
  DeleteSomeExpired();
  // A retry is answered before anything else is looked at: the job may have changed since.
  Result<std::optional<IdempotencyRecord>> record = store_.GetIdempotencyRecord(*keyed.key_);
  if (!record.ok()) {
    WriteError(response, record.status());
    return std::nullopt;
  }
  if (*record) {
    keyed.Answer(response, **record, /*replayed=*/true);
    return std::nullopt;
  }
  return keyed;
}

void IdempotencyKeys::Release(const std::string& key) {
  const std::lock_guard<std::mutex> lock(mutex_);
  in_flight_.erase(key);
}

void IdempotencyKeys::DeleteSomeExpired() {
  const TimePoint now = clock_.Now();
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (now < next_cleanup_) return;
    next_cleanup_ = now + kCleanupInterval;
  }
  Result<int> deleted = store_.DeleteExpiredIdempotencyRecords(kCleanupBatch);
  if (!deleted.ok()) {
    spdlog::warn("deleting expired idempotency keys: {}", deleted.status().ToString());
    return;
  }
  if (*deleted == kCleanupBatch) {
    const std::lock_guard<std::mutex> lock(mutex_);
    next_cleanup_ = now;  // more are left: the next keyed request deletes another batch
  }
}

Result<IdempotentReply> RunQueued(const Run& run) {
  return IdempotentReply{.status = 202,
                         .content_type = "application/json",
                         .location = "/runs/" + run.run_id,
                         .body = JsonText(RunToJson(run))};
}

IdempotencyKeys& IdempotencyKeysOf(ApiContext& context) {
  if (!context.idempotency_keys) {
    context.idempotency_keys = std::make_shared<IdempotencyKeys>(context.store, context.clock);
  }
  return *context.idempotency_keys;
}

}  // namespace orc
