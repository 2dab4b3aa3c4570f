#include "cli/serve_command.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "api/api_context.h"
#include "api/api_server.h"
#include "api/cron_handler.h"
#include "api/dashboard_handler.h"
#include "api/health_handler.h"
#include "api/job_yaml.h"
#include "api/jobs_handler.h"
#include "api/metrics_handler.h"
#include "api/nodes_handler.h"
#include "api/notifications_handler.h"
#include "api/openapi_handler.h"
#include "api/router.h"
#include "api/runs_handler.h"
#include "cli/cli.h"
#include "common/logging.h"
#include "common/random_source.h"
#include "common/termination_signals.h"
#include "common/version.h"
#include "notify/notifier.h"
#include "plugins/extractors/api/network_policy.h"
#include "plugins/plugin_registry.h"
#include "scheduler/scheduler.h"
#include "state/change_feed.h"
#include "state/database_url.h"
#include "state/state_store.h"
#include "worker/node_heartbeat.h"
#include "worker/worker_manager.h"

namespace orc {
namespace {

// The state database's own file and the files SQLite keeps beside it.
std::vector<std::filesystem::path> StateFiles(const DatabaseUrl& database) {
  if (database.backend != DatabaseBackend::kSqlite || database.sqlite_path == ":memory:") return {};
  const std::filesystem::path file = std::filesystem::absolute(database.sqlite_path);
  return {file, file.string() + "-wal", file.string() + "-shm", file.string() + "-journal"};
}

// What jobs may reach: the data directory (created when missing) and the operator's directories,
// none of which may hold the state database; the hosts the api extractor may reach although
// private, orc's own API among them. Errors say which option to change.
Result<ExecutorSettings> Confinement(const ServeOptions& options, const DatabaseUrl& database,
                                     const HostPort& api) {
  ExecutorSettings settings;
  const std::filesystem::path working_directory = std::filesystem::current_path();
  settings.data_dir = ResolvedPath(options.data_dir.empty() ? working_directory / "data"
                                                            : working_directory / options.data_dir);
  std::error_code error;
  std::filesystem::create_directories(settings.data_dir, error);
  if (!std::filesystem::is_directory(settings.data_dir)) {
    return InvalidArgumentError("--data-dir: cannot create " + settings.data_dir.string() + ": " +
                                error.message());
  }
  for (const std::string& text : options.allow_paths) {
    Result<AllowedDirectory> allowed = ParseAllowedDirectory(text, working_directory);
    if (!allowed.ok()) return allowed.status().WithContext("--allow-path");
    settings.allowed_directories.push_back(std::move(*allowed));
  }
  settings.protected_files = StateFiles(database);
  if (!settings.protected_files.empty()) {
    const std::filesystem::path state = ResolvedPath(settings.protected_files.front());
    std::vector<AllowedDirectory> directories = settings.allowed_directories;
    directories.insert(directories.begin(), {settings.data_dir, true});
    for (const AllowedDirectory& directory : directories) {
      if (PathIsWithin(state, directory.path)) {
        return InvalidArgumentError(
            "the state database " + state.string() + " is inside " + directory.path.string() +
            ", a directory jobs may use: keep it elsewhere (--database-url sqlite:PATH) or give "
            "jobs another directory (--data-dir, --allow-path)");
      }
    }
    ORC_RETURN_IF_ERROR(
        PathPolicy(settings.data_dir, settings.allowed_directories, settings.protected_files)
            .CheckProtectedFilesHaveOneName());
  }
  for (const std::string& host : options.allow_hosts) {
    if (Result<AllowedHost> parsed = ParseAllowedHost(host); !parsed.ok()) {
      return parsed.status().WithContext("--allow-host");
    }
  }
  settings.allowed_hosts = options.allow_hosts;
  settings.allow_private = options.allow_private;
  // orc's own API is a source jobs may read (the examples do), also when it listens on every
  // address.
  const std::string port = std::to_string(api.port);
  if (api.host == "0.0.0.0" || api.host == "::" || api.host.empty()) {
    for (const char* host : {"127.0.0.1", "localhost", "::1"}) {
      settings.allowed_hosts.push_back(std::string(host) + ":" + port);
    }
  } else {
    settings.allowed_hosts.push_back(HostPort{api.host, api.port}.ToString());
  }
  return settings;
}

std::string Describe(const ExecutorSettings& settings, const ServeOptions& options) {
  std::string text = "jobs may use " + settings.data_dir.string() + " (read-write)";
  for (const AllowedDirectory& directory : settings.allowed_directories) {
    text +=
        ", " + directory.path.string() + (directory.writable ? " (read-write)" : " (read-only)");
  }
  text += "; ${env:} names matching";
  for (const std::string& pattern : options.allow_env) text += " " + pattern;
  text += "; task memory limit " + (options.task_memory_mb == 0
                                        ? std::string("none")
                                        : std::to_string(options.task_memory_mb) + " MiB");
  return text;
}

// What one process does (--roles).
struct Roles {
  bool api = false;
  bool scheduler = false;
  bool worker = false;

