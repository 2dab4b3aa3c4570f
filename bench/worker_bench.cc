// Execution overhead, measured through a real API server and worker pool in this process (what
// `orc serve` runs), with trivial tasks (a SQL transform `select 1` in :memory:):
//   - dispatch latency, POST /jobs/{id}/run -> task start, p50 and p99 over 1,000 runs, one at a
//     time. Bar (SQLite): p50 <= 2 ms, p99 <= 10 ms. Reference: graphile-worker 4.2 ms average.
//   - one job of 40 trivial tasks in sequence, trigger -> success. Bar: <= 0.2 s. References:
//     Windmill 4.4 s, Prefect 4.9 s, Kestra 6.0 s, Airflow 116 s.
//   - 10,000 one-task runs queued at once, to all finished. Bar (SQLite): >= 1,000 runs/s; the
//     PostgreSQL figure is reported (server started by this benchmark, fsync on).
// ORC_BENCH_BACKENDS=sqlite|postgres measures one backend only. ORC_BENCH_TEMPLATES=1 gives every
// task a templated SQL naming the run (interval, id, job, a parameter): the same bars hold with
// each attempt's configuration rendered from its run.
#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/api_context.h"
#include "api/api_server.h"
#include "api/jobs_handler.h"
#include "api/runs_handler.h"
#include "bench_postgres.h"
#include "plugins/plugin_registry.h"
#include "state/state_store.h"
#include "support/temp_dir.h"
#include "worker/worker_manager.h"

