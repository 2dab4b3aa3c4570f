#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "cli/serve_command.h"
#include "common/version.h"
#include "engine/duckdb_library.h"
#include "state/database_url.h"

namespace orc {
namespace {

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
                  "Require 'Authorization: Bearer TOKEN' on every route but /health")
      ->envname("ORC_API_TOKEN");
  serve.add_option("--workers", options.workers, "Runs executed at once (0: one per core)")
      ->envname("ORC_WORKERS")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  serve
      .add_option("--shutdown-grace-s", options.shutdown_grace_s,
                  "On SIGTERM, seconds running tasks get to finish before they are interrupted "
                  "and their runs given back to the queue")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  serve
      .add_option("--lease-s", options.lease_s,
                  "Seconds a claimed run stays this process's without a heartbeat; the runs of a "
                  "process that died are retried after it")
      ->envname("ORC_LEASE_S")
      ->check(CLI::Range(2, 3600))
      ->capture_default_str();
  serve
      .add_option("--data-dir", options.data_dir,
                  "Where relative paths in jobs (files, DuckDB databases) resolve (default: the "
                  "working directory)")
      ->envname("ORC_DATA_DIR");
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
  return RunServe(serve_options);
}

}  // namespace orc
