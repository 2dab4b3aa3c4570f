// The cost of a task's templates (core/config_template.h): rendering, when the task runs, an
// extractor configuration of six strings, three of them templated (a path with date() in the job's
// time zone, a URL whose query is urlencoded, a header with the run id), and a SQL transform with
// three templates; and checking both, when the job is written.
// Bar (this 2-core machine): render cost per task < 50 us.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include "common/time_format.h"
#include "core/config_template.h"

namespace {

// This process's CPU time: on a machine shared with other work, wall time overstates the cost.
double CpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace

int main() {
  using namespace orc;
  using Clock = std::chrono::steady_clock;
  constexpr double kBarMicroseconds = 50;
  constexpr int kTasks = 200'000;

  const nlohmann::json extractor = {
      {"type", "http"},
      {"path", "s3://lake/raw/orders/{{ interval_start | date('%Y/%m/%d/%H') }}/*.parquet"},
      {"url",
       "https://api.example.com/v2/orders?updated_since="
       "{{ interval_start | date('%Y-%m-%dT%H:%M:%S%z') | urlencode }}&country="
       "{{ params.country | urlencode }}&page_size=500"},
      {"records_path", "data.items"},
      {"format", "json"},
      {"headers", {{"X-Orc-Run", "{{ run_id }}"}, {"Accept", "application/json"}}},
      {"auth", {{"token", "${env:ORC_SECRET_ORDERS_TOKEN}"}}},
  };
  const nlohmann::json transform = {
      {"type", "sql"},
      {"sql",
       "INSERT INTO daily_orders\n"
       "SELECT {{ interval_start | date('%Y-%m-%d') }}::DATE AS day, country, count(*) AS orders\n"
       "FROM raw_orders\n"
       "WHERE updated_at >= {{ interval_start }}::TIMESTAMPTZ\n"
       "  AND updated_at < {{ interval_end }}::TIMESTAMPTZ\n"
       "GROUP BY country"},
  };
  const std::set<std::string> sql_fields = {"sql"};

  TemplateContext context;
  context.interval_start = *ParseRfc3339("2026-11-29T00:00:00Z");
  context.interval_end = *ParseRfc3339("2026-11-30T00:00:00Z");
  context.scheduled_for = context.interval_end;
  context.run_id = "0193f1e2-7c1a-7000-8000-000000000001";
  context.job_name = "daily_orders";
  context.timezone = "Europe/Paris";
  context.param_types = {{"country", ParamType::kString}};
  context.params = {{"country", "fr & be"}};
  const TemplateNames names{.params = context.param_types};

  // Warm up (the time zone is loaded once per process) and show what is measured.
  const Result<nlohmann::json> first_extractor =
      RenderConfigTemplates(extractor, {}, context, "tasks[0].extractor_config");
  const Result<nlohmann::json> first_transform =
      RenderConfigTemplates(transform, sql_fields, context, "tasks[1].transform_config");
  if (!first_extractor.ok() || !first_transform.ok()) {
    std::fprintf(stderr, "render failed: %s %s\n", first_extractor.status().ToString().c_str(),
                 first_transform.status().ToString().c_str());
    return 1;
  }
  std::printf("templates: render cost per task (%d tasks), e.g.\n  path %s\n  url  %s\n  sql  %s\n",
              kTasks, (*first_extractor)["path"].get<std::string>().c_str(),
              (*first_extractor)["url"].get<std::string>().c_str(),
              (*first_transform)["sql"].dump().c_str());

  size_t sink = 0;
  auto started = Clock::now();
  double cpu_started = CpuSeconds();
  for (int i = 0; i < kTasks; ++i) {
    context.interval_start += std::chrono::hours(1);
    const Result<nlohmann::json> rendered_extractor =
        RenderConfigTemplates(extractor, {}, context, "tasks[0].extractor_config");
    const Result<nlohmann::json> rendered_transform =
        RenderConfigTemplates(transform, sql_fields, context, "tasks[1].transform_config");
    sink += rendered_extractor.ok() && rendered_transform.ok()
                ? (*rendered_extractor)["path"].get_ref<const std::string&>().size()
                : 0;
  }
  const double render_us =
      std::chrono::duration<double, std::micro>(Clock::now() - started).count() / kTasks;
  const double render_cpu_us = (CpuSeconds() - cpu_started) * 1e6 / kTasks;

  started = Clock::now();
  cpu_started = CpuSeconds();
  for (int i = 0; i < kTasks; ++i) {
    sink += CheckConfigTemplates(extractor, {}, names, "tasks[0].extractor_config").ok();
    sink += CheckConfigTemplates(transform, sql_fields, names, "tasks[1].transform_config").ok();
  }
  const double check_us =
      std::chrono::duration<double, std::micro>(Clock::now() - started).count() / kTasks;
  const double check_cpu_us = (CpuSeconds() - cpu_started) * 1e6 / kTasks;

  std::printf("  render %.2f us per task (%.2f us of CPU)   bar < %.0f us: %.1fx under %s\n",
              render_us, render_cpu_us, kBarMicroseconds, kBarMicroseconds / render_us,
              render_us < kBarMicroseconds ? "(met)" : "(NOT met)");
  std::printf("  check  %.2f us per task (%.2f us of CPU), when the job is written\n", check_us,
              check_cpu_us);
  std::printf("  (checksum %zu)\n", sink);
  return 0;
}
