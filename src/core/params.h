// Job parameters: what a job declares (ParamSpec, core/job.h), the JSON form it is written and
// stored in, and the values a run gets from its trigger.
//
// Written form, an object by parameter name:
//   params:
//     region: {type: string, default: eu, description: "where the data lives"}
//     limit:  {type: integer}                    # no default: every trigger must set it
// Types: string, integer (64-bit), number (finite), boolean, date ("YYYY-MM-DD", a real day).
//
// A run's values are a JSON object holding every declared parameter: the trigger's value where it
// gave one, else the default. A trigger may give a value as its JSON type or as text that reads
// fully as that type ("5" for an integer, "true", "2026-11-30"), so `orc run JOB -p limit=5` needs
// no knowledge of the types; the stored value is always of the declared type.
//
// Pure functions on plain values: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "core/job.h"

namespace orc {

inline constexpr size_t kMaxParams = 100;
inline constexpr size_t kMaxParamNameLength = 64;
inline constexpr size_t kMaxParamValueBytes = 64 * 1024;

std::string_view ToString(ParamType type);
std::optional<ParamType> ParseParamType(std::string_view text);

// The written form of `params` (an object by name; {} for none).
nlohmann::json ParamsToJson(const std::vector<ParamSpec>& params);

// Reads the written form strictly: InvalidArgument naming the field under `path` ("params" or
// "params.region.default") for a name that is not an identifier, an unknown field, an unknown
// type, a default not of its type, more than kMaxParams. Sorted by name.
Result<std::vector<ParamSpec>> ParamsFromJson(const nlohmann::json& params,
                                              const std::string& path);

// `value` as a value of `spec`'s type (text read as that type; see the top); InvalidArgument
// naming `field` when it is not one.
Result<nlohmann::json> ParamValue(const ParamSpec& spec, const nlohmann::json& value,
                                  const std::string& field);

// A run's values: `given` (an object, or null for none) checked against `params` and completed
// with the defaults. InvalidArgument naming "params.NAME" for a name the job does not declare (with
// the declared names), a value not of its type, or a parameter without default that is not given.
Result<nlohmann::json> RunParams(const std::vector<ParamSpec>& params, const nlohmann::json& given);

}  // namespace orc
