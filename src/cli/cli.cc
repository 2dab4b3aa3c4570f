#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "cli/apply_command.h"
#include "cli/client_support.h"
#include "cli/cron_command.h"
#include "cli/job_commands.h"
#include "cli/query_command.h"
#include "cli/rerun_commands.h"
#include "cli/run_commands.h"
#include "cli/serve_command.h"
#include "common/clock.h"
#include "common/version.h"
#include "engine/duckdb_library.h"
#include "executor/executor_main.h"
#include "plugins/plugin_registry.h"
#include "state/database_url.h"

namespace orc {
namespace {

// A whole number from `min` to `max`, with a message that says what is wrong with the value:
// "--workers: 'abc' is not a whole number" (CLI11's own Range says "Value abc not in range").
CLI::Validator WholeNumber(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        int64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        if (text.empty() || error == std::errc::invalid_argument || stop != end) {
          return "'" + text + "' is not a whole number";
        }
        if (error == std::errc::result_out_of_range || value < min || value > max) {
          return "'" + text + "' is not from " + std::to_string(min) + " to " + std::to_string(max);
        }
        return "";
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

void AddServeOptions(CLI::App& serve, ServeOptions& options) {
  serve.add_option("--bind", options.bind, "Address to listen on, HOST:PORT (port 0: any free)")
      ->envname("ORC_BIND")
      ->capture_default_str();
  serve
      .add_option("--database-url", options.database_url,
                  std::string("Where orc keeps its state: ") + kDatabaseUrlForms)
      ->envname("DATABASE_URL")
      ->capture_default_str();
  serve.add_option("--log-level", options.log_level, "trace, debug, info, warn or error")
      ->envname("ORC_LOG_LEVEL")
      ->capture_default_str();
  serve
      .add_option("--api-token", options.api_token,
                  "Require 'Authorization: Bearer TOKEN' on every route but /health and the "
                  "dashboard page /")
      ->envname("ORC_API_TOKEN");
  serve.add_option("--workers", options.workers, "Runs executed at once (0: one per core)")
      ->envname("ORC_WORKERS")
      ->check(WholeNumber(0, 1024))
      ->capture_default_str();
  serve
      .add_option("--shutdown-grace-s", options.shutdown_grace_s,
                  "On SIGTERM, seconds running tasks get to finish before they are interrupted "
                  "and their runs given back to the queue")
      ->check(WholeNumber(0, 86400))
      ->capture_default_str();
  serve
      .add_option("--lease-s", options.lease_s,
                  "Seconds a claimed run stays this process's without a heartbeat; the runs of a "
                  "process that died are retried after it")
      ->envname("ORC_LEASE_S")
      ->check(WholeNumber(2, 3600))
      ->capture_default_str();
  serve
      .add_option("--roles", options.roles,
                  "What this process does: a comma-separated subset of api (the REST API and the "
                  "dashboard), scheduler (fires schedules; one leads among all processes) and "
                  "worker (runs tasks). Splitting roles across processes needs PostgreSQL")
      ->envname("ORC_ROLES")
      ->capture_default_str();
  serve
      .add_option("--node-timeout-s", options.node_timeout_s,
                  "Seconds without a heartbeat after which a process counts as lost and other "
                  "processes take its runs over; a process that cannot reach the database stops "
                  "its runs before that")
      ->envname("ORC_NODE_TIMEOUT_S")
      ->check(WholeNumber(2, 3600))
      ->capture_default_str();
  serve
      .add_option("--data-dir", options.data_dir,
                  "Where relative paths in jobs (files, DuckDB databases) resolve; jobs may read "
                  "and write in it (default: ./data, created when missing)")
      ->envname("ORC_DATA_DIR");
  serve
      .add_option("--allow-path", options.allow_paths,
                  "Another directory jobs may use: DIR or DIR:ro (read only), DIR:rw (read and "
                  "write); repeatable")
      ->type_name("DIR[:ro|:rw]");
  serve
      .add_option("--allow-env", options.allow_env,
                  "Environment variables jobs may reference as ${env:NAME}: a name or a pattern "
                  "with * and ?; repeatable (replaces the default)")
      ->type_name("PATTERN")
      ->capture_default_str();
  serve
      .add_option("--allow-host", options.allow_hosts,
                  "A host the api extractor may reach although it is on a loopback, private or "
                  "link-local address: HOST or HOST:PORT; repeatable")
      ->type_name("HOST[:PORT]");
  serve.add_flag(
      "--allow-private", options.allow_private,
      "Let the api extractor reach every loopback, private and link-local address (never "
      "cloud metadata endpoints, which only --allow-host opens)");
  serve
      .add_option("--notify", options.notify_file,
                  "A JSON or YAML file of notification targets (as a job's notify) that alert "
                  "for every job")
      ->envname("ORC_NOTIFY")
      ->type_name("FILE");
  serve
      .add_option("--public-url", options.public_url,
                  "Where people reach this server's dashboard, for links in alerts (default: "
                  "http:// and the --bind address)")
      ->envname("ORC_PUBLIC_URL")
      ->type_name("URL");
  serve
      .add_option("--notify-retry-s", options.notify_retry_s,
                  "Seconds before a failed webhook is sent again, doubling at each try (at most "
                  "20 minutes; 8 tries)")
      ->check(WholeNumber(1, 3600))
      ->capture_default_str();
  serve
      .add_option("--task-memory-mb", options.task_memory_mb,
                  "Memory each task may use, in MiB, unless its job says otherwise (0: no limit)")
      ->envname("ORC_TASK_MEMORY_MB")
      ->check(WholeNumber(0, 1 << 20))
      ->capture_default_str();
}

// Several commands bind the same ClientOptions, so the environment is read once, as their
// default (CLI11 would let every command's envname overwrite what the command line gave).
void ReadClientEnvironment(ClientOptions& options) {
  if (const char* server = std::getenv("ORC_SERVER"); server != nullptr && *server != '\0') {
    options.api.server = server;
  }
  if (const char* token = std::getenv("ORC_API_TOKEN"); token != nullptr) options.api.token = token;
}

void AddOutputOption(CLI::App& command, std::string& output) {
  command.add_option("-o,--output", output, "table (for people) or json (for scripts)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

void AddClientOptions(CLI::App& command, ClientOptions& options) {
  command.add_option("--server", options.api.server, "The orc server's address (env ORC_SERVER)")
      ->capture_default_str();
  command.add_option("--token", options.api.token,
                     "The server's API token, if it has one (env ORC_API_TOKEN)");
  AddOutputOption(command, options.output);
}

// What the client commands read from the command line; `action` is what the chosen one runs
// once every argument is parsed.
struct ClientArguments {
  ClientOptions client;
  ApplyOptions apply;
  RunOptions run;
  RunsListOptions runs_list;
  ClearOptions clear;  // runs clear, and the --wait/--follow of runs retry
  bool no_downstream = false;
  PageOptions jobs_page{.limit = 100};
  BackfillOptions backfill;
  CronOptions cron;
  QueryOptions query;
  std::string job;
  std::string run_id;
  bool follow = false;
  std::vector<std::string> help_topic;
  std::function<int()> action;
};

// Each Add*Command below registers one client command on `app`. Its callback, run while the
// arguments are parsed, sets `arguments.action` to the command; the callbacks capture
// `arguments` and `clock`, which outlive them. Commands that read or wait on time take `clock`.
// A command with subcommands has the connection options on each of them too, so that every
// `--help` lists them.

void AddPageOptions(CLI::App& command, PageOptions& page, const std::string& what) {
  command.add_option("--limit", page.limit, "Show at most this many " + what)
      ->check(WholeNumber(1, 1000))
      ->capture_default_str();
  command.add_option("--offset", page.offset, "Skip this many " + what + " first")
      ->check(WholeNumber(0, 1000000000))
      ->capture_default_str();
}

void AddApplyCommand(CLI::App& app, ClientArguments& arguments) {
  ClientArguments* a = &arguments;
  CLI::App* apply =
      app.add_subcommand("apply", "Create or update the server's jobs from YAML/JSON job files");
  AddClientOptions(*apply, a->client);
  apply->add_option("-f,--filename", a->apply.paths, "A job file, or a directory of them")
      ->required();
  apply->add_flag("--dry-run", a->apply.dry_run, "Show what would change; change nothing");
  apply->add_flag("--prune", a->apply.prune, "Delete the jobs that no file defines");
  apply->add_flag("-y,--yes", a->apply.yes,
                  "Let --prune delete every job on the server, or more than " +
                      std::to_string(kMaxPruneWithoutYes));
  apply->callback([a] { a->action = [a] { return ApplyJobsCommand(a->client, a->apply); }; });
}

// `jobs` (which lists, as `jobs list` does) and its subcommands.
void AddJobsCommands(CLI::App& app, ClientArguments& arguments, Clock& clock) {
  ClientArguments* a = &arguments;
  Clock* c = &clock;
  CLI::App* jobs = app.add_subcommand("jobs", "List, show, pause, resume and delete jobs");
  AddClientOptions(*jobs, a->client);
  jobs->fallthrough();
  CLI::App* list = jobs->add_subcommand("list", "The jobs, their schedules and last runs");
  for (CLI::App* command : {jobs, list}) AddPageOptions(*command, a->jobs_page, "jobs");
  // A subcommand's callback runs before its parent's: `jobs` lists unless one was chosen.
  jobs->callback([a] {
    if (!a->action) a->action = [a] { return ListJobsCommand(a->client, a->jobs_page); };
  });
  list->callback([a] { a->action = [a] { return ListJobsCommand(a->client, a->jobs_page); }; });
  CLI::App* show = jobs->add_subcommand("show", "A job's definition (YAML) and recent runs");
  show->add_option("job", a->job, "Job name or id")->required();
  show->callback([a, c] { a->action = [a, c] { return ShowJobCommand(a->client, a->job, *c); }; });
  for (const bool active : {false, true}) {
    CLI::App* toggle =
        jobs->add_subcommand(active ? "resume" : "pause",
                             active ? "Let the job's schedule fire again"
                                    : "Stop the job's schedule (manual runs stay possible)");
    toggle->add_option("job", a->job, "Job name or id")->required();
    toggle->callback([a, active] {
      a->action = [a, active] { return SetJobActiveCommand(a->client, a->job, active); };
    });
  }
  CLI::App* remove = jobs->add_subcommand(
      "delete", "Delete a job and its runs (refused while a run is queued or running)");
  remove->add_option("job", a->job, "Job name or id")->required();
  remove->callback([a] { a->action = [a] { return DeleteJobCommand(a->client, a->job); }; });
  for (CLI::App* command : jobs->get_subcommands({})) AddClientOptions(*command, a->client);
}

void AddWaitOptions(CLI::App& command, WaitOptions& then) {
  command.add_flag("--wait", then.wait, "Wait for the run to finish; exit 0 if it succeeds");
  command.add_flag("--follow", then.follow, "Stream the run's log and progress until it ends");
}

void AddRunCommand(CLI::App& app, ClientArguments& arguments, Clock& clock) {
  ClientArguments* a = &arguments;
  Clock* c = &clock;
  CLI::App* run = app.add_subcommand("run", "Trigger a run of a job");
  AddClientOptions(*run, a->client);
  run->add_option("job", a->run.job, "Job name or id")->required();
  run->add_option("-p,--param", a->run.params,
                  "A parameter's value, NAME=VALUE (repeatable); the job's default otherwise")
      ->type_name("NAME=VALUE");
  run->add_option("--interval-start", a->run.interval_start,
                  "The start of the run's data interval (with --interval-end): a UTC date or an "
                  "RFC 3339 time; by default the job's latest completed interval")
      ->type_name("TIME");
  run->add_option("--interval-end", a->run.interval_end,
                  "The end of the run's data interval, excluded")
      ->type_name("TIME");
  AddWaitOptions(*run, a->run.then);
  run->callback(
      [a, c] { a->action = [a, c] { return TriggerRunCommand(a->client, a->run, *c); }; });
}

void AddBackfillCommand(CLI::App& app, ClientArguments& arguments) {
  ClientArguments* a = &arguments;
  CLI::App* backfill = app.add_subcommand(
      "backfill", "Queue a run for each schedule slot of a job in a time range (also when paused)");
  AddClientOptions(*backfill, a->client);
  backfill->add_option("job", a->backfill.job, "Job name or id")->required();
  backfill
      ->add_option("--from", a->backfill.from,
                   "The first slot: a UTC date (2026-11-01) or an RFC 3339 time "
                   "(2026-11-01T06:00:00Z)")
      ->required();
  backfill->add_option("--to", a->backfill.to, "The last slot, included; at most 1,000 slots")
      ->required();
  backfill->callback([a] { a->action = [a] { return BackfillCommand(a->client, a->backfill); }; });
}

// `runs` (which lists, as `runs list` does), `runs show`, `runs retry` and `runs clear`.
void AddRunsCommand(CLI::App& app, ClientArguments& arguments, Clock& clock) {
  ClientArguments* a = &arguments;
  Clock* c = &clock;
  CLI::App* runs = app.add_subcommand(
      "runs", "List runs (orc runs list), show one, retry one or clear one of its tasks");
  AddClientOptions(*runs, a->client);
  runs->fallthrough();
  CLI::App* list = runs->add_subcommand("list", "Runs, newest first");
  for (CLI::App* command : {runs, list}) {
    command->add_option("--job", a->runs_list.job, "Only this job's runs (name or id)");
    command
        ->add_option("--status", a->runs_list.status,
                     "queued, running, success, failed or cancelled")
        ->check(CLI::IsMember({"queued", "running", "success", "failed", "cancelled"}));
    command->add_option("--trigger", a->runs_list.trigger, "manual, scheduler or backfill")
        ->check(CLI::IsMember({"manual", "scheduler", "backfill"}));
    AddPageOptions(*command, a->runs_list.page, "runs");
  }
  runs->callback([a, c] {
    if (!a->action) {
      a->action = [a, c] { return ListRunsCommand(a->client, a->runs_list, *c); };
    }
  });
  list->callback(
      [a, c] { a->action = [a, c] { return ListRunsCommand(a->client, a->runs_list, *c); }; });
  CLI::App* show = runs->add_subcommand("show", "A run: its times, rows, error and tasks");
  show->add_option("run_id", a->run_id, "The run")->required();
  show->callback(
      [a, c] { a->action = [a, c] { return ShowRunCommand(a->client, a->run_id, *c); }; });
  CLI::App* retry = runs->add_subcommand(
      "retry",
      "Re-run from failure: a new run of the tasks that did not succeed and those "
      "downstream of them (same interval and parameters)");
  retry->add_option("run_id", a->run_id, "A finished run")->required();
  AddWaitOptions(*retry, a->clear.then);
  retry->callback([a, c] {
    a->action = [a, c] { return RetryRunCommand(a->client, a->run_id, a->clear.then, *c); };
  });
  CLI::App* clear = runs->add_subcommand(
      "clear", "Run one task of a finished run again, and those downstream of it, in a new run");
  clear->add_option("run_id", a->clear.run_id, "A finished run")->required();
  clear->add_option("task", a->clear.task, "The task's name")->required();
  clear->add_flag("--no-downstream", a->no_downstream,
                  "Run the task alone, not the tasks downstream of it");
  AddWaitOptions(*clear, a->clear.then);
  clear->callback([a, c] {
    a->clear.downstream = !a->no_downstream;
    a->action = [a, c] { return ClearTaskCommand(a->client, a->clear, *c); };
  });
  for (CLI::App* command : runs->get_subcommands({})) AddClientOptions(*command, a->client);
}

void AddLogsCommand(CLI::App& app, ClientArguments& arguments, Clock& clock) {
  ClientArguments* a = &arguments;
  Clock* c = &clock;
  CLI::App* logs = app.add_subcommand("logs", "A run's log");
  AddClientOptions(*logs, a->client);
  logs->add_option("run_id", a->run_id, "The run")->required();
  logs->add_flag("-f,--follow", a->follow, "Keep printing new lines until the run ends");
  logs->callback([a, c] {
    a->action = [a, c] { return ShowLogsCommand(a->client, a->run_id, a->follow, *c); };
  });
}

void AddCancelCommand(CLI::App& app, ClientArguments& arguments) {
  ClientArguments* a = &arguments;
  CLI::App* cancel = app.add_subcommand("cancel", "Cancel a queued or running run");
  AddClientOptions(*cancel, a->client);
  cancel->add_option("run_id", a->run_id, "The run")->required();
  cancel->callback([a] { a->action = [a] { return CancelRunCommand(a->client, a->run_id); }; });
}

// Offline: no server options.
void AddCronCommand(CLI::App& app, ClientArguments& arguments, Clock& clock) {
  ClientArguments* a = &arguments;
  Clock* c = &clock;
  CLI::App* cron =
      app.add_subcommand("cron", "A cron expression in words and its next fire times (offline)");
  cron->add_option("expression", a->cron.expression, "e.g. \"0 9 * * MON-FRI\"")->required();
  cron->add_option("--tz", a->cron.timezone, "IANA time zone")->capture_default_str();
  cron->add_option("-n,--count", a->cron.count, "How many fire times")
      ->check(WholeNumber(1, 1000))
      ->capture_default_str();
  AddOutputOption(*cron, a->client.output);
  cron->callback(
      [a, c] { a->action = [a, c] { return PreviewCronCommand(a->client, a->cron, *c); }; });
}

// Local: reads a DuckDB file, no server options.
void AddQueryCommand(CLI::App& app, ClientArguments& arguments) {
  ClientArguments* a = &arguments;
  CLI::App* query = app.add_subcommand("query", "Run SQL on a DuckDB file that jobs loaded");
  query->add_option("db_path", a->query.db_path, "The DuckDB file")->required();
  query->add_option("sql", a->query.sql, "e.g. \"SELECT count(*) FROM orders\"")->required();
  query->add_option("--max-rows", a->query.max_rows, "Print at most this many rows")
      ->check(WholeNumber(1, 1000000))
      ->capture_default_str();
  AddOutputOption(*query, a->client.output);
  query->callback([a] { a->action = [a] { return QueryDatabaseCommand(a->client, a->query); }; });
}

// `orc help [COMMAND [SUBCOMMAND]]`: the help of `orc`, or of the command named.
void AddHelpCommand(CLI::App& app, ClientArguments& arguments) {
  ClientArguments* a = &arguments;
  CLI::App* app_pointer = &app;
  CLI::App* help = app.add_subcommand("help", "Help on orc or on one command (orc help jobs)");
  help->add_option("command", a->help_topic, "A command, and a subcommand of it");
  help->callback([a, app_pointer] {
    a->action = [a, app_pointer] {
      CLI::App* command = app_pointer;
      std::string path = app_pointer->get_name();  // "orc jobs list": the usage line's command
      for (const std::string& name : a->help_topic) {
        CLI::App* found = nullptr;
        try {
          found = command->get_subcommand(name);
        } catch (const CLI::OptionNotFound&) {
        }
        if (found == nullptr || found->get_group().empty()) {
          std::cerr << "orc: no command '" << name << "'"
                    << (command == app_pointer ? "" : " in " + path) << " (orc help lists them)\n";
          return kExitUsage;
        }
        path += " " + found->get_name();
        command = found;
      }
      // Straight to the formatter: App::help() shows the help of the subcommand that was parsed
      // (`help` itself) instead of orc's.
      std::cout << command->get_formatter()->make_help(command, path, CLI::AppFormatMode::Normal);
      return kExitOk;
    };
  });
}

// Registers every client command on `app`, in the order --help lists them; the chosen one's
// callback sets `arguments.action`. The commands read and wait on `clock`.
void AddClientCommands(CLI::App& app, ClientArguments& arguments, Clock& clock) {
  ReadClientEnvironment(arguments.client);
  AddApplyCommand(app, arguments);
  AddJobsCommands(app, arguments, clock);
  AddRunCommand(app, arguments, clock);
  AddBackfillCommand(app, arguments);
  AddRunsCommand(app, arguments, clock);
  AddLogsCommand(app, arguments, clock);
  AddCancelCommand(app, arguments);
  AddCronCommand(app, arguments, clock);
  AddQueryCommand(app, arguments);
  AddHelpCommand(app, arguments);
}

// Plain `orc`, or `orc --bind ...` without a subcommand, means `orc serve ...`.
std::vector<std::string> ArgumentsWithDefaultCommand(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  const bool asks_for_help_or_version =
      !arguments.empty() &&
      (arguments[0] == "-h" || arguments[0] == "--help" || arguments[0] == "--version");
  if (arguments.empty() || (arguments[0].starts_with("-") && !asks_for_help_or_version)) {
    arguments.insert(arguments.begin(), "serve");
  }
  return arguments;
}

std::string VersionText() {
  return std::string("orc ") + kVersion + " (DuckDB " + DuckDbLibraryVersion() + ")";
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app("orc: an ELT job orchestrator (API server, scheduler and workers in one binary)",
               "orc");
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", VersionText());

  ServeOptions serve_options;
  CLI::App* serve =
      app.add_subcommand("serve", "Run the API server, scheduler and workers (the default)");
  AddServeOptions(*serve, serve_options);
  CLI::App* version = app.add_subcommand("version", "Print the version of orc and of DuckDB");
  // Started by `orc serve` for each worker, never by hand: not listed in --help.
  CLI::App* executor = app.add_subcommand("executor", "Run task attempts for orc serve");
  executor->group("");
  // The one clock of the process: every command that reads the time or waits takes it.
  Clock& clock = SystemClock::Instance();
  ClientArguments client_arguments;
  AddClientCommands(app, client_arguments, clock);

  std::vector<std::string> arguments = ArgumentsWithDefaultCommand(argc, argv);
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last-first
  try {
    app.parse(arguments);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version_request) {
    return app.exit(version_request);
  } catch (const CLI::ParseError& error) {
    std::cerr << "orc: " << error.what() << "\n\n" << app.help();
    return kExitUsage;
  }

  if (version->parsed()) {
    std::cout << VersionText() << "\n";
    return kExitOk;
  }
  if (executor->parsed()) {
    PluginRegistry plugins;
    RegisterBuiltinPlugins(plugins);
    return RunExecutor(kExecutorChannelFd, plugins);
  }
  if (client_arguments.action) return client_arguments.action();
  return ServeCommand(serve_options, clock);
}

}  // namespace orc
