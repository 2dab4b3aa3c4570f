// Jobs written in YAML: job files kept in git (`orc apply -f`), and YAML bodies sent to the API.
//
// YAML is read into the same JSON form the API takes, so one codec (job_json.h) checks both.
// A file holds one job, a list of jobs, or a mapping with a `jobs:` list; several documents
// (`---`) may follow each other. Every value remembers the line it came from, so an error about a
// field ("tasks[0].loader_config.table_name") names the line in the file.
//
// Scalars follow the YAML 1.2 core schema: true/false, null/~ (or nothing), integers and floats
// are typed; anything else, and anything quoted, is a string.
//
// YAML is as hostile as any request body: mappings and sequences may nest kMaxJsonDepth (64)
// levels, as JSON bodies may, and aliases are expanded only up to a budget of values (10,000 plus
// 4 per byte of text, at most 1,000,000), so a few hundred bytes of nested aliases ("billion
// laughs") or an alias inside its own anchor are refused at once instead of filling the memory.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orc {

// One job read from YAML: its JSON form and, for each field path in it, the line (1-based).
struct YamlJob {
  nlohmann::json body;
  std::map<std::string, int> field_lines;  // "" is the job itself
  int line = 0;
  std::string source;  // the file's name; empty for text that has none (an API request body)

  // The line of `field`, or of the nearest enclosing field that has one (the job's own line when
  // none does). "tasks[1].loader_config.table_name" falls back to "tasks[1].loader_config".
  int LineOf(std::string_view field) const;

  // `error` (about this job) with the place of its field in front: "jobs.yaml:12: ...", or
  // "line 12: ..." without a source.
  Status Locate(const Status& error) const;
};

// The jobs in `text`, read from the file named `source` (empty when it has no name).
// InvalidArgument "jobs.yaml:N: ..." (or "line N: ...") for YAML that does not parse, a duplicate
// key, nesting or alias expansion past the limits, or a document that is neither a job, a list of
// jobs nor a `jobs:` list.
Result<std::vector<YamlJob>> ParseYamlJobs(std::string_view text, std::string_view source = {});

// A job's JSON form as a job file holds it: without the fields the server sets (JobDefinition)
// and without null fields (null means the default). ParseYamlJobs reads it back as the same job.
std::string JobToYaml(const nlohmann::json& job);

// `value` as a YAML document, keys in the order a person reads a job (job_name first, tasks last,
// each config's type first). Strings that YAML would read back as another type are quoted.
// Iterative: any depth is written without growing the call stack.
std::string JsonToYaml(const nlohmann::json& value);

}  // namespace orc
