// IdempotentWrites: the role of the state store that makes a write a client asked for under an
// idempotency key (the HTTP Idempotency-Key header) take effect at most once per key. The API's
// creating routes (POST /jobs, POST /jobs/{id}/run, POST /jobs/{id}/backfill) write through it,
// and api/idempotency_keys.h looks records up and deletes expired ones.
//
// The reply to the request that made a write is kept with the key, written in the same
// transaction as what the write created, so that a retry gets that reply back and writes nothing.
// Keys are one namespace for the whole database.
//
// Errors: those of the unkeyed writes (JobStore::CreateJob, RunQueue::EnqueueRun and
// EnqueueSlots), and Unavailable (the store cannot be reached now, or a key was taken and
// released at once: try again). Thread safety: all methods are safe to call concurrently.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/job.h"
#include "core/new_run.h"
#include "core/run.h"

namespace orc {

// A write a client asked for under a key: the store makes it take effect at most once per key.
struct IdempotencyKey {
  std::string key;
  // What identifies the request (a hash of it): a request that reuses the key with another
  // fingerprint is not a retry, which the caller tells from the record it gets back.
  std::string fingerprint;
  Duration keep_for = std::chrono::hours(24);  // after this the key may be used afresh
};

// What a request that wrote under a key was answered.
struct IdempotentReply {
  int status = 0;  // the HTTP status
  std::string content_type;
  std::string location;  // the Location header; empty when none
  std::string body;

  friend bool operator==(const IdempotentReply&, const IdempotentReply&) = default;
};

struct IdempotencyRecord {
  std::string key;
  std::string fingerprint;
  IdempotentReply reply;
  TimePoint expires_at{};
};

// Renders the reply to keep from what a keyed write created. Called inside the write's
// transaction (again if the transaction is retried), so it must only compute; an error rolls the
// write back.
template <typename Created>
using ReplyTo = std::function<Result<IdempotentReply>(const Created&)>;

// A keyed write's outcome: either this call wrote (`created` set; `record` is the one it saved),
// or a request with the same key wrote before it (`created` empty; `record` is that request's,
// whose fingerprint the caller compares with its own) and this call wrote nothing.
template <typename Created>
struct IdempotentOutcome {
  std::optional<Created> created;
  IdempotencyRecord record;
};

class IdempotentWrites {
 public:
  virtual ~IdempotentWrites() = default;

  // The keyed forms of CreateJob, EnqueueRun and EnqueueSlots. Each saves the reply `reply`
  // renders under key.key in the write's own transaction, so a crash keeps both or neither; when a
  // record that has not expired holds the key (however many threads or processes race for it, the
  // key's uniqueness in the database decides), nothing is written and that record comes back. A
  // write that fails saves no key: its error comes back, unless the key was taken meanwhile by a
  // request that wrote (then its record). Errors otherwise as the unkeyed forms.
  virtual Result<IdempotentOutcome<Job>> CreateJob(const Job& job, const IdempotencyKey& key,
                                                   const ReplyTo<Job>& reply) = 0;
  virtual Result<IdempotentOutcome<Run>> EnqueueRun(const NewRun& new_run,
                                                    const IdempotencyKey& key,
                                                    const ReplyTo<Run>& reply) = 0;
  virtual Result<IdempotentOutcome<std::vector<Run>>> EnqueueSlots(
      const std::vector<NewRun>& new_runs, const IdempotencyKey& key,
      const ReplyTo<std::vector<Run>>& reply) = 0;
  // The record holding `key`; nullopt when there is none or it expired.
  virtual Result<std::optional<IdempotencyRecord>> GetIdempotencyRecord(const std::string& key) = 0;
  // Deletes at most `limit` expired records, oldest first; returns how many it deleted. Expired
  // records are never used, so this only reclaims space, a bounded amount per call.
  virtual Result<int> DeleteExpiredIdempotencyRecords(int limit) = 0;
};

}  // namespace orc
