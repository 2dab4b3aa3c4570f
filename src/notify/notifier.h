// Notifier: alerts about runs and late schedule slots, sent as webhooks (notify/webhook.h) to the
// targets a job names in `notify` and those the server names for every job (`orc serve --notify`).
//
// One thread, on the injected Clock, about once a second (tick):
//   1. Finished runs whose notice is pending (state/notification_store.h): their events —
//      success; failure; retry_exhausted as well when a failed task used every attempt its retry
//      policy allows (more than one); none for a cancelled run — become one delivery per (run,
//      event, target) whose `on` has the event, created with the notice cleared in one
//      transaction. So a run alerts once, whatever its task attempts, claims or this process's
//      restarts.
//   2. Late slots: for each active scheduled job with sla_s whose targets want `late`, every slot
//      whose deadline (slot + sla_s) passed, within a look-back (24 h, the latest 100 slots, none
//      before the job was last written), without a run of the slot that succeeded by the
//      deadline, is recorded with its deliveries once (the store's late_slots), whether or not a
//      run exists. A per-job watermark keeps a tick to the deadlines that passed since the last;
//      after a restart the look-back looks again and the store keeps it to once.
//   3. Due deliveries are leased a few at a time, sent (secrets resolved for that send, the
//      server's NetworkPolicy applied, no redirect followed, a 10 s limit) and their outcome
//      recorded: delivered; retried with backoff (connection errors, 408, 425, 429, 5xx) up to
//      max_attempts, then failed; failed at once otherwise. A delivery in flight at Stop() is left
//      leased and is sent again once its lease expires: never lost, rarely sent twice (receivers
//      deduplicate by X-Orc-Delivery).
//
// Nothing here changes a run: a failing webhook only ever shows on its delivery. Errors reading
// the store are logged and the work is tried again at the next tick.
//
// The StateStore and the Clock are borrowed and must outlive the notifier. Thread safety: Start
// and Stop from one thread; RunOnce only while the thread is not started (tests).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/backoff.h"
#include "common/clock.h"
#include "common/interrupter.h"
#include "common/random_source.h"
#include "cron/cron_schedule.h"
#include "notify/notify_config.h"
#include "plugins/extractors/api/http_fetcher.h"
#include "plugins/extractors/api/network_policy.h"
#include "plugins/secrets.h"
#include "state/state_store.h"

namespace orc {

struct NotifierOptions {
  std::vector<NotifyTarget> server_targets;  // for every job, beside the job's own
  std::string public_url;                    // the dashboard's base URL, for links in bodies
  NetworkPolicy network;                     // where webhooks may connect (the api extractor's)
  SecretPolicy secrets;                      // which ${env:NAME} targets may use
  EnvironmentLookup environment = ProcessEnvironment;
  std::string owner;  // the lease owner; empty: "notifier-" and a fresh UUID
  Duration tick = std::chrono::seconds(1);
  Duration send_timeout = std::chrono::seconds(10);
  int max_attempts = 8;
  // 30 s doubling to 20 min: 8 attempts span about 52 minutes.
  Backoff retry{.initial = std::chrono::seconds(30), .max = std::chrono::minutes(20)};
  Duration late_lookback = std::chrono::hours(24);
  int max_late_slots = 100;  // per job and tick
  int batch = 100;           // runs settled, deliveries sent, per tick
};

class Notifier {
 public:
  Notifier(StateStore& store, Clock& clock, NotifierOptions options);
  ~Notifier();  // Stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Starts the thread. Stop() interrupts a send in flight and waits for the thread.
  Status Start();
  void Stop();

  // One tick: settles pending notices, finds late slots, sends due deliveries. Returns the first
  // error met (each step runs regardless).
  Status RunOnce();

 private:
  // One batch of finished runs: returns how many were settled.
  Result<size_t> SettleNotices();
  // Reads the jobs watched for late slots again when any job changed (JobsVersion).
  Status LoadLateJobs();
  Status FindLateSlots();
  Status SendDueDeliveries();
  // Sends one leased delivery and records its outcome.
  Status Send(const NotificationDelivery& delivery);
  // The targets of `job` (its own, then the server's); its own are skipped, with a warning, when
  // its stored list cannot be read.
  std::vector<NotifyTarget> TargetsOf(const Job& job) const;
  // The deliveries of `event` to every target in `targets` that wants it.
  std::vector<NewDelivery> DeliveriesFor(NotifyEvent event,
                                         const std::vector<NotifyTarget>& targets, const Job& job,
                                         const Run* run, std::optional<TimePoint> slot) const;
  void Loop();

  StateStore& store_;
  Clock& clock_;
  const NotifierOptions options_;
  std::string owner_;
  HttpFetcher fetcher_;      // used by the notifier's thread only
  Interrupter interrupter_;  // Stop() interrupts a send in flight
  SeededRandom random_;
  // The notifier's thread only: the active scheduled jobs with sla_s and a target that wants
  // `late`, as of late_jobs_version_; per job, the latest deadline examined for late slots.
  struct LateJob {
    Job job;
    CronSchedule schedule;
    std::vector<NotifyTarget> targets;  // those that want `late`
  };
  std::vector<LateJob> late_jobs_;
  std::optional<std::string> late_jobs_version_;
  std::map<std::string, TimePoint> late_watermarks_;
  WakeSignal wake_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread thread_;
};

}  // namespace orc
