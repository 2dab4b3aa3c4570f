// The JSON form of jobs and runs, as the API (and, through YAML, job files) read and write it.
//
// Decoding is strict: an unknown field, a wrong type or a value out of range is InvalidArgument
// naming the field path ("tasks[1].loader_config.table_name"), so a typo never silently vanishes.
// A decoded job is also validated: its schedule and time zone by the cron module, its plugin
// configurations by the plugin registry, its task names and depends_on as a graph without cycles.
// Read-only fields (job_id, task_id, created_at, updated_at, next_run_at, schedule_description)
// are accepted and ignored, so a job fetched with GET can be sent back with PUT.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "core/job.h"
#include "core/run.h"
#include "plugins/plugin_registry.h"

namespace orc {

// `checks`: the files and environment variables the plugin configurations may use (the server's
// policies); the default checks the fields alone.
Result<Job> JobFromJson(const nlohmann::json& body, const PluginRegistry& plugins,
                        const ConfigChecks& checks = {});

// Checks a job built in code (or changed by a PATCH) the way JobFromJson checks a decoded one.
Status ValidateJob(const Job& job, const PluginRegistry& plugins, const ConfigChecks& checks = {});

// The job with its tasks; next_run_at null for manual or paused jobs. For a job decoded by
// JobFromJson; a job read from the store goes through StoredJobToJson.
nlohmann::json JobToJson(const Job& job, std::optional<TimePoint> next_run_at);

// JobToJson for a job read from the store: Internal, naming the job and the field, when one of its
// configurations nests deeper than kMaxJsonDepth allows (stored before that limit existed), rather
// than a value that encoding would recurse into without bound.
Result<nlohmann::json> StoredJobToJson(const Job& job, std::optional<TimePoint> next_run_at);

// The job's JSON form without the fields the server sets (ids, times, next_run_at,
// schedule_description): what a person writes, and what a job file keeps.
nlohmann::json JobDefinition(nlohmann::json job);

nlohmann::json RunToJson(const Run& run);
// The run with its task runs (GET /runs/{run_id}).
nlohmann::json RunToJson(const Run& run, const std::vector<TaskRun>& task_runs);

}  // namespace orc
