// What a job's templates (core/config_template.h) are checked against when the job is written,
// and rendered from when one of its runs' tasks runs.
#pragma once

#include "common/status.h"
#include "core/config_template.h"
#include "core/job.h"
#include "core/run.h"

namespace orc {

// The names `job`'s templates may use: its declared parameters.
TemplateNames TemplateNamesOf(const Job& job);

// Sample values for checking that a job's configurations still read once rendered (a URL, a
// number in a string): an interval of 2000-01-01, the parameters' defaults or a value of their
// type, the job's name and time zone.
TemplateContext SampleTemplateContext(const Job& job);

// The values of `run` of `job`: its data interval (for a run queued before runs had one: its slot,
// or its queue time), its slot (a manual run's interval_end), and its parameters completed with
// the job's defaults. InvalidArgument when the run's parameters no longer fit the job (it was
// changed since the run was queued), naming the parameter.
Result<TemplateContext> RunTemplateContext(const Job& job, const Run& run);

}  // namespace orc
