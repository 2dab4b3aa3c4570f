// ChangeFeed: what the orc processes sharing a PostgreSQL database tell each other the moment it
// happens, so that a run queued through one process is claimed by an idle worker of another
// within milliseconds, a job changed through one reaches the scheduler that leads, and a cancel
// reaches the process running the run.
//
// The store announces its own writes (PostgreSQL NOTIFY, sent with the write's transaction, so a
// change is announced only once it committed): runs queued or queued again, jobs written, cancels
// requested of running runs. Each process listens on one connection of its own (LISTEN) and
// hands what arrives to its ChangeHandlers, on the feed's thread.
//
// A notification can be lost: the listening connection drops (a PostgreSQL restart, a network
// cut), or this process was not listening yet. After each (re)connection the feed calls
// `resumed`, so the process looks at everything once, as its pollers would; the pollers stay, at
// their intervals, as the fallback. Announcing is best-effort: a write that committed is never
// reported failed because its notification could not be sent.
//
// SQLite has no notifications: one process writes it, and tells its own parts directly
// (RunEvents, SlotPlanner).
//
// Thread safety: Start and Stop from one thread; the handlers run on the feed's thread and must
// not block for long.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "state/database_url.h"

namespace orc {

// The channels; a notification's payload names the run or the job where it says.
inline constexpr std::string_view kRunsChannel = "orc_runs";      // runs queued; payload empty
inline constexpr std::string_view kJobsChannel = "orc_jobs";      // payload: the job_id
inline constexpr std::string_view kCancelChannel = "orc_cancel";  // payload: the run_id

struct ChangeHandlers {
  std::function<void()> runs_queued;
  std::function<void(const std::string& job_id)> job_changed;
  std::function<void(const std::string& run_id)> cancel_requested;
  // Listening (again): notifications may have been missed before.
  std::function<void()> resumed;
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Connects and listens on a thread of its own; keeps reconnecting (with backoff) while the
  // database is unreachable. Fails only when the feed cannot start at all.
  virtual Status Start() = 0;
  virtual void Stop() = 0;
  // Whether the feed listens now (for health and /nodes).
  virtual bool listening() const = 0;
};

// The feed of a PostgreSQL database; nullptr for SQLite, which has none.
std::unique_ptr<ChangeFeed> OpenChangeFeed(const DatabaseUrl& url, ChangeHandlers handlers);

}  // namespace orc
