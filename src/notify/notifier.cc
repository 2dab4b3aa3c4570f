#include "notify/notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>

#include "common/time_format.h"
#include "common/uuid.h"
#include "core/job_schedule.h"
#include "notify/webhook.h"

namespace orc {
namespace {

// One send per lease: a lease outlives its send (time limit and a margin) but not by much, so a
// delivery left behind by a process that stopped or died mid-send is sent again soon.
constexpr int kDeliveriesPerLease = 1;
// How much of an error body a delivery keeps.
constexpr size_t kMaxErrorExcerpt = 200;
// Steps of a schedule walked per job and tick, whatever the schedule: bounds a tick.
constexpr int kMaxScheduleSteps = 200000;
// Batches of finished runs settled per tick at most: keeps a tick short when many runs ended.
constexpr int kMaxSettleBatchesPerTick = 20;
// The longest sla_s a job may have (api/job_json.cc), and how many late-slot records older than
// any look-back a tick deletes.
constexpr Duration kMaxSla = std::chrono::days(7);
constexpr int kForgetPerTick = 1000;
// A receiver's Retry-After is honoured up to this.
constexpr Duration kMaxRetryAfter = std::chrono::hours(1);

bool Wants(const NotifyTarget& target, NotifyEvent event) { return target.on.contains(event); }

// The retry policy of `task_id` in `job`: the task's own, else the job's.
int MaxAttemptsOf(const Job& job, const std::string& task_id) {
  for (const Task& task : job.tasks) {
    if (task.task_id == task_id && task.retry) return task.retry->max_attempts;
  }
  return job.retry.max_attempts;
}

// The events a finished run raises (none for a cancelled one).
std::vector<NotifyEvent> EventsOf(const Run& run, const Job& job,
                                  const std::vector<TaskRun>& task_runs) {
  if (run.status == RunStatus::kSuccess) return {NotifyEvent::kSuccess};
  if (run.status != RunStatus::kFailed) return {};
  std::vector<NotifyEvent> events = {NotifyEvent::kFailure};
  const bool exhausted = std::any_of(task_runs.begin(), task_runs.end(), [&](const TaskRun& t) {
    const int allowed = MaxAttemptsOf(job, t.task_id);
    return t.status == TaskRunStatus::kFailed && allowed > 1 && t.attempts >= allowed;
  });
  if (exhausted) events.push_back(NotifyEvent::kRetryExhausted);
  return events;
}

// The start of a receiver's answer, for a delivery's last_error: printable ASCII only (the
// receiver may send anything; the error is shown as JSON and in the dashboard).
std::string Excerpt(const std::string& text) {
  std::string excerpt = text.substr(0, kMaxErrorExcerpt);
  for (char& c : excerpt) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return text.size() > kMaxErrorExcerpt ? excerpt + "..." : excerpt;
}

// The target as the request needs it: every ${env:NAME} replaced, for this send only.
struct ResolvedTarget {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string secret;
  Redactor redactor;
};

Result<ResolvedTarget> Resolve(const NotifyTarget& target, const SecretPolicy& policy,
                               const EnvironmentLookup& environment) {
  nlohmann::json written = {{"url", target.url}, {"secret", target.secret}};
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [name, value] : target.headers) headers.push_back(value);
  written["headers"] = headers;
  ORC_ASSIGN_OR_RETURN(ResolvedSecrets resolved, ResolveSecrets(written, policy, environment));
  ResolvedTarget out{.url = resolved.config["url"].get<std::string>(),
                     .secret = resolved.config["secret"].get<std::string>(),
                     .redactor = Redactor(resolved.values)};
  for (size_t i = 0; i < target.headers.size(); ++i) {
    std::string value = resolved.config["headers"][i].get<std::string>();
    // A value from the environment must not end one header and start another.
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return InvalidArgumentError("header " + target.headers[i].first +
                                  ": its resolved value holds a line break or NUL");
    }
    out.headers.emplace_back(target.headers[i].first, std::move(value));
  }
  return out;
}

