#include "api/runs_handler.h"

#include <algorithm>
#include <limits>
#include <set>

#include "api/api_request.h"
#include "api/error_response.h"
#include "api/idempotency_keys.h"
#include "api/job_json.h"
#include "api/request_helpers.h"
#include "api/router.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "core/task_graph.h"
#include "state/state_store.h"

namespace orc {
namespace {

// The newest run of each job in `job_ids` that has one, newest first: one descent of the runs_job
// index a job (at most a page's worth of jobs), where LatestRunPerJob reads every job's.
Result<std::vector<Run>> LatestRunOfEach(ApiContext& context,
                                         const std::vector<std::string>& job_ids) {
  std::vector<Run> runs;
  for (const std::string& job_id : std::set<std::string>(job_ids.begin(), job_ids.end())) {
    ORC_ASSIGN_OR_RETURN(Page<Run> newest,
                         context.store.ListRuns({.limit = 1, .job_id = job_id, .count_beyond = 0}));
    for (Run& run : newest.items) runs.push_back(std::move(run));
  }
  std::sort(runs.begin(), runs.end(),
            [](const Run& a, const Run& b) { return a.run_id > b.run_id; });
  return runs;
}

// An RFC 3339 time from query parameter `name`, when given.
Result<std::optional<TimePoint>> TimeParam(const ApiRequest& request, const char* name) {
  if (!request.HasParam(name)) return std::optional<TimePoint>();
  Result<TimePoint> time = ParseRfc3339(request.Param(name));
  if (!time.ok()) return Status(time.status()).WithField(name);
  return std::optional<TimePoint>(*time);
}

// GET /runs?latest_per_job=true: each job's newest run, one request for a whole job list; with
// ?job_ids= only those jobs' (what one page of a job list shows).
void ListLatestRunPerJob(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  for (const char* other :
       {"job_id", "status", "triggered_by", "queued_from", "queued_before", "limit", "offset"}) {
    if (request.HasParam(other)) {
      return WriteError(response, InvalidArgumentError(std::string("latest_per_job does not "
                                                                   "combine with ") +
                                                       other)
                                      .WithField(other));
    }
  }
  Result<std::optional<std::vector<std::string>>> job_ids = JobIdsParam(request);
  if (!job_ids.ok()) return WriteError(response, job_ids.status());
  Result<std::vector<Run>> runs =
      *job_ids ? LatestRunOfEach(context, **job_ids) : context.store.LatestRunPerJob();
  if (!runs.ok()) return WriteError(response, runs.status());
  nlohmann::json items = nlohmann::json::array();
  for (const Run& run : *runs) items.push_back(RunToJson(run));
  response.SetHeader("X-Total-Count", std::to_string(runs->size()));
  WriteJson(response, 200, items);
}

void ListRuns(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::optional<bool>> latest_per_job = BoolParam(request, "latest_per_job");
  if (!latest_per_job.ok()) return WriteError(response, latest_per_job.status());
  if (latest_per_job->value_or(false)) return ListLatestRunPerJob(context, request, response);
  if (request.HasParam("job_ids")) {
    return WriteError(response, InvalidArgumentError("job_ids is taken with latest_per_job=true; "
                                                     "use job_id to list one job's runs")
                                    .WithField("job_ids"));
  }
  RunFilter filter;
  Result<PageParams> page_params = ReadPageParams(request);
  if (!page_params.ok()) return WriteError(response, page_params.status());
  filter.limit = page_params->limit;
  filter.offset = page_params->offset;
  if (request.HasParam("job_id")) filter.job_id = request.Param("job_id");
  if (request.HasParam("status")) {
    const std::string status = request.Param("status");
    filter.status = ParseRunStatus(status);
    if (!filter.status) {
      return WriteError(response,
                        InvalidArgumentError("status must be queued, running, success, failed or "
                                             "cancelled, not '" +
                                             status + "'")
                            .WithField("status"));
    }
  }
  if (request.HasParam("triggered_by")) {
    const std::string trigger = request.Param("triggered_by");
    filter.triggered_by = ParseTriggeredBy(trigger);
    if (!filter.triggered_by) {
      return WriteError(response, InvalidArgumentError("triggered_by must be manual, scheduler or "
                                                       "backfill, not '" +
                                                       trigger + "'")
                                      .WithField("triggered_by"));
    }
  }
  Result<std::optional<TimePoint>> queued_from = TimeParam(request, "queued_from");
  if (!queued_from.ok()) return WriteError(response, queued_from.status());
  filter.queued_from = *queued_from;
  Result<std::optional<TimePoint>> queued_before = TimeParam(request, "queued_before");
  if (!queued_before.ok()) return WriteError(response, queued_before.status());
  filter.queued_before = *queued_before;
  Result<Page<Run>> page = context.store.ListRuns(filter);
  if (!page.ok()) return WriteError(response, page.status());
  nlohmann::json items = nlohmann::json::array();
  for (const Run& run : page->items) items.push_back(RunToJson(run));
  response.SetHeader("X-Total-Count", std::to_string(page->total));
  if (page->total_capped) response.SetHeader("X-Total-Count-Capped", "true");
  WriteJson(response, 200, items);
}

void GetRun(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  const std::string id = request.PathParam(0);
  if (!IsUuid(id)) return WriteError(response, NotFoundError("no run with run_id '" + id + "'"));
  Result<Run> run = context.store.GetRun(id);
  if (!run.ok()) return WriteError(response, run.status());
  Result<std::vector<TaskRun>> task_runs = context.store.GetTaskRuns(id);
  if (!task_runs.ok()) return WriteError(response, task_runs.status());
  WriteJson(response, 200, RunToJson(*run, *task_runs));
}

// The run_id path parameter, when it is a UUID (else NotFound, as for any unknown run).
Result<std::string> RunId(const ApiRequest& request) {
  const std::string id = request.PathParam(0);
  if (!IsUuid(id)) return NotFoundError("no run with run_id '" + id + "'");
  return id;
}

void CancelRun(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::string> id = RunId(request);
  if (!id.ok()) return WriteError(response, id.status());
  Result<Run> run = context.store.RequestCancel(*id);
  if (!run.ok()) return WriteError(response, run.status());
  context.CancelRequested(*id);
  // 200: cancelled now (it was queued); 202: a running run was asked to stop.
  WriteJson(response, IsFinal(run->status) ? 200 : 202, RunToJson(*run));
}

void GetRunLogs(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  constexpr int kMaxLines = 10000;
  Result<std::string> id = RunId(request);
  if (!id.ok()) return WriteError(response, id.status());
  Result<int> after = IntParam(request, "after", 0, 0, std::numeric_limits<int>::max());
  if (!after.ok()) return WriteError(response, after.status());
  Result<int> limit = IntParam(request, "limit", 1000, 1, kMaxLines);
  if (!limit.ok()) return WriteError(response, limit.status());
  if (Result<Run> run = context.store.GetRun(*id); !run.ok()) {
    return WriteError(response, run.status());
  }
  Result<std::vector<RunLogLine>> lines = context.store.GetRunLogs(*id, *after, *limit);
  if (!lines.ok()) return WriteError(response, lines.status());
  nlohmann::json items = nlohmann::json::array();
  for (const RunLogLine& line : *lines) {
    items.push_back(
        {{"line", line.line},
         {"time", FormatRfc3339(line.time)},
         {"level", line.level},
         {"task_name", line.task_name.empty() ? nlohmann::json() : nlohmann::json(line.task_name)},
         {"message", line.message}});
  }
  WriteJson(response, 200, items);
}

// A run of the same job, interval and parameters as `run_id` that runs only the tasks `choose`
// picks from the job's tasks and the run's task runs; the others keep their results.
template <typename Choose>
void QueuePartialRun(ApiContext& context, KeyedRequest& keyed, const std::string& run_id,
                     Choose choose, ApiResponse& response) {
  Result<Run> run = context.store.GetRun(run_id);
  if (!run.ok()) return WriteError(response, run.status());
  if (!IsFinal(run->status)) {
    return WriteError(response,
                      ConflictError("run " + run_id + " is " + std::string(ToString(run->status)) +
                                    "; wait for it to finish, or cancel it first"));
  }
  Result<Job> job = context.store.GetJob(run->job_id);
  if (!job.ok()) return WriteError(response, job.status());
  Result<std::vector<TaskRun>> task_runs = context.store.GetTaskRuns(run_id);
  if (!task_runs.ok()) return WriteError(response, task_runs.status());
  Result<std::vector<std::string>> only_tasks = choose(*job, *task_runs);
  if (!only_tasks.ok()) return WriteError(response, only_tasks.status());
  NewRun new_run{.job_id = run->job_id,
                 .triggered_by = TriggeredBy::kManual,
                 .interval_start = run->interval_start,
                 .interval_end = run->interval_end,
                 .params = run->params,
                 .retry_of = run_id,
                 .only_tasks = std::move(*only_tasks)};
  const std::optional<Run> queued = keyed.Write<Run>(
      response, RunQueued, [&] { return context.store.EnqueueRun(new_run); },
      [&](const IdempotencyKey& key) { return context.store.EnqueueRun(new_run, key, RunQueued); });
  if (queued) context.RunEnqueued();
}

// POST /runs/{id}/retry: re-run from failure.
void RetryRun(ApiContext& context, IdempotencyKeys& keys, const ApiRequest& request,
              ApiResponse& response) {
  Result<std::string> id = RunId(request);
  if (!id.ok()) return WriteError(response, id.status());
  std::optional<KeyedRequest> keyed = keys.Begin(request, response);
  if (!keyed) return;
  QueuePartialRun(
      context, *keyed, *id,
      [&](const Job& job,
          const std::vector<TaskRun>& task_runs) -> Result<std::vector<std::string>> {
        std::vector<std::string> tasks = TasksToRetry(job.tasks, task_runs);
        if (tasks.empty()) {
          return ConflictError("every task of run " + *id +
                               " succeeded: nothing to retry. To run a task again, clear it "
                               "(POST /runs/" +
                               *id + "/clear {\"task\": NAME})");
        }
        return tasks;
      },
      response);
}

// POST /runs/{id}/clear {"task": NAME, "downstream": true}: runs one task again, and by default
// the tasks downstream of it, as Airflow's clear does.
void ClearTask(ApiContext& context, IdempotencyKeys& keys, const ApiRequest& request,
               ApiResponse& response) {
  Result<std::string> id = RunId(request);
  if (!id.ok()) return WriteError(response, id.status());
  std::optional<KeyedRequest> keyed = keys.Begin(request, response);
  if (!keyed) return;
  const std::optional<nlohmann::json> body = ReadJsonBody(request, response);
  if (!body) return;
  if (!body->is_object()) {
    return WriteError(response, InvalidArgumentError("the body must be a JSON object: "
                                                     "{\"task\": NAME, \"downstream\": true}"));
  }
  if (Status known = RejectUnknownFields(*body, {"task", "downstream"}); !known.ok()) {
    return WriteError(response, known);
  }
  const auto task = body->find("task");
  if (task == body->end() || !task->is_string()) {
    return WriteError(response, InvalidArgumentError("task is required: the name of the task to "
                                                     "run again")
                                    .WithField("task"));
  }
  const auto downstream = body->find("downstream");
  if (downstream != body->end() && !downstream->is_boolean()) {
    return WriteError(
        response, InvalidArgumentError("downstream must be true or false").WithField("downstream"));
  }
  const std::string name = task->get<std::string>();
  const bool with_downstream = downstream == body->end() || downstream->get<bool>();
  QueuePartialRun(
      context, *keyed, *id,
      [&](const Job& job, const std::vector<TaskRun>&) -> Result<std::vector<std::string>> {
        std::string names;
        for (const Task& each : job.tasks) {
          if (each.task_name == name) {
            return with_downstream ? WithDownstream(job.tasks, {name})
                                   : std::vector<std::string>{name};
          }
          names += (names.empty() ? "" : ", ") + each.task_name;
        }
        return InvalidArgumentError("task '" + name +
                                    "' is not a task of the job; its tasks: " + names)
            .WithField("task");
      },
      response);
}

}  // namespace

void InstallRunRoutes(Router& router, ApiContext& context) {
  IdempotencyKeys& keys = IdempotencyKeysOf(context);  // lives as long as the context
  router.Get(
      "/runs",
      "List runs, newest first (?job_id, ?status, ?limit, ?offset; ?latest_per_job=true: each "
      "job's newest run, or each of ?job_ids')",
      [&context](const ApiRequest& request, ApiResponse& response) {
        ListRuns(context, request, response);
      });
  router.Get("/runs/{run_id}", "Read a run with its task runs",
             [&context](const ApiRequest& request, ApiResponse& response) {
               GetRun(context, request, response);
             });
  router.Post("/runs/{run_id}/cancel",
              "Cancel a run: a queued one at once, a running one within a second",
              [&context](const ApiRequest& request, ApiResponse& response) {
                CancelRun(context, request, response);
              });
  router.Post("/runs/{run_id}/retry",
              "Re-run from failure: a new run of the same job, interval and parameters that runs "
              "the tasks that did not succeed and those downstream of them",
              [&context, &keys](const ApiRequest& request, ApiResponse& response) {
                RetryRun(context, keys, request, response);
              });
  router.Post("/runs/{run_id}/clear",
              "Run one task of a finished run again ({\"task\": NAME, \"downstream\": true}) in "
              "a new run of the same interval and parameters",
              [&context, &keys](const ApiRequest& request, ApiResponse& response) {
                ClearTask(context, keys, request, response);
              });
  router.Get("/runs/{run_id}/logs", "A run's log lines, oldest first (?after=N for newer lines)",
             [&context](const ApiRequest& request, ApiResponse& response) {
               GetRunLogs(context, request, response);
             });
}

}  // namespace orc
