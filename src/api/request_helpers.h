// Small pieces every handler uses to read a request and write a response.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api_request.h"
#include "common/status.h"

namespace orc {

// The request body as JSON, read by ParseBoundedJson (bounded_json.h): the one way a handler reads
// a JSON body. When it is not JSON (415 for another Content-Type; 400 naming the byte position
// for malformed JSON, or the limit for JSON nested too deeply or a number out of range) writes
// the error to `response` and returns nullopt.
std::optional<nlohmann::json> ReadJsonBody(const ApiRequest& request, ApiResponse& response);

// An integer query parameter from `min` to `max`, `fallback` when absent; InvalidArgument with
// the parameter as field otherwise.
Result<int> IntParam(const ApiRequest& request, const std::string& name, int fallback, int min,
                     int max);

struct PageParams {
  int limit;
  int offset;
};

// ?limit= (default 100, 1 to 1000) and ?offset= (default 0) of a list route.
Result<PageParams> ReadPageParams(const ApiRequest& request);

// A boolean query parameter ("true"/"false"); nullopt when absent.
Result<std::optional<bool>> BoolParam(const ApiRequest& request, const std::string& name);

// The maximum number of ids ?job_ids= takes: a page of the dashboard's lists.
inline constexpr size_t kMaxJobIds = 100;

// ?job_ids=ID,ID,...: 1 to kMaxJobIds UUIDs, comma-separated, duplicates dropped, in the order
// given; nullopt when absent; InvalidArgument with the field `job_ids` otherwise.
Result<std::optional<std::vector<std::string>>> JobIdsParam(const ApiRequest& request);

// InvalidArgument naming the first field of the JSON object `body` that is not in `allowed`
// ("NAME is not a known field; allowed: a, b"): a typo in a request must not silently vanish.
Status RejectUnknownFields(const nlohmann::json& body, const std::vector<std::string>& allowed);

// `body` as the text of a response: compact, with invalid UTF-8 (echoed from a request) replaced
// rather than failing the dump.
std::string JsonText(const nlohmann::json& body);

// Writes `body` as JSON with `status`.
void WriteJson(ApiResponse& response, int status, const nlohmann::json& body);

}  // namespace orc
