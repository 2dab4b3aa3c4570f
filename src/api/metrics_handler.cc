#include "api/metrics_handler.h"

#include <fmt/format.h>
#include "api/api_request.h"

#include "api/error_response.h"
#include "api/router.h"
#include "core/worker_stats.h"
#include "state/run_history.h"

namespace orc {
namespace {

// The Prometheus text exposition format, version 0.0.4, as Prometheus itself serves it.
constexpr const char* kPrometheusTextType = "text/plain; version=0.0.4; charset=utf-8";

void Histogram(std::string& out, const std::string& name, const std::string& help,
               const std::vector<double>& bounds, const std::vector<int64_t>& buckets, double sum,
               int64_t count) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  for (size_t i = 0; i < bounds.size(); ++i) {
    out += name + "_bucket{le=\"" + fmt::format("{}", bounds[i]) + "\"} " +
           std::to_string(buckets[i]) + "\n";
  }
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count) + "\n";
  out += name + "_sum " + fmt::format("{}", sum) + "\n";
  out += name + "_count " + std::to_string(count) + "\n";
}

void Metric(std::string& out, const std::string& name, const std::string& type,
            const std::string& help, const std::string& samples) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + samples;
}

}  // namespace

void InstallMetricsRoute(Router& router, RunHistory& runs, const WorkerStatsSource* workers) {
  router.Get(
      "/metrics", "Prometheus metrics: runs, rows, queue depth, workers, latencies",
      [&runs, workers](const ApiRequest&, ApiResponse& response) {
        Result<Page<Run>> queued = runs.ListRuns({.limit = 1, .status = RunStatus::kQueued});
        if (!queued.ok()) return WriteError(response, queued.status());
        std::string out;
        Metric(out, "orc_queue_depth", "gauge", "Runs waiting in the queue (all processes).",
               "orc_queue_depth " + std::to_string(queued->total) + "\n");
        if (workers != nullptr) {
          const WorkerStats stats = workers->stats();
          Metric(out, "orc_runs_started_total", "counter", "Runs this process started executing.",
                 "orc_runs_started_total " + std::to_string(stats.runs_started) + "\n");
          std::string finished;
          for (const char* status : {"success", "failed", "cancelled"}) {
            const auto found = stats.runs_finished.find(status);
            finished += "orc_runs_finished_total{status=\"" + std::string(status) + "\"} " +
                        std::to_string(found == stats.runs_finished.end() ? 0 : found->second) +
                        "\n";
          }
          Metric(out, "orc_runs_finished_total", "counter",
                 "Runs this process finished, by final status.", finished);
          Metric(out, "orc_rows_loaded_total", "counter", "Rows loaded by this process.",
                 "orc_rows_loaded_total " + std::to_string(stats.rows_loaded) + "\n");
          Metric(out, "orc_active_workers", "gauge", "Workers executing a run now.",
                 "orc_active_workers " + std::to_string(stats.active_runs) + "\n");
          Metric(out, "orc_workers", "gauge", "Workers in this process.",
                 "orc_workers " + std::to_string(stats.workers) + "\n");
          Histogram(out, "orc_dispatch_latency_seconds",
                    "From a run being due to a worker claiming it.", stats.bucket_bounds,
                    stats.dispatch_buckets, stats.dispatch_sum, stats.dispatch_count);
          Histogram(out, "orc_task_duration_seconds", "Task runs, first start to end.",
                    stats.bucket_bounds, stats.task_buckets, stats.task_sum, stats.task_count);
        }
        response.status = 200;
        response.SetContent(out, kPrometheusTextType);
      });
}

}  // namespace orc