  bool all() const { return api && scheduler && worker; }
  std::vector<std::string> names() const {
    std::vector<std::string> names;
    if (api) names.emplace_back("api");
    if (scheduler) names.emplace_back("scheduler");
    if (worker) names.emplace_back("worker");
    return names;
  }
};

std::string JoinRoleNames(const Roles& roles) {
  std::string text;
  for (const std::string& name : roles.names()) text += (text.empty() ? "" : ",") + name;
  return text;
}

Result<Roles> ParseRoles(const std::string& text) {
  Roles roles;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const size_t end = comma == std::string::npos ? text.size() : comma;
    std::string role = text.substr(start, end - start);
    while (!role.empty() && role.front() == ' ') role.erase(role.begin());
    while (!role.empty() && role.back() == ' ') role.pop_back();
    bool* flag = role == "api"         ? &roles.api
                 : role == "scheduler" ? &roles.scheduler
                 : role == "worker"    ? &roles.worker
                                       : nullptr;
    if (flag == nullptr) {
      return InvalidArgumentError(
          "'" + role + "' is not a role: use api, scheduler and worker, comma-separated");
    }
    if (*flag) return InvalidArgumentError("'" + role + "' is named twice");
    *flag = true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return roles;
}

// The flags that need parsing, parsed.
struct ParsedFlags {
  HostPort bind;
  DatabaseUrl database;
  Roles roles;
};

// Parses --bind, --database-url and --log-level and starts logging; a usage error is printed,
// naming its flag, and gives no value.
std::optional<ParsedFlags> ParseFlags(const ServeOptions& options) {
  const Result<HostPort> bind = ParseHostPort(options.bind);
  if (!bind.ok()) {
    std::cerr << "orc: --bind: " << bind.status().message() << "\n";
    return std::nullopt;
  }
  const Result<DatabaseUrl> database = ParseDatabaseUrl(options.database_url);
  if (!database.ok()) {
    std::cerr << "orc: --database-url: " << database.status().message() << "\n";
    return std::nullopt;
  }
  const Result<LogLevel> log_level = ParseLogLevel(options.log_level);
  if (!log_level.ok()) {
    std::cerr << "orc: --log-level: " << log_level.status().message() << "\n";
    return std::nullopt;
  }
  const Result<Roles> roles = ParseRoles(options.roles);
  if (!roles.ok()) {
    std::cerr << "orc: --roles: " << roles.status().message() << "\n";
    return std::nullopt;
  }
  if (!roles->all() && database->backend != DatabaseBackend::kPostgres) {
    std::cerr << "orc: --roles " << options.roles
              << ": processes that split the roles share their work through the state database, "
                 "which needs PostgreSQL (--database-url postgres://...); with SQLite, run one "
                 "process with all three roles (the default)\n";
    return std::nullopt;
  }
  InitLogging(*log_level);
  return ParsedFlags{.bind = *bind, .database = *database, .roles = *roles};
}

WorkerManagerOptions WorkerOptions(const ServeOptions& options, const ExecutorSettings& confinement,
                                   const SecretPolicy& secrets, const std::string& node_id) {
  return WorkerManagerOptions{
      .workers = options.workers > 0
                     ? options.workers
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
      .lease = std::chrono::seconds(options.lease_s),
      // Often enough that a cancel requested through another process is seen within a second.
      .heartbeat =
          std::min<Duration>(std::chrono::seconds(1), std::chrono::seconds(options.lease_s) / 3),
      // Every second: a node found silent past --node-timeout-s is found within a second more.
      // Nearly always one indexed read that finds nothing.
      .reap_interval = std::chrono::seconds(1),
      .node_timeout = std::chrono::seconds(options.node_timeout_s),
      .node_id = node_id,
      .executor = {.command = {"/proc/self/exe", "executor"}, .settings = confinement},
      .secrets = secrets,
      .task_memory_mb = options.task_memory_mb};
}

// The routes of `orc serve`: with the api role every route, whose handlers tell the workers and
// the scheduler what they did through `context`; without it /health and /metrics only.
void InstallRoutes(ApiServer& server, StateStore& store, ApiContext& context,
                   const WorkerStatsSource& workers, const Roles& roles, const NodesView& nodes) {
  server.AddRoutes([&](Router& routes) {
    InstallHealthRoutes(routes, &store);
    InstallMetricsRoute(routes, store, &workers);
    if (!roles.api) {
      routes.SetUnknownPathHint("this orc process serves only /health and /metrics (--roles " +
                                JoinRoleNames(roles) +
                                "); the API is served by the processes with the api role");
      return;
    }
    InstallJobRoutes(routes, context);
    InstallRunRoutes(routes, context);
    InstallNotificationRoutes(routes, context);
    InstallNodeRoutes(routes, nodes);
    InstallCronRoutes(routes, context.clock);
    InstallOpenApiRoute(routes);
    InstallDashboardRoute(routes);
  });
}

// The notifier's settings: the server's own targets (--notify, JSON or YAML, checked like a job's
// notify, errors naming the file and the field), where links point, the api extractor's network
// policy. InvalidArgument says which option to change.
Result<NotifierOptions> NotifierSettings(const ServeOptions& options, const HostPort& api,
                                         const SecretPolicy& secrets) {
  NotifierOptions settings{.secrets = secrets};
  settings.retry.initial = std::chrono::seconds(options.notify_retry_s);
  // Bound to every address: links name this machine's "localhost", which --public-url corrects.
  const bool any_address = api.host.empty() || api.host == "0.0.0.0" || api.host == "::";
  settings.public_url =
      options.public_url.empty()
          ? "http://" + HostPort{any_address ? "localhost" : api.host, api.port}.ToString()
          : options.public_url;
  while (settings.public_url.ends_with('/')) settings.public_url.pop_back();
  for (const std::string& host : options.allow_hosts) {
    ORC_ASSIGN_OR_RETURN(AllowedHost allowed, ParseAllowedHost(host));
    settings.network.allowed_hosts.push_back(std::move(allowed));
  }
  settings.network.allow_private = options.allow_private;
  if (options.notify_file.empty()) return settings;
  const std::string& path = options.notify_file;
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) return InvalidArgumentError("--notify: cannot read " + path);
  // JSON is read as JSON; anything else as YAML: a list of targets, read like a list of jobs.
  nlohmann::json targets = nlohmann::json::parse(text.str(), nullptr, false);
  if (targets.is_discarded()) {
    Result<std::vector<YamlJob>> items = ParseYamlJobs(text.str(), path);
    if (!items.ok()) return items.status().WithContext("--notify");
    targets = nlohmann::json::array();
    for (const YamlJob& item : *items) targets.push_back(item.body);
  }
  Result<std::vector<NotifyTarget>> parsed = ParseNotifyTargets(targets, &secrets, path);
  if (!parsed.ok()) return parsed.status().WithContext("--notify");
  settings.server_targets = std::move(*parsed);
  return settings;
}

// Starts the workers, then the scheduler, as `roles` says; if the scheduler cannot start, the
// workers stop again. Errors are logged; false when either could not start.
bool StartExecution(WorkerManager& workers, int worker_count, Scheduler& scheduler,
                    const Roles& roles) {
  if (roles.worker) {
    if (Status started = workers.Start(); !started.ok()) {
      spdlog::error("{}", started.message());
      return false;
    }
    spdlog::info("{} workers running, each with a task process ({})", worker_count,
                 workers.sandbox());
  }
  if (roles.scheduler) {
    if (Status started = scheduler.Start(); !started.ok()) {
      spdlog::error("cannot start the scheduler: {}", started.message());
      workers.Shutdown(std::chrono::seconds(0));
      return false;
    }
    if (scheduler.leading()) {
      spdlog::info("scheduler running: {} scheduled jobs", scheduler.scheduled_jobs());
    } else {
      spdlog::info("scheduler standing by: another process leads");
    }
  }
  return true;
}

// What this process hears from the others sharing a PostgreSQL database, handed to the parts its
// roles run.
ChangeHandlers ChangeHandlersFor(const Roles& roles, WorkerManager& workers, Scheduler& scheduler) {
  ChangeHandlers handlers;
  if (roles.worker) {
    handlers.runs_queued = [&workers] { workers.RunEnqueued(); };
    handlers.cancel_requested = [&workers](const std::string& run_id) {
      workers.CancelRequested(run_id);
    };
  }
  if (roles.scheduler) {
    handlers.job_changed = [&scheduler](const std::string& job_id) {
      scheduler.JobChanged(job_id);
    };
  }
  handlers.resumed = [&roles, &workers, &scheduler] {
    if (roles.worker) workers.RunEnqueued();
    if (roles.scheduler) scheduler.ResyncSoon();
  };
  return handlers;
}

// Serves until SIGINT or SIGTERM (or a fatal server error), then closes the API.
Status ServeUntilSignalled(ApiServer& server, TerminationSignals& termination_signals) {
  std::thread signal_waiter([&] {
    if (const int signal_number = termination_signals.Wait(); signal_number != 0) {
      spdlog::info("received SIG{}, shutting down", sigabbrev_np(signal_number));
    }
    server.Stop();
  });
  const Status served = server.Serve();
  termination_signals.Cancel();
  signal_waiter.join();
  return served;
}

}  // namespace

