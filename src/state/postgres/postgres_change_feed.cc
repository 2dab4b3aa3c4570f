// ChangeFeed over PostgreSQL LISTEN/NOTIFY: one libpq connection of its own, on one thread that
// waits on the connection's socket and on an eventfd that Stop() signals.
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/backoff.h"
#include "state/change_feed.h"
#include "state/postgres/postgres_connection.h"

namespace orc {
namespace {

// A listening connection that received nothing for this long runs a trivial query: a server cut
// off by the network is then noticed within tcp_user_timeout (5 s) rather than never.
constexpr int kPingAfterMs = 2000;
// Between connection attempts while the server is unreachable.
constexpr Backoff kReconnect{.initial = std::chrono::milliseconds(100),
                             .max = std::chrono::seconds(2)};

class PostgresChangeFeed final : public ChangeFeed {
 public:
  PostgresChangeFeed(std::string uri, std::string redacted, ChangeHandlers handlers)
      : uri_(std::move(uri)), redacted_(std::move(redacted)), handlers_(std::move(handlers)) {}
  ~PostgresChangeFeed() override {
    Stop();
    if (stop_fd_ >= 0) close(stop_fd_);
  }

  Status Start() override {
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) return InternalError("cannot create the change feed's eventfd");
    thread_ = std::thread([this] { Loop(); });
    return Status::Ok();
  }

  void Stop() override {
    if (!thread_.joinable()) return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = write(stop_fd_, &one, sizeof one);
    thread_.join();
  }

  bool listening() const override { return listening_.load(); }

 private:
  // Waits up to `ms` for the stop signal; true when stopping.
  bool WaitForStop(int ms) const {
    pollfd stop{.fd = stop_fd_, .events = POLLIN, .revents = 0};
    return poll(&stop, 1, ms) > 0;
  }

  void Loop() {
    for (int failures = 0;;) {
      PGconn* connection = ConnectToPostgres(uri_);
      if (PQstatus(connection) == CONNECTION_OK) {
        PGresult* listened = PQexec(connection,
                                    "LISTEN orc_runs; LISTEN orc_jobs; "
                                    "LISTEN orc_cancel");
        const bool ok = PQresultStatus(listened) == PGRES_COMMAND_OK;
        PQclear(listened);
        if (ok) {
          if (failures > 0) spdlog::info("listening for changes on {} again", redacted_);
          failures = 0;
          listening_ = true;
          if (handlers_.resumed) handlers_.resumed();
          const bool stopping = Listen(connection);
          listening_ = false;
          if (stopping) {
            PQfinish(connection);
            return;
          }
        }
      }
      if (failures == 0) {
        spdlog::warn(
            "not listening for changes on {} ({}); other processes' runs, jobs and "
            "cancels are found by polling until it is back",
            redacted_, PQerrorMessage(connection));
      }
      PQfinish(connection);
      const auto delay =
          std::chrono::duration_cast<std::chrono::milliseconds>(kReconnect.Ceiling(failures++));
      if (WaitForStop(static_cast<int>(delay.count()))) return;
    }
  }

  // Hands notifications on until the connection fails (false) or Stop() (true).
  bool Listen(PGconn* connection) {
    pollfd fds[2] = {{.fd = stop_fd_, .events = POLLIN, .revents = 0},
                     {.fd = PQsocket(connection), .events = POLLIN, .revents = 0}};
    while (true) {
      const int ready = poll(fds, 2, kPingAfterMs);
      if (ready < 0 && errno != EINTR) return false;
      if (fds[0].revents != 0) return true;
      if (ready == 0) {
        // Quiet: make sure the server is still there.
        PGresult* pinged = PQexec(connection, "SELECT 1");
        const bool ok = PQresultStatus(pinged) == PGRES_TUPLES_OK;
        PQclear(pinged);
        if (!ok) return false;
      } else if (fds[1].revents != 0 && PQconsumeInput(connection) == 0) {
        return false;
      }
      while (PGnotify* notification = PQnotifies(connection)) {
        Dispatch(notification->relname, notification->extra != nullptr ? notification->extra : "");
        PQfreemem(notification);
      }
      if (PQstatus(connection) != CONNECTION_OK) return false;
    }
  }

  void Dispatch(std::string_view channel, const std::string& payload) const {
    if (channel == kRunsChannel) {
      if (handlers_.runs_queued) handlers_.runs_queued();
    } else if (channel == kJobsChannel) {
      if (handlers_.job_changed) handlers_.job_changed(payload);
    } else if (channel == kCancelChannel) {
      if (handlers_.cancel_requested) handlers_.cancel_requested(payload);
    }
  }

  const std::string uri_;
  const std::string redacted_;
  const ChangeHandlers handlers_;
  int stop_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> listening_{false};
};

}  // namespace

std::unique_ptr<ChangeFeed> OpenChangeFeed(const DatabaseUrl& url, ChangeHandlers handlers) {
  if (url.backend != DatabaseBackend::kPostgres) return nullptr;
  return std::make_unique<PostgresChangeFeed>(url.postgres_uri, url.redacted, std::move(handlers));
}

}  // namespace orc
