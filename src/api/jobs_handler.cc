#include "api/jobs_handler.h"

#include "api/api_request.h"

#include <algorithm>
#include <chrono>

#include "api/error_response.h"
#include "api/idempotency_keys.h"
#include "api/job_json.h"
#include "api/job_list_cache.h"
#include "api/job_yaml.h"
#include "api/request_helpers.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "core/job_schedule.h"
#include "core/params.h"
#include "state/state_store.h"

namespace orc {
namespace {

constexpr const char* kJobPath = "/jobs/{job_id}";
// Cancelling before a forced delete looks at this many queued (or running) runs at a time.
constexpr int kCancelBatch = 1000;
// How long a forced delete waits for the runs it cancelled to stop, and how often it looks.
constexpr Duration kForcedDeleteWait = std::chrono::seconds(5);
constexpr Duration kForcedDeletePoll = std::chrono::milliseconds(100);

// The job id from the path; NotFound for one that cannot be an id (it cannot name a job).
Result<std::string> JobId(const ApiRequest& request) {
  const std::string id = request.PathParam(0);
  if (!IsUuid(id)) return NotFoundError("no job with job_id '" + id + "'");
  return id;
}

Result<nlohmann::json> Encode(const Job& job, ApiContext& context) {
  return StoredJobToJson(job, NextRunAt(job, context.clock.Now()));
}

bool IsYaml(const std::string& media_type) {
  for (const char* yaml : {"application/yaml", "application/x-yaml", "text/yaml"}) {
    if (media_type.find(yaml) != std::string::npos) return true;
  }
  return false;
}

// A job sent as JSON, or as YAML (Content-Type: application/yaml): a job written in YAML keeps
// its lines, so that an error about a field also names the line.
struct JobBody {
  nlohmann::json json;
  std::optional<YamlJob> yaml;

