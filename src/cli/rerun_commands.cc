#include "cli/rerun_commands.h"

#include <iostream>

namespace orc {
namespace {

using nlohmann::json;

// "of JOB (retry of RUN_ID: runs TASK, TASK)": what `queued run ID` is followed by for a run that
// retries or clears part of another. The job's name is looked up; its id stands in when it
// cannot be read.
std::string Description(ApiClient& client, const json& run) {
  std::string job = run.value("job_id", "");
  if (Result<json> found = client.Get("/jobs/" + UrlEncode(job)); found.ok()) {
    job = found->value("job_name", job);
  }
  std::string tasks;
  for (const json& name : run.value("only_tasks", json::array())) {
    if (name.is_string()) tasks += (tasks.empty() ? "" : ", ") + name.get<std::string>();
  }
  const json retry_of = run.value("retry_of", json());
  return "of " + job + " (retry of " + (retry_of.is_string() ? retry_of.get<std::string>() : "-") +
         (tasks.empty() ? "" : ": runs " + tasks) + ")";
}

int Queue(const ClientOptions& options, const std::string& path, const json& body,
          const WaitOptions& then, Clock& clock) {
  std::unique_ptr<ApiClient> client = ConnectOrReport(options);
  if (!client) return 1;
  // Sent with an Idempotency-Key: a reply lost on the way queues the run once all the same.
  Result<json> run = client->PostOnce(path, body);
  if (!run.ok()) return ReportFailure(run.status());
  const std::string description =
      options.format() == OutputFormat::kTable ? Description(*client, *run) : "";
  return ReportQueuedRun(*client, options, *run, description, then, clock);
}

}  // namespace

int RetryRunCommand(const ClientOptions& options, const std::string& run_id,
                    const WaitOptions& then, Clock& clock) {
  return Queue(options, "/runs/" + UrlEncode(run_id) + "/retry", json(), then, clock);
}

int ClearTaskCommand(const ClientOptions& options, const ClearOptions& clear, Clock& clock) {
  return Queue(options, "/runs/" + UrlEncode(clear.run_id) + "/clear",
               json{{"task", clear.task}, {"downstream", clear.downstream}}, clear.then, clock);
}

}  // namespace orc
