#include "cli/run_commands.h"

#include <unistd.h>
#include <set>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <tuple>

#include "cli/cli.h"
#include "common/time_format.h"

namespace orc {
namespace {

using nlohmann::json;

constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr size_t kLogPage = 10000;  // the most log lines the API returns at once

void PrintLogLine(const json& line, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    std::cout << line.dump() << "\n";
    return;
  }
  const std::string time = line.value("time", "");
  // "08:02:57.364Z": the time of day in UTC, as the server writes it.
  const std::string clock = time.size() >= 24 ? time.substr(11, 13) : time;
  std::string level = line.value("level", "info");
  level.resize(5, ' ');
  std::cout << clock << " " << level << " ";
  if (line["task_name"].is_string())
    std::cout << "[" << line["task_name"].get<std::string>() << "] ";
  std::cout << line.value("message", "") << "\n";
}

// The progress line of a running run: its duration, and how far each running task is.
std::string ProgressLine(const json& run, TimePoint now) {
  std::string line = "  " + run.value("status", "") + " " + RunDuration(run, now);
  for (const json& task : run.value("task_runs", json::array())) {
    if (task.value("status", "") == "running") line += "  | " + TaskProgressText(task, now);
  }
  return line;
}

// Prints the run's log lines after line *after, every page of them, and sets *after to the last
// one printed. `before_printing` runs ahead of printing (it clears a progress line).
Status PrintLogLinesAfter(ApiClient& client, const std::string& run_id, OutputFormat format,
                          int64_t* after, const std::function<void()>& before_printing = {}) {
  while (true) {
    ORC_ASSIGN_OR_RETURN(json lines,
                         client.Get("/runs/" + run_id + "/logs?limit=" + std::to_string(kLogPage) +
                                    "&after=" + std::to_string(*after)));
    if (lines.empty()) return Status::Ok();
    if (before_printing) before_printing();
    for (const json& line : lines) {
      PrintLogLine(line, format);
      *after = line.value("line", *after);
    }
    std::cout << std::flush;
    if (lines.size() < kLogPage) return Status::Ok();
  }
}

// Polls the run until it finishes; prints its new log lines when `show_logs`, and a progress
// line on a terminal. Returns the finished run.
Result<json> FollowRun(ApiClient& client, const std::string& run_id, bool show_logs,
                       OutputFormat format, Clock& clock) {
  WakeSignal never_woken;  // the polls are paced by the clock alone
  const bool progress = format == OutputFormat::kTable && isatty(STDERR_FILENO);
  int64_t after = 0;
  size_t progress_width = 0;
  auto clear_progress = [&] {
    if (progress_width == 0) return;
    std::cerr << "\r" << std::string(progress_width, ' ') << "\r" << std::flush;
    progress_width = 0;
  };
  while (true) {
    ORC_ASSIGN_OR_RETURN(json run, client.Get("/runs/" + run_id));
    const bool finished = IsFinished(run);  // read before the logs: no line is missed
    if (show_logs) {
      ORC_RETURN_IF_ERROR(PrintLogLinesAfter(client, run_id, format, &after, clear_progress));
    }
    if (finished) {
      clear_progress();
      return run;
    }
    if (progress) {
      const std::string line = ProgressLine(run, clock.Now());
      clear_progress();
      std::cerr << line << std::flush;
      progress_width = line.size();
    }
    clock.WaitUntil(never_woken, clock.Now() + kPollInterval);
  }
}

int ExitFor(const json& run) { return run.value("status", "") == "success" ? 0 : 1; }

// The run's last line. `error_logged`: its log was printed, which said the error already.
void PrintRunSummary(const json& run, OutputFormat format, TimePoint now, bool error_logged) {
  if (format == OutputFormat::kJson) {
    std::cout << run.dump(2) << "\n";
    return;
  }
  std::cout << "run " << run.value("run_id", "") << " " << run.value("status", "") << " in "
            << RunDuration(run, now) << ", " << Thousands(run.value("rows_loaded", int64_t{0}))
            << " rows loaded";
  if (!error_logged && run.value("error_message", json()).is_string()) {
    std::cout << ": " << run["error_message"].get<std::string>();
  }
  std::cout << "\n";
}

// What `orc runs show` adds for a run with parameters, or one that retries or clears part of an
// earlier run: its parameters as JSON (a value with spaces or newlines stays one readable line),
// the run it retries, the tasks it runs and those it skipped (their earlier success stands).
void AddRerunFields(const json& run, std::vector<std::vector<std::string>>& fields) {
  const json params = run.value("params", json());
  if (params.is_object() && !params.empty()) fields.push_back({"params", params.dump()});
  const json retry_of = run.value("retry_of", json());
  if (retry_of.is_string()) fields.push_back({"retry of", retry_of.get<std::string>()});
  auto names = [](const std::vector<std::string>& list) {
    std::string text;
    for (const std::string& name : list) text += (text.empty() ? "" : ", ") + name;
    return text;
  };
  std::vector<std::string> only;
  for (const json& name : run.value("only_tasks", json::array())) {
    if (name.is_string()) only.push_back(name.get<std::string>());
  }
  if (!only.empty()) fields.push_back({"runs only", names(only)});
  std::vector<std::string> skipped;
  for (const json& task : run.value("task_runs", json::array())) {
    if (task.value("status", "") == "skipped") skipped.push_back(task.value("task_name", ""));
  }
  if (!skipped.empty()) {
    fields.push_back({"skipped", names(skipped) + " (not run again: the earlier success stands)"});
  }
}

// The body of POST /jobs/{id}/run for `run`: null when it sets nothing (the job's defaults),
// else {"params": {NAME: "VALUE"}, "interval_start", "interval_end"}. The values go as text, which
// the server reads by each parameter's declared type. InvalidArgument for a -p without "NAME=",
// a name given twice, or a time that does not parse.
Result<json> TriggerBody(const RunOptions& run) {
  json body;
  for (const std::string& assignment : run.params) {
    const size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      return InvalidArgumentError("-p '" + assignment +
                                  "': expected NAME=VALUE, e.g. -p limit=100");
    }
    const std::string name = assignment.substr(0, equals);
    if (body.contains("params") && body["params"].contains(name)) {
      return InvalidArgumentError("-p " + name + " is given twice");
    }
    body["params"][name] = assignment.substr(equals + 1);
  }
  for (const auto& [option, field, text] :
       {std::tuple{"--interval-start", "interval_start", &run.interval_start},
        std::tuple{"--interval-end", "interval_end", &run.interval_end}}) {
    if (text->empty()) continue;
    ORC_ASSIGN_OR_RETURN(body[field], CommandLineTime(option, *text));
  }
  return body;
}

}  // namespace

