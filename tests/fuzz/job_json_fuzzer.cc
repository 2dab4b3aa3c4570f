// Fuzz target job_json: a job as the API receives it, JSON text through JobFromJson with the
// built-in plugins.
//
// Properties: decoding never throws or crashes; a body that does not decode is an input error;
// a job that decodes encodes (JobToJson) to a body that decodes to the same job, both in the form
// GET returns and in the form a person keeps (JobDefinition).
#include <nlohmann/json.hpp>

#include "api/job_json.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json body = nlohmann::json::parse(data, data + size, nullptr,
                                                    /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  const orc::Result<orc::Job> job = orc::JobFromJson(body, BuiltinPlugins());
  if (!job.ok()) {
    FUZZ_CHECK(orc::fuzz::IsInputError(job.status()), job.status().ToString());
    return 0;
  }
  const nlohmann::json encoded = orc::JobToJson(*job, std::nullopt);
  for (const nlohmann::json& form : {encoded, orc::JobDefinition(encoded)}) {
    const orc::Result<orc::Job> again = orc::JobFromJson(form, BuiltinPlugins());
    FUZZ_CHECK(again.ok(), again.status().ToString() + "\n  decoding " + form.dump());
    FUZZ_CHECK(*again == *job, "decodes to another job: " + form.dump() +
                                   "\n  was: " + orc::JobToJson(*job, std::nullopt).dump());
  }
  return 0;
}
