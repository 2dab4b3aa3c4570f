#include "cli/job_commands.h"

#include <iostream>
#include <map>

#include "api/job_yaml.h"
#include "cli/cli.h"
#include "common/time_format.h"

namespace orc {
namespace {

using nlohmann::json;

// A job's newest run as a table cell: "success 2026-11-27 09:00:00Z", or "-".
std::string LastRunCell(const std::map<std::string, json>& latest, const json& job) {
  const auto found = latest.find(job.value("job_id", ""));
  if (found == latest.end()) return "-";
  return found->second.value("status", "?") + " " +
         ShortTime(found->second.value("queued_at", json()));
}

// A job's recent runs as a table on `out`.
void PrintRecentRuns(std::ostream& out, const json& runs, TimePoint now) {
  std::vector<std::vector<std::string>> rows;
  for (const json& run : runs) {
    rows.push_back({run.value("run_id", ""), run.value("status", ""), run.value("triggered_by", ""),
                    ShortTime(run.value("queued_at", json())), RunDuration(run, now),
                    Thousands(run.value("rows_loaded", int64_t{0}))});
  }
  PrintTable(out, {"RUN_ID", "STATUS", "TRIGGER", "QUEUED", "DURATION", "ROWS"}, rows);
}

}  // namespace

int ListJobsCommand(const ClientOptions& options, const PageOptions& page) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  int64_t total = 0;
  Result<json> jobs = client->GetPage(
      "/jobs?limit=" + std::to_string(page.limit) + "&offset=" + std::to_string(page.offset),
      &total);
  if (!jobs.ok()) return ReportFailure(jobs.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << jobs->dump(2) << "\n";
    PrintPageNote(jobs->size(), total, page, "jobs");
    return 0;
  }
  Result<json> newest = client->Get("/runs?latest_per_job=true");
  if (!newest.ok()) return ReportFailure(newest.status());
  std::map<std::string, json> latest;
  for (json& run : *newest) {
    // The key is read before the run is moved from (a moved-from json is null).
    std::string job_id = run.value("job_id", "");
    latest[std::move(job_id)] = std::move(run);
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& job : *jobs) {
    rows.push_back({job.value("job_name", ""), Cell(job.value("schedule", json())),
                    job.value("schedule_description", ""),
                    job.value("is_active", false) ? "active" : "paused",
                    ShortTime(job.value("next_run_at", json())), LastRunCell(latest, job)});
  }
  PrintTable(std::cout, {"NAME", "SCHEDULE", "WHEN", "STATE", "NEXT RUN", "LAST RUN"}, rows);
  PrintPageNote(jobs->size(), total, page, "jobs");
  return 0;
}

int ShowJobCommand(const ClientOptions& options, const std::string& name, const Clock& clock) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> job = FindJob(*client, name);
  if (!job.ok()) return ReportFailure(job.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << job->dump(2) << "\n";
    return 0;
  }
  // Comments, then the definition: the output is a job file `orc apply -f` takes back.
  const std::string words = job->value("schedule_description", "");
  const std::string timezone = job->value("timezone", "UTC");
  std::cout << "# job_id: " << job->value("job_id", "")
            << "\n# schedule: " << (words.empty() ? "manual only" : words)
            << (words.empty() || timezone == "UTC" ? "" : " (" + timezone + " time)")
            << "\n# next run: " << TimeInZone(job->value("next_run_at", json()), timezone) << "\n"
            << JobToYaml(*job) << std::flush;
  Result<json> runs = client->Get("/jobs/" + job->value("job_id", "") + "/runs?limit=5");
  if (runs.ok() && !runs->empty()) {
    std::cerr << "\nrecent runs:\n";
    PrintRecentRuns(std::cerr, *runs, clock.Now());
  }
  return 0;
}

int SetJobActiveCommand(const ClientOptions& options, const std::string& name, bool active) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> job = FindJob(*client, name);
  if (!job.ok()) return ReportFailure(job.status());
  Result<json> changed =
      client->Patch("/jobs/" + job->value("job_id", ""), json{{"is_active", active}});
  if (!changed.ok()) return ReportFailure(changed.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << changed->dump(2) << "\n";
  } else {
    std::cout << (active ? "resumed " : "paused ") << name << "\n";
  }
  return 0;
}

int DeleteJobCommand(const ClientOptions& options, const std::string& name) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> job = FindJob(*client, name);
  if (!job.ok()) return ReportFailure(job.status());
  const Status deleted = client->Delete("/jobs/" + job->value("job_id", ""));
  if (!deleted.ok()) return ReportFailure(deleted);
  if (options.format() == OutputFormat::kJson) {
    std::cout << json{{"job_id", job->value("job_id", "")},
                      {"job_name", job->value("job_name", "")},
                      {"deleted", true}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "deleted " << job->value("job_name", name) << "\n";
  }
  return 0;
}

int BackfillCommand(const ClientOptions& options, const BackfillOptions& backfill) {
  Result<std::string> from = CommandLineTime("--from", backfill.from);
  if (!from.ok()) {
    ReportFailure(from.status());
    return kExitUsage;
  }
  Result<std::string> to = CommandLineTime("--to", backfill.to);
  if (!to.ok()) {
    ReportFailure(to.status());
    return kExitUsage;
  }
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> job = FindJob(*client, backfill.job);
  if (!job.ok()) return ReportFailure(job.status());
  // Sent with an Idempotency-Key: a reply lost on the way queues the slots once all the same.
  Result<json> runs = client->PostOnce("/jobs/" + job->value("job_id", "") + "/backfill",
                                       json{{"start", *from}, {"end", *to}});
  if (!runs.ok()) return ReportFailure(runs.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << runs->dump(2) << "\n";
    return 0;
  }
  std::cout << "queued " << runs->size() << (runs->size() == 1 ? " run" : " runs") << " of "
            << backfill.job << " for the slots from " << ShortTime(json(*from)) << " to "
            << ShortTime(json(*to)) << (runs->empty() ? " (every slot had a run already)" : "")
            << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const json& run : *runs) {
    rows.push_back({run.value("run_id", ""), ShortTime(run.value("scheduled_for", json()))});
  }
  if (!rows.empty()) PrintTable(std::cout, {"RUN_ID", "SLOT"}, rows);
  return 0;
}

}  // namespace orc
