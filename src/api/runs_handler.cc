#include "api/runs_handler.h"

#include <httplib.h>

#include "api/error_response.h"
#include "api/job_json.h"
#include "api/request_helpers.h"
#include "api/router.h"
#include "common/uuid.h"
#include "state/state_store.h"

namespace orc {
namespace {

void ListRuns(ApiContext& context, const httplib::Request& request, httplib::Response& response) {
  RunFilter filter;
  Result<PageParams> page_params = ReadPageParams(request);
  if (!page_params.ok()) return WriteError(response, page_params.status());
  filter.limit = page_params->limit;
  filter.offset = page_params->offset;
  if (request.has_param("job_id")) filter.job_id = request.get_param_value("job_id");
  if (request.has_param("status")) {
    const std::string status = request.get_param_value("status");
    filter.status = ParseRunStatus(status);
    if (!filter.status) {
      return WriteError(response,
                        InvalidArgumentError("status must be queued, running, success, failed or "
                                             "cancelled, not '" +
                                             status + "'")
                            .WithField("status"));
    }
  }
  Result<Page<Run>> page = context.store.ListRuns(filter);
  if (!page.ok()) return WriteError(response, page.status());
  nlohmann::json items = nlohmann::json::array();
  for (const Run& run : page->items) items.push_back(RunToJson(run));
  response.set_header("X-Total-Count", std::to_string(page->total));
  WriteJson(response, 200, items);
}

void GetRun(ApiContext& context, const httplib::Request& request, httplib::Response& response) {
  const std::string id = request.matches[1];
  if (!IsUuid(id)) return WriteError(response, NotFoundError("no run with run_id '" + id + "'"));
  Result<Run> run = context.store.GetRun(id);
  if (!run.ok()) return WriteError(response, run.status());
  Result<std::vector<TaskRun>> task_runs = context.store.GetTaskRuns(id);
  if (!task_runs.ok()) return WriteError(response, task_runs.status());
  WriteJson(response, 200, RunToJson(*run, *task_runs));
}

}  // namespace

void InstallRunRoutes(Router& router, ApiContext& context) {
  router.Get("/runs", "List runs, newest first (?job_id, ?status, ?limit, ?offset)",
             [&context](const httplib::Request& request, httplib::Response& response) {
               ListRuns(context, request, response);
             });
  router.Get("/runs/{run_id}", "Read a run with its task runs",
             [&context](const httplib::Request& request, httplib::Response& response) {
               GetRun(context, request, response);
             });
}

}  // namespace orc
