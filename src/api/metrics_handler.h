// GET /metrics: Prometheus text exposition of the runs and workers of this process.
#pragma once

namespace orc {

class Router;
class RunHistory;
class WorkerStatsSource;

// `workers` may be null (an API without workers): then only the queue depth is reported.
void InstallMetricsRoute(Router& router, RunHistory& runs, const WorkerStatsSource* workers);

}  // namespace orc