// The delay a 429 or 503 asks for in seconds (Retry-After), when it names one.
std::optional<Duration> RetryAfter(const HttpResponse& response) {
  const std::optional<std::string> value = response.Header("retry-after");
  if (!value || value->empty() || value->size() > 9 ||
      !std::all_of(value->begin(), value->end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return std::min<Duration>(std::chrono::seconds(std::stol(*value)), kMaxRetryAfter);
}

}  // namespace

Notifier::Notifier(StateStore& store, Clock& clock, NotifierOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      owner_(options_.owner.empty() ? "notifier-" + NewUuidV4() : options_.owner),
      random_(SeededRandom::UnpredictableSeed()) {}

Notifier::~Notifier() { Stop(); }

Status Notifier::Start() {
  if (started_) return FailedPreconditionError("the notifier is running already");
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Notifier::Stop() {
  if (!started_ || stopping_.exchange(true)) return;
  interrupter_.Interrupt(CancelledError("orc is shutting down"));
  wake_.Wake();
  thread_.join();
}

void Notifier::Loop() {
  while (!stopping_.load()) {
    if (Status status = RunOnce(); !status.ok() && !stopping_.load()) {
      spdlog::warn("notifier: {}", status.message());
    }
    if (stopping_.load()) break;
    clock_.WaitUntil(wake_, clock_.Now() + options_.tick);
  }
}

Status Notifier::RunOnce() {
  Status first = Status::Ok();
  // Several batches while runs end faster than one batch a tick.
  for (int batch = 0; batch < kMaxSettleBatchesPerTick && !stopping_.load(); ++batch) {
    Result<size_t> settled = SettleNotices();
    if (!settled.ok()) {
      first = settled.status();
      break;
    }
    if (*settled < static_cast<size_t>(options_.batch)) break;
  }
  if (Status late = FindLateSlots(); first.ok()) first = late;
  if (Status sent = SendDueDeliveries(); first.ok()) first = sent;
  return first;
}

std::vector<NotifyTarget> Notifier::TargetsOf(const Job& job) const {
  Result<std::vector<NotifyTarget>> own = ParseNotifyText(job.notify, nullptr, "notify");
  std::vector<NotifyTarget> targets;
  if (own.ok()) {
    targets = std::move(*own);
  } else {
    spdlog::warn("notifier: job {}: {}", job.job_name, own.status().message());
  }
  targets.insert(targets.end(), options_.server_targets.begin(), options_.server_targets.end());
  return targets;
}

std::vector<NewDelivery> Notifier::DeliveriesFor(NotifyEvent event,
                                                 const std::vector<NotifyTarget>& targets,
                                                 const Job& job, const Run* run,
                                                 std::optional<TimePoint> slot) const {
  std::vector<NewDelivery> deliveries;
  const TimePoint now = clock_.Now();
  for (const NotifyTarget& target : targets) {
    if (!Wants(target, event)) continue;
    // A target both the job and the server name is one target (same fingerprint): one delivery.
    if (std::any_of(deliveries.begin(), deliveries.end(),
                    [&](const NewDelivery& made) { return made.target == target.fingerprint; })) {
      continue;
    }
    NewDelivery delivery{.delivery_id = NewUuidV7(now),
                         .event = std::string(ToString(event)),
                         .target = target.fingerprint,
                         .url = target.url};
    delivery.body = WebhookBody(WebhookMessage{.event = event,
                                               .delivery_id = delivery.delivery_id,
                                               .job = &job,
                                               .run = run,
                                               .slot = slot,
                                               .created_at = now,
                                               .public_url = options_.public_url});
    deliveries.push_back(std::move(delivery));
  }
  return deliveries;
}

Result<size_t> Notifier::SettleNotices() {
  ORC_ASSIGN_OR_RETURN(std::vector<std::string> run_ids, store_.PendingNotices(options_.batch));
  if (run_ids.empty()) return size_t{0};
  std::map<std::string, std::optional<Job>> jobs;  // read once per tick
  std::vector<RunNotice> notices;
  for (const std::string& run_id : run_ids) {
    RunNotice notice{.run_id = run_id};
    Result<Run> run = store_.GetRun(run_id);
    if (!run.ok()) {
      if (run.status().code() != StatusCode::kNotFound) return run.status();
      continue;  // deleted with its job meanwhile
    }
    auto [cached, inserted] = jobs.try_emplace(run->job_id);
    if (inserted) {
      Result<Job> job = store_.GetJob(run->job_id);
      if (job.ok()) {
        cached->second = std::move(*job);
      } else if (job.status().code() != StatusCode::kNotFound) {
        return job.status();
      }
    }
    if (cached->second) {
      const Job& job = *cached->second;
      const std::vector<NotifyTarget> targets = TargetsOf(job);
      const bool any_wants_exhausted = std::any_of(targets.begin(), targets.end(), [](auto& t) {
        return Wants(t, NotifyEvent::kRetryExhausted);
      });
      std::vector<TaskRun> task_runs;
      if (run->status == RunStatus::kFailed && any_wants_exhausted) {
        ORC_ASSIGN_OR_RETURN(task_runs, store_.GetTaskRuns(run_id));
      }
      for (NotifyEvent event : EventsOf(*run, job, task_runs)) {
        std::vector<NewDelivery> made = DeliveriesFor(event, targets, job, &*run, std::nullopt);
        notice.deliveries.insert(notice.deliveries.end(), made.begin(), made.end());
      }
    }
    notices.push_back(std::move(notice));
  }
  ORC_ASSIGN_OR_RETURN(const int created, store_.SettleNotices(notices));
  if (created > 0) spdlog::debug("notifier: {} deliveries for {} runs", created, notices.size());
  return run_ids.size();
}

Status Notifier::LoadLateJobs() {
  ORC_ASSIGN_OR_RETURN(std::string version, store_.JobsVersion());
  if (late_jobs_version_ && *late_jobs_version_ == version) return Status::Ok();
  std::vector<LateJob> jobs;
  constexpr int kJobPage = 500;
  for (int offset = 0;; offset += kJobPage) {
    ORC_ASSIGN_OR_RETURN(Page<Job> page, store_.ListJobs({.limit = kJobPage, .offset = offset}));
    for (Job& job : page.items) {
      // Slots of a paused job are never late; once it is resumed, its updated_at starts anew.
      if (!job.is_active || !job.sla_s || *job.sla_s <= 0 || !HasSchedule(job)) continue;
      std::vector<NotifyTarget> targets = TargetsOf(job);
      std::erase_if(targets, [](const NotifyTarget& t) { return !Wants(t, NotifyEvent::kLate); });
      if (targets.empty()) continue;
      Result<std::optional<CronSchedule>> schedule = ScheduleOf(job);
      if (!schedule.ok() || !schedule->has_value()) continue;
      jobs.push_back(LateJob{
          .job = std::move(job), .schedule = std::move(**schedule), .targets = std::move(targets)});
    }
    if (offset + kJobPage >= page.total) break;
  }
  late_jobs_ = std::move(jobs);
  late_jobs_version_ = std::move(version);
  return Status::Ok();
}

Status Notifier::FindLateSlots() {
  ORC_RETURN_IF_ERROR(LoadLateJobs());
  const TimePoint now = clock_.Now();
  for (const LateJob& late : late_jobs_) {
    if (stopping_.load()) return Status::Ok();
    const Job& job = late.job;
    const Duration sla = std::chrono::seconds(*job.sla_s);
    TimePoint examined_until = now - options_.late_lookback;
    if (auto mark = late_watermarks_.find(job.job_id); mark != late_watermarks_.end()) {
      examined_until = std::max(examined_until, mark->second);
    }
    // Slots whose deadline is in (examined_until, now], none at or before the job was last
    // written (its schedule applies from then on, as the scheduler's does).
    TimePoint cursor = std::max(examined_until - sla, job.updated_at);
    std::deque<TimePoint> slots;
    for (int step = 0; step < kMaxScheduleSteps; ++step) {
      const std::optional<TimePoint> next = late.schedule.NextAfter(cursor);
      if (!next || *next + sla > now) break;
      slots.push_back(*next);
      if (static_cast<int>(slots.size()) > options_.max_late_slots) slots.pop_front();
      cursor = *next;
    }
    bool all_recorded = true;
    for (TimePoint slot : slots) {
      const std::vector<NewDelivery> deliveries =
          DeliveriesFor(NotifyEvent::kLate, late.targets, job, nullptr, slot);
      Result<bool> recorded = store_.RecordLateSlot(job.job_id, slot, slot + sla, deliveries);
      if (!recorded.ok()) {
        spdlog::warn("notifier: late slot of job {}: {}", job.job_name,
                     recorded.status().message());
        all_recorded = false;
        break;
      }
      if (*recorded) {
        spdlog::info("notifier: job {} is late for its slot {}", job.job_name, FormatRfc3339(slot));
      }
    }
    if (all_recorded) late_watermarks_[job.job_id] = now;
  }
  // Records of slots no look-back reaches again (a deadline is at most kMaxSla past its slot).
  return store_.ForgetLateSlotsBefore(now - options_.late_lookback - kMaxSla, kForgetPerTick)
      .status();
}

Status Notifier::SendDueDeliveries() {
  const Duration lease = kDeliveriesPerLease * (options_.send_timeout + std::chrono::seconds(5));
  for (int sent = 0; sent < options_.batch && !stopping_.load();) {
    ORC_ASSIGN_OR_RETURN(std::vector<NotificationDelivery> due,
                         store_.LeaseDueDeliveries(owner_, lease, kDeliveriesPerLease));
    if (due.empty()) return Status::Ok();
    for (const NotificationDelivery& delivery : due) {
      if (stopping_.load()) return Status::Ok();  // the rest wait for their lease to expire
      if (Status status = Send(delivery); !status.ok()) {
        spdlog::warn("notifier: delivery {}: {}", delivery.delivery_id, status.message());
      }
      ++sent;
    }
  }
  return Status::Ok();
}

Status Notifier::Send(const NotificationDelivery& delivery) {
  const std::optional<NotifyEvent> event = ParseNotifyEvent(delivery.event);
  // The target, found again by its fingerprint among the job's and the server's.
  std::optional<NotifyTarget> target;
  Result<Job> job = store_.GetJob(delivery.job_id);
  if (!job.ok() && job.status().code() != StatusCode::kNotFound) return job.status();
  const std::vector<NotifyTarget> targets = job.ok() ? TargetsOf(*job) : options_.server_targets;
  for (const NotifyTarget& candidate : targets) {
    if (candidate.fingerprint == delivery.target) target = candidate;
  }
  DeliveryAttempt attempt{.status = DeliveryStatus::kFailed};
  if (!event || !target) {
    attempt.error = !event ? "unknown event '" + delivery.event + "'"
                           : "the target is no longer in the job's or the server's notify list";
    return store_.RecordDeliveryAttempt(delivery.delivery_id, owner_, attempt);
  }
  Result<ResolvedTarget> resolved = Resolve(*target, options_.secrets, options_.environment);
  if (!resolved.ok()) {
    attempt.error = resolved.status().message();
    return store_.RecordDeliveryAttempt(delivery.delivery_id, owner_, attempt);
  }
  HttpRequest request{
      .method = "POST",
      .url = resolved->url,
      .headers = WebhookHeaders(*event, delivery.delivery_id, delivery.body, resolved->secret,
                                resolved->headers),
      .body = delivery.body,
      .timeout = options_.send_timeout,
      .connect_timeout = std::min<Duration>(options_.send_timeout, std::chrono::seconds(5)),
      // Only the status matters; an answer past this fails the send (and is not retried).
      .max_body_bytes = size_t{1} << 20,
      .follow_redirects = false};
  Result<HttpResponse> response =
      fetcher_.Fetch(request, delivery.url, options_.network, interrupter_);
  if (!response.ok() && interrupter_.interrupted()) return Status::Ok();  // sent again later
  SendOutcome outcome = SendOutcome::kFailed;
  std::optional<Duration> asked_delay;
  if (response.ok()) {
    outcome = ClassifyResponse(response->status);
    attempt.status_code = static_cast<int>(response->status);
    if (outcome != SendOutcome::kDelivered) {
      attempt.error = "HTTP " + std::to_string(response->status);
      if (response->status >= 300 && response->status < 400) {
        attempt.error += " (redirects are not followed)";
      } else if (!response->body.empty()) {
        attempt.error += ": " + Excerpt(response->body);
      }
      asked_delay = RetryAfter(*response);
    }
  } else {
    outcome = ClassifyError(response.status());
    attempt.error = response.status().message();
  }
  attempt.error = resolved->redactor.Redact(attempt.error);
  const int attempts = delivery.attempts + 1;
  if (outcome == SendOutcome::kDelivered) {
    attempt.status = DeliveryStatus::kDelivered;
  } else if (outcome == SendOutcome::kRetry && attempts < options_.max_attempts) {
    attempt.status = DeliveryStatus::kPending;
    Duration delay = options_.retry.Delay(attempts - 1, random_);
    if (asked_delay) delay = std::max(delay, *asked_delay);
    attempt.next_attempt_at = clock_.Now() + delay;
  } else {
    attempt.status = DeliveryStatus::kFailed;
    if (outcome == SendOutcome::kRetry) {
      attempt.error = "gave up after " + std::to_string(attempts) + " attempts: " + attempt.error;
    }
  }
  return store_.RecordDeliveryAttempt(delivery.delivery_id, owner_, attempt);
}

}  // namespace orc
