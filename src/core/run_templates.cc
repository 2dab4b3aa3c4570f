#include "core/run_templates.h"

#include <chrono>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "core/params.h"

namespace orc {
namespace {

const TimePoint kSampleDay = TimePoint(date::sys_days(date::year(2000) / 1 / 1));

nlohmann::json SampleValue(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "sample";
    case ParamType::kInteger:
      return 1;
    case ParamType::kNumber:
      return 1.5;
    case ParamType::kBoolean:
      return true;
    case ParamType::kDate:
      return "2000-01-01";
  }
  return "sample";
}

}  // namespace

TemplateNames TemplateNamesOf(const Job& job) {
  TemplateNames names;
  for (const ParamSpec& param : job.params) names.params.emplace(param.name, param.type);
  return names;
}

TemplateContext SampleTemplateContext(const Job& job) {
  TemplateContext context{.interval_start = kSampleDay,
                          .interval_end = kSampleDay + std::chrono::hours(24),
                          .scheduled_for = kSampleDay + std::chrono::hours(24),
                          .run_id = "018d0000-0000-7000-8000-000000000000",
                          .job_name = job.job_name,
                          .timezone = job.timezone,
                          .param_types = TemplateNamesOf(job).params};
  for (const ParamSpec& param : job.params) {
    context.params[param.name] = param.default_value.empty()
                                     ? SampleValue(param.type)
                                     : nlohmann::json::parse(param.default_value);
  }
  return context;
}

Result<TemplateContext> RunTemplateContext(const Job& job, const Run& run) {
  const nlohmann::json given =
      nlohmann::json::parse(run.params, nullptr, /*allow_exceptions=*/false);
  Result<nlohmann::json> params =
      RunParams(job.params, given.is_discarded() ? nlohmann::json() : given);
  if (!params.ok()) {
    return Status(params.status())
        .WithContext(
            "the run's parameters do not fit the job as it is now (was it changed "
            "since the run was queued?)");
  }
  const TimePoint fallback = run.scheduled_for.value_or(run.queued_at);
  const TimePoint end = run.interval_end.value_or(fallback);
  return TemplateContext{.interval_start = run.interval_start.value_or(end),
                         .interval_end = end,
                         .scheduled_for = run.scheduled_for.value_or(end),
                         .run_id = run.run_id,
                         .job_name = job.job_name,
                         .timezone = job.timezone,
                         .params = std::move(*params),
                         .param_types = TemplateNamesOf(job).params};
}

}  // namespace orc