int ReportQueuedRun(ApiClient& client, const ClientOptions& options, const json& run,
                    const std::string& description, const WaitOptions& then, Clock& clock) {
  const std::string run_id = run.value("run_id", "");
  if (!then.wait && !then.follow) {
    if (options.format() == OutputFormat::kJson) {
      std::cout << run.dump(2) << "\n";
    } else {
      std::cout << "queued run " << run_id << " " << description << "\n";
    }
    return 0;
  }
  // The same line as without --wait, on the same stream: results on stdout (the progress line,
  // a note that changes in place, is the only thing on stderr).
  if (options.format() == OutputFormat::kTable) {
    std::cout << "queued run " << run_id << " " << description << "\n" << std::flush;
  }
  Result<json> finished = FollowRun(client, run_id, then.follow, options.format(), clock);
  if (!finished.ok()) return ReportFailure(finished.status());
  PrintRunSummary(*finished, options.format(), clock.Now(), /*error_logged=*/then.follow);
  return ExitFor(*finished);
}

int TriggerRunCommand(const ClientOptions& options, const RunOptions& run_options, Clock& clock) {
  Result<json> body = TriggerBody(run_options);
  if (!body.ok()) {
    ReportFailure(body.status());
    return kExitUsage;
  }
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> job = FindJob(*client, run_options.job);
  if (!job.ok()) return ReportFailure(job.status());
  // A lost reply is asked for again under the same key: one run, however often it is sent.
  Result<json> run =
      client->PostOnce("/jobs/" + (*job)["job_id"].get<std::string>() + "/run", *body);
  if (!run.ok()) return ReportFailure(run.status());
  return ReportQueuedRun(*client, options, *run, "of " + run_options.job, run_options.then, clock);
}

int ListRunsCommand(const ClientOptions& options, const RunsListOptions& list, const Clock& clock) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  std::string path = "/runs?limit=" + std::to_string(list.page.limit) +
                     "&offset=" + std::to_string(list.page.offset);
  if (!list.job.empty()) {
    Result<json> job = FindJob(*client, list.job);
    if (!job.ok()) return ReportFailure(job.status());
    path += "&job_id=" + (*job)["job_id"].get<std::string>();
  }
  if (!list.status.empty()) path += "&status=" + UrlEncode(list.status);
  if (!list.trigger.empty()) path += "&triggered_by=" + UrlEncode(list.trigger);
  int64_t total = 0;
  bool capped = false;
  Result<json> runs = client->GetPage(path, &total, &capped);
  if (!runs.ok()) return ReportFailure(runs.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << runs->dump(2) << "\n";
    PrintPageNote(runs->size(), total, list.page, "runs", capped);
    return 0;
  }
  std::set<std::string> job_ids;
  for (const json& run : *runs) job_ids.insert(run.value("job_id", ""));
  Result<std::map<std::string, std::string>> names = JobNames(*client, job_ids);
  if (!names.ok()) return ReportFailure(names.status());
  std::vector<std::vector<std::string>> rows;
  for (const json& run : *runs) {
    const auto name = names->find(run.value("job_id", ""));
    rows.push_back({run.value("run_id", ""), name == names->end() ? "-" : name->second,
                    run.value("status", ""), run.value("triggered_by", ""),
                    ShortTime(run.value("scheduled_for", json())),
                    ShortTime(run.value("queued_at", json())), RunDuration(run, clock.Now()),
                    Thousands(run.value("rows_loaded", int64_t{0}))});
  }
  PrintTable(std::cout,
             {"RUN_ID", "JOB", "STATUS", "TRIGGER", "SLOT", "QUEUED", "DURATION", "ROWS"}, rows);
  PrintPageNote(runs->size(), total, list.page, "runs", capped);
  return 0;
}

