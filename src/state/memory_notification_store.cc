// MemoryStateStore: run notices, webhook deliveries and late slots, as SqlStateStore keeps them
// (state/notification_store.h).
#include <algorithm>
#include <tuple>

#include "state/memory_state_store.h"

namespace orc {

int MemoryStateStore::InsertDeliveries(const std::string& job_id, const std::string& run_id,
                                       std::optional<TimePoint> slot,
                                       const std::vector<NewDelivery>& deliveries, TimePoint now) {
  int inserted = 0;
  for (const NewDelivery& delivery : deliveries) {
    if (deliveries_.contains(delivery.delivery_id)) continue;
    const std::string suffix = "|" + delivery.event + "|" + delivery.target;
    std::vector<std::string> keys;
    if (!run_id.empty()) keys.push_back("run|" + run_id + suffix);
    if (slot) {
      keys.push_back("slot|" + job_id + "|" + std::to_string(slot->time_since_epoch().count()) +
                     suffix);
    }
    if (std::any_of(keys.begin(), keys.end(),
                    [&](const std::string& key) { return delivery_keys_.contains(key); })) {
      continue;
    }
    delivery_keys_.insert(keys.begin(), keys.end());
    deliveries_[delivery.delivery_id] =
        StoredDelivery{.delivery = NotificationDelivery{.delivery_id = delivery.delivery_id,
                                                        .job_id = job_id,
                                                        .run_id = run_id,
                                                        .slot = Stored(slot),
                                                        .event = delivery.event,
                                                        .target = delivery.target,
                                                        .url = delivery.url,
                                                        .next_attempt_at = now,
                                                        .created_at = now,
                                                        .body = delivery.body}};
    ++inserted;
  }
  return inserted;
}

Result<std::vector<std::string>> MemoryStateStore::PendingNotices(int limit) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> run_ids;
  for (const auto& [run_id, stored] : runs_) {
    if (static_cast<int>(run_ids.size()) >= limit) break;
    if (stored.notice_pending && IsFinal(stored.run.status)) run_ids.push_back(run_id);
  }
  return run_ids;
}

Result<int> MemoryStateStore::SettleNotices(const std::vector<RunNotice>& notices) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  int created = 0;
  for (const RunNotice& notice : notices) {
    auto run = runs_.find(notice.run_id);
    if (run == runs_.end()) continue;
    run->second.notice_pending = false;
    created += InsertDeliveries(run->second.run.job_id, notice.run_id, std::nullopt,
                                notice.deliveries, now);
  }
  return created;
}

Result<bool> MemoryStateStore::RecordLateSlot(const std::string& job_id, TimePoint slot,
                                              TimePoint deadline,
                                              const std::vector<NewDelivery>& deliveries) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  slot = Stored(slot);
  deadline = Stored(deadline);
  if (late_slots_.contains({job_id, slot})) return false;
  std::string slot_run;
  for (const auto& [run_id, stored] : runs_) {
    const Run& run = stored.run;
    if (run.job_id != job_id || run.scheduled_for != slot) continue;
    if (run.status == RunStatus::kSuccess && run.finished_at && *run.finished_at <= deadline) {
      return false;
    }
    slot_run = run_id;
  }
  late_slots_.insert({job_id, slot});
  InsertDeliveries(job_id, slot_run, slot, deliveries, now);
  return true;
}

Result<int> MemoryStateStore::ForgetLateSlotsBefore(TimePoint before, int limit) {
  std::lock_guard lock(mutex_);
  int deleted = 0;
  for (auto it = late_slots_.begin(); it != late_slots_.end() && deleted < limit;) {
    if (it->second < before) {
      it = late_slots_.erase(it);
      ++deleted;
    } else {
      ++it;
    }
  }
  return deleted;
}

Result<std::vector<NotificationDelivery>> MemoryStateStore::LeaseDueDeliveries(
    const std::string& owner, Duration lease, int limit) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  std::vector<StoredDelivery*> due;
  for (auto& [delivery_id, stored] : deliveries_) {
    const bool free = !stored.lease_expires_at || *stored.lease_expires_at <= now;
    if (stored.delivery.status == DeliveryStatus::kPending &&
        stored.delivery.next_attempt_at <= now && free) {
      due.push_back(&stored);
    }
  }
  std::sort(due.begin(), due.end(), [](const StoredDelivery* a, const StoredDelivery* b) {
    return std::tie(a->delivery.next_attempt_at, a->delivery.delivery_id) <
           std::tie(b->delivery.next_attempt_at, b->delivery.delivery_id);
  });
  if (static_cast<int>(due.size()) > limit) due.resize(std::max(limit, 0));
  std::vector<NotificationDelivery> leased;
  for (StoredDelivery* stored : due) {
    stored->lease_owner = owner;
    stored->lease_expires_at = Stored(now + lease);
    leased.push_back(stored->delivery);
  }
  return leased;
}

Status MemoryStateStore::RecordDeliveryAttempt(const std::string& delivery_id,
                                               const std::string& owner,
                                               const DeliveryAttempt& attempt) {
  std::lock_guard lock(mutex_);
  const TimePoint now = Now();
  auto found = deliveries_.find(delivery_id);
  if (found == deliveries_.end()) return NotFoundError("delivery " + delivery_id + " not found");
  StoredDelivery& stored = found->second;
  NotificationDelivery& delivery = stored.delivery;
  if (stored.lease_owner != owner) {
    return ConflictError("delivery " + delivery_id + " is not leased to " + owner + " (it is " +
                         std::string(ToString(delivery.status)) +
                         (stored.lease_owner.empty() ? "" : ", leased to " + stored.lease_owner) +
                         ")");
  }
  delivery.status = attempt.status;
  ++delivery.attempts;
  delivery.last_status_code = attempt.status_code;
  delivery.last_error = attempt.error;
  delivery.next_attempt_at =
      attempt.status == DeliveryStatus::kPending ? Stored(attempt.next_attempt_at) : now;
  delivery.delivered_at =
      attempt.status == DeliveryStatus::kDelivered ? std::optional<TimePoint>(now) : std::nullopt;
  stored.lease_owner.clear();
  stored.lease_expires_at.reset();
  return Status::Ok();
}

Result<std::vector<NotificationDelivery>> MemoryStateStore::ListRunDeliveries(
    const std::string& run_id) {
  std::lock_guard lock(mutex_);
  std::vector<NotificationDelivery> deliveries;
  for (const auto& [delivery_id, stored] : deliveries_) {
    if (stored.delivery.run_id == run_id) deliveries.push_back(stored.delivery);
  }
  return deliveries;
}

}  // namespace orc