  Status Explain(const Status& error) const {
    if (!yaml || error.field().empty()) return error;
    return yaml->Locate(error);
  }
};

std::optional<JobBody> ReadJobBody(const ApiRequest& request, ApiResponse& response) {
  if (!IsYaml(request.Header("Content-Type"))) {
    std::optional<nlohmann::json> body = ReadJsonBody(request, response);
    if (!body) return std::nullopt;
    return JobBody{std::move(*body), std::nullopt};
  }
  Result<std::vector<YamlJob>> jobs = ParseYamlJobs(request.body);
  if (jobs.ok() && jobs->size() != 1) {
    jobs = InvalidArgumentError("the body must hold one job, not " + std::to_string(jobs->size()));
  }
  if (!jobs.ok()) {
    WriteError(response, jobs.status());
    return std::nullopt;
  }
  return JobBody{jobs->front().body, std::move(jobs->front())};
}

// The job as JSON, or as its YAML definition (a job file) when the client asks for it with
// Accept: application/yaml.
Result<IdempotentReply> JobReply(const ApiRequest& request, int status,
                                 const Result<nlohmann::json>& job) {
  if (!job.ok()) return job.status();
  if (!IsYaml(request.Header("Accept"))) {
    return IdempotentReply{
        .status = status, .content_type = "application/json", .body = JsonText(*job)};
  }
  return IdempotentReply{
      .status = status, .content_type = "application/yaml", .body = JobToYaml(*job)};
}

void WriteJob(const ApiRequest& request, ApiResponse& response, int status,
              const Result<nlohmann::json>& job) {
  Result<IdempotentReply> reply = JobReply(request, status, job);
  if (!reply.ok()) return WriteError(response, reply.status());
  WriteReply(response, std::move(reply).value());
}

// 200, the runs queued: the reply to a backfill.
Result<IdempotentReply> RunsQueued(const std::vector<Run>& runs) {
  nlohmann::json items = nlohmann::json::array();
  for (const Run& run : runs) items.push_back(RunToJson(run));
  return IdempotentReply{
      .status = 200, .content_type = "application/json", .body = JsonText(items)};
}

void WritePage(ApiResponse& response, const nlohmann::json& items, int64_t total) {
  response.SetHeader("X-Total-Count", std::to_string(total));
  WriteJson(response, 200, items);
}

void CreateJob(ApiContext& context, IdempotencyKeys& keys, const ApiRequest& request,
               ApiResponse& response) {
  std::optional<KeyedRequest> keyed = keys.Begin(request, response);
  if (!keyed) return;
  const std::optional<JobBody> body = ReadJobBody(request, response);
  if (!body) return;
  Result<Job> job = JobFromJson(body->json, context.plugins, context.config_checks);
  if (!job.ok()) return WriteError(response, body->Explain(job.status()));
  const ReplyTo<Job> reply = [&](const Job& created) -> Result<IdempotentReply> {
    ORC_ASSIGN_OR_RETURN(IdempotentReply rendered,
                         JobReply(request, 201, Encode(created, context)));
    rendered.location = "/jobs/" + created.job_id;
    return rendered;
  };
  const std::optional<Job> created = keyed->Write<Job>(
      response, reply, [&] { return context.store.CreateJob(*job); },
      [&](const IdempotencyKey& key) { return context.store.CreateJob(*job, key, reply); },
      "job_name");
  if (created) context.JobChanged(created->job_id);
}

// GET /jobs?job_ids=: the jobs with those ids that exist, in the order asked (what a list of runs
// needs to name their jobs: one request a page, not one a row).
void ListJobsById(ApiContext& context, const std::vector<std::string>& job_ids,
                  const ApiRequest& request, ApiResponse& response) {
  for (const char* other : {"limit", "offset", "is_active"}) {
    if (request.HasParam(other)) {
      return WriteError(response,
                        InvalidArgumentError(std::string("job_ids does not combine with ") + other)
                            .WithField(other));
    }
  }
  nlohmann::json items = nlohmann::json::array();
  for (const std::string& id : job_ids) {
    Result<Job> job = context.store.GetJob(id);
    if (!job.ok() && job.status().code() == StatusCode::kNotFound) continue;
    if (!job.ok()) return WriteError(response, job.status());
    Result<nlohmann::json> encoded = Encode(*job, context);
    if (!encoded.ok()) return WriteError(response, encoded.status());
    items.push_back(std::move(encoded).value());
  }
  WritePage(response, items, static_cast<int64_t>(items.size()));
}

void ListJobs(ApiContext& context, JobListCache& cache, const ApiRequest& request,
              ApiResponse& response) {
  Result<std::optional<std::vector<std::string>>> job_ids = JobIdsParam(request);
  if (!job_ids.ok()) return WriteError(response, job_ids.status());
  if (*job_ids) return ListJobsById(context, **job_ids, request, response);
  Result<PageParams> page_params = ReadPageParams(request);
  if (!page_params.ok()) return WriteError(response, page_params.status());
  Result<std::optional<bool>> is_active = BoolParam(request, "is_active");
  if (!is_active.ok()) return WriteError(response, is_active.status());
  Result<EncodedJobPage> page = cache.Get(
      context,
      {.limit = page_params->limit, .offset = page_params->offset, .is_active = *is_active});
  if (!page.ok()) return WriteError(response, page.status());
  response.SetHeader("X-Total-Count", std::to_string(page->total));
  response.status = 200;
  response.SetContent(*page->body, "application/json");
}

void GetJob(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  Result<Job> job = context.store.GetJob(*id);
  if (!job.ok()) return WriteError(response, job.status());
  WriteJob(request, response, 200, Encode(*job, context));
}

// Validates `document` as a whole job and stores it as job `id` (PUT and PATCH end here).
void StoreReplacement(ApiContext& context, const std::string& id, const JobBody& document,
                      const ApiRequest& request, ApiResponse& response) {
  Result<Job> job = JobFromJson(document.json, context.plugins, context.config_checks);
  if (!job.ok()) return WriteError(response, document.Explain(job.status()));
  job->job_id = id;
  Result<Job> replaced = context.store.ReplaceJob(*job);
  if (!replaced.ok()) return WriteError(response, replaced.status(), "job_name");
  context.JobChanged(id);
  WriteJob(request, response, 200, Encode(*replaced, context));
}

void ReplaceJob(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  const std::optional<JobBody> body = ReadJobBody(request, response);
  if (!body) return;
  if (body->json.is_object() && body->json.contains("job_id") && body->json["job_id"] != *id) {
    return WriteError(
        response,
        body->Explain(
            InvalidArgumentError("job_id in the body differs from the path").WithField("job_id")));
  }
  StoreReplacement(context, *id, *body, request, response);
}

// A JSON merge patch (RFC 7386) on the job's JSON form: fields present replace, null removes
// (back to the default), "tasks" replaces the whole list. The result is validated as a whole.
void PatchJob(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  const std::optional<nlohmann::json> patch = ReadJsonBody(request, response);
  if (!patch) return;
  if (!patch->is_object()) {
    return WriteError(response, InvalidArgumentError("the body must be a JSON object of the "
                                                     "fields to change"));
  }
  Result<Job> current = context.store.GetJob(*id);
  if (!current.ok()) return WriteError(response, current.status());
  Result<nlohmann::json> stored = StoredJobToJson(*current, std::nullopt);
  if (!stored.ok()) return WriteError(response, stored.status());
  nlohmann::json document = std::move(stored).value();
  document.merge_patch(*patch);
  // Tasks the patch does not replace keep their names, and so their ids.
  StoreReplacement(context, *id, JobBody{std::move(document), std::nullopt}, request, response);
}

// Asks every queued or running run of job `id` to cancel: a queued one is cancelled at once, a
// running one stops when its worker sees the request (within a second for a live worker).
Status CancelActiveRuns(ApiContext& context, const std::string& id) {
  for (RunStatus status : {RunStatus::kQueued, RunStatus::kRunning}) {
    ORC_ASSIGN_OR_RETURN(
        Page<Run> active,
        context.store.ListRuns({.limit = kCancelBatch, .job_id = id, .status = status}));
    for (const Run& run : active.items) {
      // Conflict: the run finished meanwhile, which is what is wanted.
      if (context.store.RequestCancel(run.run_id).ok()) context.CancelRequested(run.run_id);
    }
  }
  return Status::Ok();
}

// ?force=true: cancels the job's runs, waits (up to kForcedDeleteWait) for the running ones to
// stop, then deletes. A run is deleted only once it is final: its worker writes nothing after that.
Status ForceDeleteJob(ApiContext& context, const std::string& id) {
  const TimePoint deadline = context.clock.Now() + kForcedDeleteWait;
  WakeSignal unused;  // nothing wakes the wait early: it polls the store
  while (true) {
    // Every round, not once: the scheduler (of any process) may have queued a run meanwhile.
    ORC_RETURN_IF_ERROR(CancelActiveRuns(context, id));
    Status deleted = context.store.DeleteJob(id);
    if (deleted.code() != StatusCode::kConflict) return deleted;
    const TimePoint now = context.clock.Now();
    if (now >= deadline) {
      return ConflictError(
          "job '" + id + "' still has running runs " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(kForcedDeleteWait).count()) +
          " s after they were asked to cancel (is the process that runs them gone? its runs end "
          "when their lease expires); delete again later");
    }
    context.clock.WaitUntil(unused, std::min(deadline, now + kForcedDeletePoll));
  }
}

void DeleteJob(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  Result<std::optional<bool>> force = BoolParam(request, "force");
  if (!force.ok()) return WriteError(response, force.status());
  Status deleted;
  if (force->value_or(false)) {
    deleted = ForceDeleteJob(context, *id);
  } else {
    deleted = context.store.DeleteJob(*id);
    if (deleted.code() == StatusCode::kConflict) {
      deleted = ConflictError(deleted.message() + ", or delete with ?force=true");
    }
  }
  if (!deleted.ok()) return WriteError(response, deleted);
  context.JobChanged(*id);
  response.status = 204;
}

void Backfill(ApiContext& context, IdempotencyKeys& keys, const ApiRequest& request,
              ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  std::optional<KeyedRequest> keyed = keys.Begin(request, response);
  if (!keyed) return;
  const std::optional<nlohmann::json> body = ReadJsonBody(request, response);
  if (!body) return;
  TimePoint bounds[2];
  const char* names[2] = {"start", "end"};
  for (int i = 0; i < 2; ++i) {
    const auto value = body->find(names[i]);
    if (value == body->end() || !value->is_string()) {
      return WriteError(response,
                        InvalidArgumentError(std::string(names[i]) + " is required (RFC 3339)")
                            .WithField(names[i]));
    }
    Result<TimePoint> parsed = ParseRfc3339(value->get<std::string>());
    if (!parsed.ok()) {
      return WriteError(
          response, InvalidArgumentError(std::string(names[i]) + ": " + parsed.status().message())
                        .WithField(names[i]));
    }
    bounds[i] = *parsed;
  }
  if (context.scheduler == nullptr) {
    return WriteError(response, UnavailableError("this orc runs no scheduler"));
  }
  Result<std::vector<NewRun>> slots = context.scheduler->BackfillSlots(*id, bounds[0], bounds[1]);
  if (!slots.ok()) return WriteError(response, slots.status());
  const std::optional<std::vector<Run>> runs = keyed->Write<std::vector<Run>>(
      response, RunsQueued, [&] { return context.store.EnqueueSlots(*slots); },
      [&](const IdempotencyKey& key) {
        return context.store.EnqueueSlots(*slots, key, RunsQueued);
      });
  if (runs && !runs->empty()) context.RunEnqueued();
}

// The RFC 3339 time in `body`'s field `name`; nullopt when absent or null.
Result<std::optional<TimePoint>> TimeField(const nlohmann::json& body, const std::string& name) {
  const auto value = body.find(name);
  if (value == body.end() || value->is_null()) return std::optional<TimePoint>();
  if (!value->is_string()) {
    return InvalidArgumentError(name + " must be an RFC 3339 time").WithField(name);
  }
  Result<TimePoint> parsed = ParseRfc3339(value->get<std::string>());
  if (!parsed.ok()) {
    return InvalidArgumentError(name + ": " + parsed.status().message()).WithField(name);
  }
  return std::optional<TimePoint>(*parsed);
}

// The run a manual trigger asks for: `body` (null for none) may set the parameters' values and
// the data interval; the defaults are the parameters' and the job's latest completed interval.
Result<NewRun> ManualRun(ApiContext& context, const std::string& job_id,
                         const nlohmann::json& body) {
  ORC_ASSIGN_OR_RETURN(Job job, context.store.GetJob(job_id));
  if (!body.is_null() && !body.is_object()) {
    return InvalidArgumentError(
        "the body must be a JSON object ({\"params\": {...}, "
        "\"interval_start\": ..., \"interval_end\": ...}) or empty");
  }
  nlohmann::json given;
  if (body.is_object()) {
    ORC_RETURN_IF_ERROR(RejectUnknownFields(body, {"params", "interval_start", "interval_end"}));
    if (const auto found = body.find("params"); found != body.end()) given = *found;
  }
  ORC_ASSIGN_OR_RETURN(nlohmann::json params, RunParams(job.params, given));
  NewRun run{.job_id = job_id, .triggered_by = TriggeredBy::kManual, .params = params.dump()};
  std::optional<TimePoint> start;
  std::optional<TimePoint> end;
  if (body.is_object()) {
    ORC_ASSIGN_OR_RETURN(start, TimeField(body, "interval_start"));
    ORC_ASSIGN_OR_RETURN(end, TimeField(body, "interval_end"));
  }
  if (start.has_value() != end.has_value()) {
    return InvalidArgumentError("give both interval_start and interval_end, or neither")
        .WithField(start ? "interval_end" : "interval_start");
  }
  if (start && *end < *start) {
    return InvalidArgumentError("interval_end is before interval_start").WithField("interval_end");
  }
  const DataInterval interval =
      start ? DataInterval{*start, *end} : LatestInterval(job, context.clock.Now());
  run.interval_start = interval.start;
  run.interval_end = interval.end;
  return run;
}

void TriggerRun(ApiContext& context, IdempotencyKeys& keys, const ApiRequest& request,
                ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  std::optional<KeyedRequest> keyed = keys.Begin(request, response);
  if (!keyed) return;
  nlohmann::json body;  // an empty body asks for the defaults
  if (!request.body.empty()) {
    std::optional<nlohmann::json> read = ReadJsonBody(request, response);
    if (!read) return;
    body = std::move(*read);
  }
  Result<NewRun> new_run = ManualRun(context, *id, body);
  if (!new_run.ok()) return WriteError(response, new_run.status());
  const std::optional<Run> run = keyed->Write<Run>(
      response, RunQueued, [&] { return context.store.EnqueueRun(*new_run); },
      [&](const IdempotencyKey& key) {
        return context.store.EnqueueRun(*new_run, key, RunQueued);
      });
  if (run) context.RunEnqueued();
}

void ListJobRuns(ApiContext& context, const ApiRequest& request, ApiResponse& response) {
  Result<std::string> id = JobId(request);
  if (!id.ok()) return WriteError(response, id.status());
  if (Result<Job> job = context.store.GetJob(*id); !job.ok()) {
    return WriteError(response, job.status());
  }
  Result<PageParams> page_params = ReadPageParams(request);
  if (!page_params.ok()) return WriteError(response, page_params.status());
  Result<Page<Run>> page = context.store.ListRuns(
      {.limit = page_params->limit, .offset = page_params->offset, .job_id = *id});
  if (!page.ok()) return WriteError(response, page.status());
  nlohmann::json items = nlohmann::json::array();
  for (const Run& run : page->items) items.push_back(RunToJson(run));
  WritePage(response, items, page->total);
}

}  // namespace

