// IdempotencyKeys: the Idempotency-Key request header (the IETF httpapi draft "The
// Idempotency-Key HTTP Header Field", as payment APIs such as Stripe's use it) on the routes that
// create something: POST /jobs, POST /jobs/{job_id}/run, POST /jobs/{job_id}/backfill and the
// retry and clear of a run (POST /runs/{run_id}/retry, /clear). A
// client whose request got no reply (a lost connection, a timeout) sends it again with the same
// key and gets the first reply back, status and body, with nothing done a second time.
//
// How keys behave (docs/API.md, "Idempotency keys", says it to users):
//   - a key is 1 to 255 printable ASCII characters, sent bare or as a structured-field string
//     ("..."); an empty, longer, repeated or malformed header is a 400;
//   - keys are one namespace for the whole state database: every process sharing it, every route,
//     every client (orc has one API token, so one client identity);
//   - a key is kept for 24 hours from the request that used it; after that it may be used afresh;
//   - a retry must repeat the request: same method, path and body (its fingerprint, a SHA-256);
//     the key with another request is a 422, and does nothing;
//   - the same key while its first request is still being served by this process is a 409 with
//     Retry-After; a request racing it from another process waits for it and gets its reply;
//   - only a request that wrote is kept with its key. An error wrote nothing (a 4xx that refused
//     the request, a 5xx whose transaction rolled back), so it is not kept: a retry with the key
//     is served afresh.
//
// One per server (ApiContext::idempotency_keys), shared by the routes; thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "api/api_request.h"
#include "api/error_response.h"
#include "common/clock.h"
#include "common/status.h"
#include "core/run.h"
#include "state/idempotent_writes.h"

namespace orc {

inline constexpr size_t kMaxIdempotencyKeyLength = 255;
inline constexpr Duration kIdempotencyKeyLifetime = std::chrono::hours(24);

// The key `request` carries: nullopt without an Idempotency-Key header; InvalidArgument (with
// the header as field) for an empty, too long, repeated or malformed one.
Result<std::optional<std::string>> ReadIdempotencyKey(const ApiRequest& request);

// What a retry repeats exactly: the SHA-256 (hex) of the method, the path and the body.
std::string RequestFingerprint(const ApiRequest& request);

// Writes `reply` as the response.
void WriteReply(ApiResponse& response, IdempotentReply reply);

// 202, the run's Location, the run: the reply to a request that queued one run.
Result<IdempotentReply> RunQueued(const Run& run);

struct ApiContext;
class IdempotencyKeys;
// The server's keys, made on first use; called while routes are installed (one thread).
IdempotencyKeys& IdempotencyKeysOf(ApiContext& context);

// One request's part in its key: made by IdempotencyKeys::Begin, kept while the handler serves
// the request (this process answers 409 to the same key meanwhile). Move-only.
class KeyedRequest {
 public:
  KeyedRequest(KeyedRequest&& other) noexcept;
  KeyedRequest& operator=(KeyedRequest&&) = delete;
  ~KeyedRequest();

  // Makes what the request asks for, and writes the response: without a key, `write()` and the
  // reply `reply` renders of what it created; with one, `keyed_write(key)` (the state store's
  // keyed write, given `reply`), which either writes or hands back the reply of the request
  // that wrote under the key first (replayed, or a 422 when that was another request). An error
  // becomes an error response, naming `error_field` when the error names no field. Returns what
  // this request created (the caller tells whom it concerns); nullopt when it created nothing.
  template <typename Created>
  std::optional<Created> Write(
      ApiResponse& response, const ReplyTo<Created>& reply,
      const std::function<Result<Created>()>& write,
      const std::function<Result<IdempotentOutcome<Created>>(const IdempotencyKey&)>& keyed_write,
      std::string_view error_field = {}) {
    if (!key_) {
      Result<Created> created = write();
      if (!created.ok()) {
        WriteError(response, created.status(), error_field);
        return std::nullopt;
      }
      WriteRendered(response, reply(*created));
      return std::move(created).value();
    }
    Result<IdempotentOutcome<Created>> outcome = keyed_write(IdempotencyKey{
        .key = *key_, .fingerprint = fingerprint_, .keep_for = kIdempotencyKeyLifetime});
    if (!outcome.ok()) {
      WriteError(response, outcome.status(), error_field);
      return std::nullopt;
    }
    Answer(response, outcome->record, /*replayed=*/!outcome->created);
    return std::move(outcome->created);
  }

 private:
  friend class IdempotencyKeys;
  KeyedRequest(IdempotencyKeys* owner, std::optional<std::string> key, std::string fingerprint)
      : owner_(owner), key_(std::move(key)), fingerprint_(std::move(fingerprint)) {}

  static void WriteRendered(ApiResponse& response, Result<IdempotentReply> reply);
  // The record's reply when it was this request's (or a retry's: same fingerprint), else 422.
  void Answer(ApiResponse& response, const IdempotencyRecord& record, bool replayed) const;

  IdempotencyKeys* owner_;  // null once moved from
  std::optional<std::string> key_;
  std::string fingerprint_;
};

class IdempotencyKeys {
 public:
  // How often a keyed request deletes a batch of expired records, and the batch's size (a full
  // batch has the next keyed request delete another).
  static constexpr Duration kCleanupInterval = std::chrono::minutes(1);
  static constexpr int kCleanupBatch = 1000;

  IdempotencyKeys(IdempotentWrites& store, Clock& clock) : store_(store), clock_(clock) {}

  // Reads the request's key. Answers the request itself, and returns nullopt, when the key is
  // malformed (400), still in use by a request this process is serving (409), or recorded
  // already: the first reply again (a retry), or 422 (another request). Otherwise the handler
  // goes on with the KeyedRequest, with or without a key.
  std::optional<KeyedRequest> Begin(const ApiRequest& request, ApiResponse& response);

 private:
  friend class KeyedRequest;
  void Release(const std::string& key);
  void DeleteSomeExpired();

  IdempotentWrites& store_;
  Clock& clock_;
  std::mutex mutex_;
  std::unordered_set<std::string> in_flight_;  // guarded by mutex_: keys being served here
  TimePoint next_cleanup_{};                   // guarded by mutex_
};

}  // namespace orc
