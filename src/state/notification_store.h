// NotificationStore: the role of the state store behind alerts (notify/notifier.h): which finished
// runs still have to be looked at, the webhook deliveries made for them (an outbox, sent and
// retried by the notifier, read back on the run's page) and the schedule slots found late.
//
// The outbox is what makes an alert survive a crash. A run is queued with its notice pending; the
// notifier later finds it finished, creates its deliveries and clears the flag in one transaction
// (SettleNotices), so a crash between the run's end and its alert loses nothing, and finishing a
// run costs no statement more. A delivery is unique per (run, event, target) and per (job, slot,
// event, target): creating it twice, by a retry or another orc process, creates nothing. Sending
// is leased (LeaseDueDeliveries), so several processes sharing one database never send one
// delivery at the same time; a lease that expires (a process gone mid-send) frees it again.
//
// The store knows events and targets only as text: what they mean is the notifier's.
//
// Errors: NotFound (no such delivery), Conflict (the delivery is not leased to the caller),
// InvalidArgument, Unavailable (try again), Internal. Thread safety: all methods are safe to call
// concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace orc {

enum class DeliveryStatus { kPending, kDelivered, kFailed };

std::string_view ToString(DeliveryStatus status);
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view text);

// One webhook delivery: a message for one target, tried until it is delivered or given up.
struct NotificationDelivery {
  std::string delivery_id;  // UUIDv7, the receiver's deduplication key (X-Orc-Delivery)
  std::string job_id;
  std::string run_id;             // a late slot's run when it had one when found late, else empty
  std::optional<TimePoint> slot;  // the late slot; unset for a run's events
  std::string event;              // failure | retry_exhausted | success | late
  std::string target;             // which target of the job's or the server's (a fingerprint)
  std::string url;                // as written: ${env:NAME} references, never their values
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;             // sends tried so far
  TimePoint next_attempt_at{};  // not sent before this time
  std::optional<int> last_status_code;
  std::string last_error;  // redacted by the notifier before it is stored
  TimePoint created_at{};
  std::optional<TimePoint> delivered_at;
  std::string body;  // the JSON document sent, the same on every attempt

  friend bool operator==(const NotificationDelivery&, const NotificationDelivery&) = default;
};

// A delivery to create: the notifier's fields; the store sets status, attempts and times.
struct NewDelivery {
  std::string delivery_id;
  std::string event;
  std::string target;
  std::string url;
  std::string body;
};

// The deliveries of one finished run; settling it clears its notice.
struct RunNotice {
  std::string run_id;
  std::vector<NewDelivery> deliveries;
};

// How one send went, recorded by the holder of the delivery's lease.
struct DeliveryAttempt {
  // kPending: try again at next_attempt_at; kDelivered or kFailed: done.
  DeliveryStatus status = DeliveryStatus::kPending;
  std::optional<int> status_code;  // the HTTP status, when a response came
  std::string error;               // empty when delivered
  TimePoint next_attempt_at{};     // for kPending
};

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // The ids of up to `limit` finished runs (success, failed, cancelled) whose notice is pending,
  // oldest first. Runs queued before notices existed have none.
  virtual Result<std::vector<std::string>> PendingNotices(int limit) = 0;

  // For each notice, in one transaction: creates its deliveries (pending, due now; one that
  // exists for the same run, event and target is skipped) and clears the run's notice. A run that
  // no longer exists is skipped. Returns how many deliveries were created.
  virtual Result<int> SettleNotices(const std::vector<RunNotice>& notices) = 0;

  // Records that `job_id`'s slot `slot` missed its deadline and creates its deliveries (for the
  // slot, and for its run when it has one, so that they show on the run), in one transaction,
  // unless the slot was recorded before or the job has a run for the slot that succeeded at or
  // before `deadline`. True when this call recorded it.
  virtual Result<bool> RecordLateSlot(const std::string& job_id, TimePoint slot, TimePoint deadline,
                                      const std::vector<NewDelivery>& deliveries) = 0;

  // Deletes up to `limit` late-slot records of slots before `before` (which the notifier no longer
  // looks at); returns how many.
  virtual Result<int> ForgetLateSlotsBefore(TimePoint before, int limit) = 0;

  // Takes up to `limit` pending deliveries that are due (next_attempt_at <= now) and not leased
  // (or whose lease expired) for `owner` until now + lease, earliest due first. Each is handed
  // to one caller at a time, across threads and processes.
  virtual Result<std::vector<NotificationDelivery>> LeaseDueDeliveries(const std::string& owner,
                                                                       Duration lease,
                                                                       int limit) = 0;

  // Records one send of a delivery `owner` leased and frees the lease: attempts + 1, the status
  // code and error, and the new status (delivered_at set when delivered). Conflict when the
  // delivery is not leased to `owner` (its lease expired and another took it); NotFound when
  // there is no such delivery.
  virtual Status RecordDeliveryAttempt(const std::string& delivery_id, const std::string& owner,
                                       const DeliveryAttempt& attempt) = 0;

  // The deliveries made for a run, oldest first (at most a few per target and event).
  virtual Result<std::vector<NotificationDelivery>> ListRunDeliveries(
      const std::string& run_id) = 0;
};

}  // namespace orc