int ShowRunCommand(const ClientOptions& options, const std::string& run_id, const Clock& clock) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> run = client->Get("/runs/" + UrlEncode(run_id));
  if (!run.ok()) return ReportFailure(run.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << run->dump(2) << "\n";
    return 0;
  }
  const TimePoint now = clock.Now();
  std::string job_name = run->value("job_id", "");
  if (Result<json> job = client->Get("/jobs/" + job_name); job.ok()) {
    job_name = job->value("job_name", job_name);
  }
  std::vector<std::vector<std::string>> fields = {
      {"run", run->value("run_id", "")},
      {"job", job_name},
      {"status", run->value("status", "")},
      {"triggered by", run->value("triggered_by", "")},
      {"scheduled for", ShortTime(run->value("scheduled_for", json()))},
      {"interval", ShortTime(run->value("interval_start", json())) + " to " +
                       ShortTime(run->value("interval_end", json()))},
      {"queued", ShortTime(run->value("queued_at", json()))},
      {"started", ShortTime(run->value("started_at", json()))},
      {"finished", ShortTime(run->value("finished_at", json()))},
      {"duration", RunDuration(*run, now)},
      {"rows loaded", Thousands(run->value("rows_loaded", int64_t{0}))}};
  AddRerunFields(*run, fields);
  if (run->value("error_message", json()).is_string()) {
    // The failed task's cause is in the table below: the run's error only points at it.
    std::string error = (*run)["error_message"].get<std::string>();
    for (const json& task : run->value("task_runs", json::array())) {
      const json& cause = task.value("error_message", json());
      if (!cause.is_string() || cause.get<std::string>().empty()) continue;
      const std::string tail = ": " + cause.get<std::string>();
      if (error.size() > tail.size() && error.ends_with(tail)) {
        error = error.substr(0, error.size() - tail.size()) + " (its error below)";
        break;
      }
    }
    fields.push_back({"error", error});
  }
  for (const auto& field : fields) {
    std::cout << field[0] << ":" << std::string(15 - field[0].size(), ' ') << field[1] << "\n";
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& task : run->value("task_runs", json::array())) {
    rows.push_back({task.value("task_name", ""), task.value("status", ""),
                    std::to_string(task.value("attempts", 0)),
                    Thousands(task.value("rows_loaded", int64_t{0})), RunDuration(task, now),
                    Cell(task.value("error_message", json()))});
  }
  if (!rows.empty()) {
    std::cout << "\n";
    PrintTable(std::cout, {"TASK", "STATUS", "ATTEMPTS", "ROWS", "DURATION", "ERROR"}, rows);
  }
  return 0;
}

int ShowLogsCommand(const ClientOptions& options, const std::string& run_id, bool follow,
                    Clock& clock) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  if (follow) {
    Result<json> finished = FollowRun(*client, run_id, /*show_logs=*/true, options.format(), clock);
    if (!finished.ok()) return ReportFailure(finished.status());
    if (options.format() == OutputFormat::kTable) {
      PrintRunSummary(*finished, options.format(), clock.Now(), /*error_logged=*/true);
    }
    return ExitFor(*finished);
  }
  Result<json> run = client->Get("/runs/" + run_id);  // a clear 404 for an unknown run
  if (!run.ok()) return ReportFailure(run.status());
  int64_t after = 0;
  const Status printed = PrintLogLinesAfter(*client, run_id, options.format(), &after);
  return printed.ok() ? 0 : ReportFailure(printed);
}

int CancelRunCommand(const ClientOptions& options, const std::string& run_id) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  Result<json> run = client->Post("/runs/" + run_id + "/cancel", json());
  if (!run.ok()) return ReportFailure(run.status());
  if (options.format() == OutputFormat::kJson) {
    std::cout << run->dump(2) << "\n";
  } else if (run->value("status", "") == "cancelled") {
    std::cout << "cancelled run " << run_id << "\n";
  } else {
    std::cout << "asked run " << run_id << " to stop; it ends within a second\n";
  }
  return 0;
}

}  // namespace orc