int ServeCommand(const ServeOptions& options, Clock& clock) {
  const std::optional<ParsedFlags> flags = ParseFlags(options);
  if (!flags) return kExitUsage;
  const HostPort& bind = flags->bind;
  const DatabaseUrl& database = flags->database;
  const Roles& roles = flags->roles;

  // Before any thread starts, so that every thread inherits the blocked signal mask.
  TerminationSignals termination_signals;

  ApiServer server(ApiServerOptions{.bind = bind, .api_token = options.api_token});
  // Bind before opening the state store: an unusable address is reported at once, alone.
  if (Status bound = server.Bind(); !bound.ok()) {
    spdlog::error("{}", bound.message());
    return kExitFailure;
  }
  Result<ExecutorSettings> confinement =
      Confinement(options, database, HostPort{bind.host, server.port()});
  if (!confinement.ok()) {
    spdlog::error("{}", confinement.status().message());
    return kExitFailure;
  }
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(database, clock);
  if (!store.ok()) {
    spdlog::error("{}", store.status().message());
    return kExitFailure;
  }
  spdlog::info("state store ready: {}", database.redacted);
  if (!options.api_token.empty()) spdlog::info("API token required on every route but /health");

  if (roles.worker) spdlog::info("{}", Describe(*confinement, options));

  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  // What jobs may reach, checked when a job is written; the workers check again when it runs.
  const PathPolicy paths(confinement->data_dir, confinement->allowed_directories,
                         confinement->protected_files);
  const SecretPolicy secrets(options.allow_env);
  const std::string node_id = NewNodeId();
  const Duration node_timeout = std::chrono::seconds(options.node_timeout_s);
  const WorkerManagerOptions worker_options =
      WorkerOptions(options, *confinement, secrets, node_id);
  SeededRandom random(SeededRandom::UnpredictableSeed());
  // Made whatever the roles: the metrics read the workers' (empty) counters, and the API plans
  // backfills with the scheduler's rules. Only the roles' parts are started.
  WorkerManager workers(**store, plugins, clock, random, worker_options);
  Scheduler scheduler(**store, clock, roles.worker ? &workers : nullptr,
                      SchedulerOptions{.leadership = store->get(), .node_id = node_id});
  // The API sees the workers and the scheduler only through the interfaces it needs. Other
  // processes hear of what it writes through the database (ChangeFeed).
  ApiContext context{.store = **store,
                     .plugins = plugins,
                     .clock = clock,
                     .run_events = roles.worker ? &workers : nullptr,
                     .scheduler = &scheduler,
                     .config_checks = {.paths = &paths, .secrets = &secrets}};
  Result<NotifierOptions> notifier_options =
      NotifierSettings(options, HostPort{bind.host, server.port()}, secrets);
  if (!notifier_options.ok()) {
    spdlog::error("{}", notifier_options.status().message());
    return kExitFailure;
  }
  Notifier notifier(**store, clock, std::move(*notifier_options));
  InstallRoutes(
      server, **store, context, workers, roles,
      NodesView{.store = **store, .clock = clock, .node_timeout = node_timeout, .self = node_id});

  // This process in the node registry; silent too long, it stops the runs it holds.
  NodeHeartbeat heartbeat(
      **store, clock,
      NodeInfo{.node_id = node_id,
               .host = HostName(),
               .roles = roles.names(),
               .version = kVersion,
               .started_at = clock.Now(),
               .workers = roles.worker ? worker_options.workers : 0},
      NodeHeartbeatOptions{
          .interval = std::min<Duration>(std::chrono::seconds(1), node_timeout / 5),
          .node_timeout = node_timeout,
          .fence_after = node_timeout * 3 / 5,
          .busy_workers = [&workers] { return workers.stats().active_runs; },
          .on_silent =
              [&workers, &roles] {
                if (roles.worker) workers.Fence();
              },
          .on_heard =
              [&workers, &roles] {
                if (roles.worker) workers.Unfence();
              }});
  if (Status registered = heartbeat.Start(); !registered.ok()) {
    spdlog::error("{}", registered.message());
    return kExitFailure;
  }
  std::unique_ptr<ChangeFeed> changes =
      OpenChangeFeed(database, ChangeHandlersFor(roles, workers, scheduler));
  if (changes != nullptr) {
    if (Status listening = changes->Start(); !listening.ok()) {
      spdlog::error("{}", listening.message());
      return kExitFailure;
    }
  }
  if (!StartExecution(workers, worker_options.workers, scheduler, roles)) return kExitFailure;
  if (Status started = notifier.Start(); !started.ok()) {
    spdlog::error("cannot start the notifier: {}", started.message());
    return kExitFailure;
  }
  spdlog::info("node {}: roles {}", node_id, JoinRoleNames(roles));
  spdlog::info("orc {} listening on http://{} (state: {})", kVersion,
               HostPort{bind.host, server.port()}.ToString(), database.redacted);

  const Status served = ServeUntilSignalled(server, termination_signals);
  // The API is closed: no new runs from this process. Running ones get the grace period.
  scheduler.Stop();
  workers.Shutdown(std::chrono::seconds(options.shutdown_grace_s));
  // After the workers, so that runs ending in the grace period still alert; a send in flight is
  // cut short and left for the next start (its lease expires).
  notifier.Stop();
  if (changes != nullptr) changes->Stop();
  heartbeat.Stop();
  if (!served.ok()) {
    spdlog::error("{}", served.message());
    return kExitFailure;
  }
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace orc
