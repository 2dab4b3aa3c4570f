// Fuzz target job_yaml: a job file, YAML text through ParseYamlJobs, each job through JobFromJson
// with the built-in plugins, and back to YAML.
//
// Properties: reading never throws or crashes, and fails with an input error; each job that
// decodes is written by JobToYaml as a file that ParseYamlJobs reads back as that one job. Job
// files leave out null fields (null means the default), so the jobs are compared with the null
// settings of their plugin configurations removed; a null nested deeper is data and must stay.
#include <nlohmann/json.hpp>

#include "api/job_json.h"
#include "api/job_yaml.h"
#include "fuzz/fuzz_support.h"
#include "plugins/plugin_registry.h"

namespace {

const orc::PluginRegistry& BuiltinPlugins() {
  static const orc::PluginRegistry* const registry = [] {
    auto* plugins = new orc::PluginRegistry();
    orc::RegisterBuiltinPlugins(*plugins);
    return plugins;
  }();
  return *registry;
}

// `job` with the top-level null fields of its plugin configurations removed.
orc::Job WithoutNullSettings(orc::Job job) {
  for (orc::Task& task : job.tasks) {
    for (std::string* config :
         {&task.extractor_config, &task.loader_config, &task.transform_config}) {
      if (config->empty()) continue;
      nlohmann::json value = nlohmann::json::parse(*config, nullptr, /*allow_exceptions=*/false);
      if (!value.is_object()) continue;
      for (auto field = value.begin(); field != value.end();) {
        field = field->is_null() ? value.erase(field) : std::next(field);
      }
      *config = value.dump();
    }
  }
  return job;
}

// `job` as JSON text for a message, whatever bytes its strings hold.
std::string Shown(const orc::Job& job) {
  return orc::JobToJson(job, std::nullopt)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const orc::Result<std::vector<orc::YamlJob>> jobs = orc::ParseYamlJobs(text, "fuzz.yaml");
  if (!jobs.ok()) {
    FUZZ_CHECK(orc::fuzz::IsInputError(jobs.status()), jobs.status().ToString());
    return 0;
  }
  for (const orc::YamlJob& yaml_job : *jobs) {
    const orc::Result<orc::Job> job = orc::JobFromJson(yaml_job.body, BuiltinPlugins());
    if (!job.ok()) {
      FUZZ_CHECK(orc::fuzz::IsInputError(job.status()), job.status().ToString());
      (void)yaml_job.Locate(job.status());  // the error with its line, as `orc apply` prints it
      continue;
    }
    const std::string file = orc::JobToYaml(orc::JobToJson(*job, std::nullopt));
    const orc::Result<std::vector<orc::YamlJob>> again = orc::ParseYamlJobs(file);
    FUZZ_CHECK(again.ok() && again->size() == 1,
               (again.ok() ? std::to_string(again->size()) + " jobs" : again.status().ToString()) +
                   " reading back\n" + file);
    const orc::Result<orc::Job> decoded = orc::JobFromJson(again->front().body, BuiltinPlugins());
    FUZZ_CHECK(decoded.ok(), decoded.status().ToString() + " decoding\n" + file);
    FUZZ_CHECK(WithoutNullSettings(*decoded) == WithoutNullSettings(*job),
               "reads back as another job:\n" + file + "\n  was:  " + Shown(*job) +
                   "\n  read: " + Shown(*decoded));
  }
  return 0;
}