namespace orc {
namespace {

using namespace std::chrono_literals;

constexpr double kDispatchP50BarMs = 2;
constexpr double kDispatchP99BarMs = 10;
constexpr double kFortyTasksBarS = 0.2;
constexpr double kThroughputBar = 1000;

const char* Verdict(bool met) { return met ? "(met)" : "(NOT met)"; }

double Ms(Duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

// orc serve's parts, in this process; tasks run in executor processes of orc's binary, as in orc
// serve.
class Orc {
 public:
  explicit Orc(const std::string& url, int workers = 2) {
    store_ = std::move(*OpenStateStore(*ParseDatabaseUrl(url), SystemClock::Instance()));
    RegisterBuiltinPlugins(plugins_);
    workers_ = std::make_unique<WorkerManager>(
        *store_, plugins_, SystemClock::Instance(), random_,
        WorkerManagerOptions{.workers = workers,
                             .executor = {.command = {ORC_BINARY_PATH, "executor"},
                                          .settings = {.data_dir = data_dir_.path()}}});
    context_ = std::make_unique<ApiContext>(ApiContext{.store = *store_,
                                                       .plugins = plugins_,
                                                       .clock = SystemClock::Instance(),
                                                       .run_events = workers_.get()});
    server_ = std::make_unique<ApiServer>(ApiServerOptions{.bind = {"127.0.0.1", 0}});
    server_->AddRoutes([this](Router& routes) {
      InstallJobRoutes(routes, *context_);
      InstallRunRoutes(routes, *context_);
    });
    if (!server_->Bind().ok()) std::abort();
    serving_ = std::thread([this] { (void)server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_keep_alive(true);
  }
  ~Orc() {
    workers_->Shutdown(0s);
    server_->Stop();
    serving_.join();
  }

  void StartWorkers() {
    if (!workers_->Start().ok()) std::abort();
  }

  std::string CreateJob(int tasks, int max_active_runs = 1) {
    static int count = 0;
    static const bool templated = std::getenv("ORC_BENCH_TEMPLATES") != nullptr;
    nlohmann::json job = {{"job_name", "bench " + std::to_string(++count)},
                          {"max_active_runs", max_active_runs},
                          {"tasks", nlohmann::json::array()}};
    std::string sql = "select 1";
    if (templated) {
      job["params"] = {{"region", {{"type", "string"}, {"default", "eu"}}}};
      sql =
          "select {{ interval_start }}, {{ interval_end | date('%Y-%m-%d') }}, {{ run_id }}, "
          "{{ job_name }}, {{ params.region }}";
    }
    for (int i = 0; i < tasks; ++i) {
      job["tasks"].push_back(
          {{"task_name", "t" + std::to_string(i)},
           {"transform_config", {{"type", "sql"}, {"db_path", ":memory:"}, {"sql", sql}}}});
    }
    auto response = client_->Post("/jobs", job.dump(), "application/json");
    if (!response || response->status != 201) std::abort();
    return nlohmann::json::parse(response->body)["job_id"];
  }

  // POST /jobs/{id}/run; returns the run id.
  std::string Trigger(const std::string& job_id) {
    auto response = client_->Post("/jobs/" + job_id + "/run");
    if (!response || response->status != 202) std::abort();
    return nlohmann::json::parse(response->body)["run_id"];
  }

  Run WaitUntilFinal(const std::string& run_id) {
    while (true) {
      Result<Run> run = store_->GetRun(run_id);
      if (run.ok() && IsFinal(run->status)) return *run;
      std::this_thread::sleep_for(100us);
    }
  }

  StateStore& store() { return *store_; }
  WorkerManager& workers() { return *workers_; }

 private:
  std::unique_ptr<StateStore> store_;
  PluginRegistry plugins_;
  SeededRandom random_{SeededRandom::UnpredictableSeed()};
  testing::TempDir data_dir_;
  std::unique_ptr<WorkerManager> workers_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<ApiServer> server_;
  std::thread serving_;
  std::unique_ptr<httplib::Client> client_;
};

void DispatchLatency(const std::string& url) {
  constexpr int kRuns = 1000;
  Orc orc(url);
  orc.StartWorkers();
  const std::string job_id = orc.CreateJob(1);
  std::vector<double> latencies;
  std::vector<double> round_trips;  // trigger -> run finished: everything a task costs, end to end
  // Where the dispatch time goes: trigger -> queued (the API), queued -> claimed (the wake-up and
  // the claim), claimed -> task start (reading the job, preparing the run).
  std::vector<double> queueing, claiming, starting;
  for (int i = 0; i < kRuns; ++i) {
    const TimePoint triggered = SystemClock::Instance().Now();
    const std::string run_id = orc.Trigger(job_id);
    const Run run = orc.WaitUntilFinal(run_id);
    const TaskRun task_run = orc.store().GetTaskRuns(run_id)->at(0);
    latencies.push_back(Ms(*task_run.started_at - triggered));
    round_trips.push_back(Ms(*run.finished_at - triggered));
    queueing.push_back(Ms(run.queued_at - triggered));
    claiming.push_back(Ms(*run.started_at - run.queued_at));
    starting.push_back(Ms(*task_run.started_at - *run.started_at));
  }
  for (std::vector<double>* part : {&queueing, &claiming, &starting}) {
    std::sort(part->begin(), part->end());
  }
  std::printf(
      "  dispatch, p50 of its parts: trigger -> queued %.3f ms, -> claimed %.3f ms, -> task "
      "start %.3f ms\n",
      queueing[kRuns / 2], claiming[kRuns / 2], starting[kRuns / 2]);
  std::sort(latencies.begin(), latencies.end());
  std::sort(round_trips.begin(), round_trips.end());
  const double p50 = latencies[kRuns / 2];
  const double p99 = latencies[kRuns * 99 / 100];
  std::printf("  trigger -> one-task run finished, %d runs: p50 %.2f ms p99 %.2f ms\n", kRuns,
              round_trips[kRuns / 2], round_trips[kRuns * 99 / 100]);
  std::printf(
      "  dispatch latency, trigger -> task start, %d runs: p50 %.2f ms (bar %.0f: %.2fx) "
      "p99 %.2f ms (bar %.0f: %.2fx) %s; graphile-worker average 4.2 ms\n",
      kRuns, p50, kDispatchP50BarMs, kDispatchP50BarMs / p50, p99, kDispatchP99BarMs,
      kDispatchP99BarMs / p99, Verdict(p50 <= kDispatchP50BarMs && p99 <= kDispatchP99BarMs));
}

void FortyTasks(const std::string& url) {
  constexpr int kRepetitions = 5;
  Orc orc(url);
  orc.StartWorkers();
  const std::string job_id = orc.CreateJob(40);
  std::vector<double> seconds;
  for (int i = 0; i < kRepetitions; ++i) {
    const TimePoint triggered = SystemClock::Instance().Now();
    const Run run = orc.WaitUntilFinal(orc.Trigger(job_id));
    if (run.status != RunStatus::kSuccess) std::abort();
    seconds.push_back(Ms(*run.finished_at - triggered) / 1000);
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[kRepetitions / 2];
  std::printf(
      "  40 tasks in sequence, trigger -> success: %.3f s median of %d (bar %.1f: %.1fx) "
      "%s; Windmill 4.4 s (%.0fx), Airflow 116 s (%.0fx)\n",
      median, kRepetitions, kFortyTasksBarS, kFortyTasksBarS / median,
      Verdict(median <= kFortyTasksBarS), 4.4 / median, 116 / median);
}

void Throughput(const std::string& backend, const std::string& url, int runs, bool has_bar) {
  Orc orc(url);
  const std::string job_id = orc.CreateJob(1, /*max_active_runs=*/1000);
  for (int i = 0; i < runs; ++i) {
    if (!orc.store().EnqueueRun({.job_id = job_id}).ok()) std::abort();
  }
  const auto started = std::chrono::steady_clock::now();
  orc.StartWorkers();
  while (true) {
    const WorkerStats stats = orc.workers().stats();
    int64_t finished = 0;
    for (const auto& [status, count] : stats.runs_finished) finished += count;
    if (finished >= runs) break;
    std::this_thread::sleep_for(1ms);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double per_second = runs / seconds;
  std::printf("  throughput, %d one-task runs queued at once, %-8s %7.0f runs/s", runs,
              backend.c_str(), per_second);
  if (has_bar) {
    std::printf("  (bar %.0f: %.2fx) %s", kThroughputBar, per_second / kThroughputBar,
                Verdict(per_second >= kThroughputBar));
  }
  std::printf("\n");
}

}  // namespace
}  // namespace orc

int main() {
  using namespace orc;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::signal(SIGPIPE, SIG_IGN);
  std::printf("workers: 2 workers, API and workers in one process, trivial tasks (select 1)\n");
  if (BenchBackendWanted("sqlite")) {
    testing::TempDir directory;
    DispatchLatency("sqlite:" + directory.File("dispatch.db"));
    FortyTasks("sqlite:" + directory.File("forty.db"));
    Throughput("sqlite", "sqlite:" + directory.File("throughput.db"), 10000, true);
  }
  if (BenchBackendWanted("postgres")) {
    BenchPostgres postgres;
    if (postgres.url().empty()) {
      std::printf("  postgres: could not start a server\n");
      return 1;
    }
    Throughput("postgres", postgres.url(), 10000, false);
  }
  return 0;
}
