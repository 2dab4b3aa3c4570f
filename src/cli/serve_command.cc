#include "cli/serve_command.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api/api_context.h"
#include "api/api_server.h"
#include "api/cron_handler.h"
#include "api/dashboard_handler.h"
#include "api/health_handler.h"
#include "api/jobs_handler.h"
#include "api/metrics_handler.h"
#include "api/openapi_handler.h"
#include "api/router.h"
#include "api/runs_handler.h"
#include "cli/cli.h"
#include "common/logging.h"
#include "common/termination_signals.h"
#include "common/version.h"
#include "engine/duckdb_engine.h"
#include "plugins/plugin_registry.h"
#include "scheduler/scheduler.h"
#include "state/database_url.h"
#include "state/state_store.h"
#include "worker/worker_manager.h"

namespace orc {

int RunServe(const ServeOptions& options) {
  const Result<HostPort> bind = ParseHostPort(options.bind);
  if (!bind.ok()) {
    std::cerr << "orc: --bind: " << bind.status().message() << "\n";
    return kExitUsage;
  }
  const Result<DatabaseUrl> database = ParseDatabaseUrl(options.database_url);
  if (!database.ok()) {
    std::cerr << "orc: --database-url: " << database.status().message() << "\n";
    return kExitUsage;
  }
  const Result<LogLevel> log_level = ParseLogLevel(options.log_level);
  if (!log_level.ok()) {
    std::cerr << "orc: --log-level: " << log_level.status().message() << "\n";
    return kExitUsage;
  }
  InitLogging(*log_level);

  // Before any thread starts, so that every thread inherits the blocked signal mask.
  TerminationSignals termination_signals;

  ApiServer server(ApiServerOptions{.bind = *bind, .api_token = options.api_token});
  // Bind before opening the state store: an unusable address is reported at once, alone.
  if (Status bound = server.Bind(); !bound.ok()) {
    spdlog::error("{}", bound.message());
    return kExitFailure;
  }
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(*database, SystemClock::Instance());
  if (!store.ok()) {
    spdlog::error("{}", store.status().message());
    return kExitFailure;
  }
  spdlog::info("state store ready: {}", database->redacted);
  if (!options.api_token.empty()) spdlog::info("API token required on every route but /health");

  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  DuckDbEngine engine;
  // Jobs reach the data directory and nothing else; the state database not at all, by any name.
  std::vector<std::filesystem::path> state_files;
  if (database->backend == DatabaseBackend::kSqlite && database->sqlite_path != ":memory:") {
    const std::string state = std::filesystem::absolute(database->sqlite_path).string();
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      state_files.push_back(state + suffix);
  }
  const PathPolicy paths(options.data_dir.empty() ? std::filesystem::current_path()
                                                  : std::filesystem::absolute(options.data_dir),
                         {}, std::move(state_files));
  const SecretPolicy secrets;
  WorkerManagerOptions worker_options{
      .workers = options.workers > 0
                     ? options.workers
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
      .lease = std::chrono::seconds(options.lease_s),
      // Often enough that a cancel requested through another process is seen within a second.
      .heartbeat =
          std::min<Duration>(std::chrono::seconds(1), std::chrono::seconds(options.lease_s) / 3),
      .reap_interval = std::chrono::seconds(std::max(1, options.lease_s / 2)),
      .paths = paths,
      .secrets = secrets};
  WorkerManager workers(**store, plugins, engine, SystemClock::Instance(), worker_options);
  Scheduler scheduler(**store, SystemClock::Instance(), &workers);
  ApiContext context{.store = **store,
                     .plugins = plugins,
                     .clock = SystemClock::Instance(),
                     .run_events = &workers,
                     .scheduler = &scheduler,
                     .config_checks = {.paths = &paths, .secrets = &secrets}};
  server.AddRoutes([&](Router& routes) {
    InstallHealthRoutes(routes, store->get());
    InstallJobRoutes(routes, context);
    InstallRunRoutes(routes, context);
    InstallMetricsRoute(routes, **store, &workers);
    InstallCronRoutes(routes);
    InstallOpenApiRoute(routes);
    InstallDashboardRoute(routes);
  });
  if (Status started = workers.Start(); !started.ok()) {
    spdlog::error("{}", started.message());
    return kExitFailure;
  }
  spdlog::info("{} workers running (data directory {})", worker_options.workers,
               paths.data_dir().string());
  if (Status started = scheduler.Start(); !started.ok()) {
    spdlog::error("cannot start the scheduler: {}", started.message());
    workers.Shutdown(std::chrono::seconds(0));
    return kExitFailure;
  }
  spdlog::info("scheduler running: {} scheduled jobs", scheduler.scheduled_jobs());
  spdlog::info("orc {} listening on http://{} (state: {})", kVersion,
               HostPort{bind->host, server.port()}.ToString(), database->redacted);

  std::thread signal_waiter([&] {
    if (const int signal_number = termination_signals.Wait(); signal_number != 0) {
      spdlog::info("received SIG{}, shutting down", sigabbrev_np(signal_number));
    }
    server.Stop();
  });
  const Status served = server.Serve();
  termination_signals.Cancel();
  signal_waiter.join();
  // The API is closed: no new runs from this process. Running ones get the grace period.
  scheduler.Stop();
  workers.Shutdown(std::chrono::seconds(options.shutdown_grace_s));
  if (!served.ok()) {
    spdlog::error("{}", served.message());
    return kExitFailure;
  }
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace orc