void InstallJobRoutes(Router& router, ApiContext& context) {
  using Handler = void (*)(ApiContext&, const ApiRequest&, ApiResponse&);
  auto bind = [&context](Handler handler) {
    return [&context, handler](const ApiRequest& request, ApiResponse& response) {
      handler(context, request, response);
    };
  };
  IdempotencyKeys& keys = IdempotencyKeysOf(context);  // lives as long as the context
  using KeyedHandler = void (*)(ApiContext&, IdempotencyKeys&, const ApiRequest&, ApiResponse&);
  auto bind_keyed = [&context, &keys](KeyedHandler handler) {
    return [&context, &keys, handler](const ApiRequest& request, ApiResponse& response) {
      handler(context, keys, request, response);
    };
  };
  router.Post("/jobs", "Create a job with its tasks", bind_keyed(CreateJob));
  // Shared with the route's handler, which lives as long as the router.
  auto cache = std::make_shared<JobListCache>();
  router.Get("/jobs", "List jobs (?limit, ?offset, ?is_active; or ?job_ids)",
             [&context, cache](const ApiRequest& request, ApiResponse& response) {
               ListJobs(context, *cache, request, response);
             });
  router.Get(kJobPath, "Read a job with its tasks and next_run_at", bind(GetJob));
  router.Put(kJobPath, "Replace a job and its tasks", bind(ReplaceJob));
  router.Patch(kJobPath, "Change some fields of a job (JSON merge patch)", bind(PatchJob));
  router.Delete(
      kJobPath,
      "Delete a job with its runs (?force=true cancels its queued and running runs first)",
      bind(DeleteJob));
  router.Post("/jobs/{job_id}/run", "Queue a manual run", bind_keyed(TriggerRun));
  router.Get("/jobs/{job_id}/runs", "List a job's runs, newest first", bind(ListJobRuns));
  router.Post("/jobs/{job_id}/backfill",
              "Queue one run per schedule slot from start to end (RFC 3339), skipping slots "
              "that have a run",
              bind_keyed(Backfill));
}

}  // namespace orc
