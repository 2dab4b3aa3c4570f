// Every mistake in a job of a job file at once, with "did you mean ...?" for a misspelled field.
//
// The API's codec (JobFromJson) stops at the first error. `orc apply` wants them all, so after
// each error the field at fault is taken out of a copy of the job (a misspelled field is renamed
// to the name it was meant to be, so that what that field holds is checked too) and the job is
// checked again, up to kMaxErrorsPerJob times. A required field that is missing ends the search:
// there is nothing to take out, and the errors after it in that job show once it is added.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/closest_name.h"
#include "common/status.h"
#include "plugins/plugin_registry.h"

namespace orc {

inline constexpr size_t kMaxErrorsPerJob = 20;

// The errors JobFromJson finds in `body`, in the order it finds them; empty when the job is valid.
// Each keeps its field(); an unknown field that is a small edit away from an allowed one says
// "did you mean 'NAME'?".
std::vector<Status> AllJobErrors(const nlohmann::json& body, const PluginRegistry& plugins);

}  // namespace orc
