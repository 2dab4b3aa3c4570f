// The one shape of every error body orc's API returns:
//   {"error": {"code": "not_found", "message": "...", "field": "..."}}
// `field` is present only when one input field is at fault.
#pragma once

#include <string>
#include <string_view>

#include "api/api_request.h"
#include "common/status.h"

namespace orc {

// The HTTP status a Status maps to (InvalidArgument -> 400, NotFound -> 404, ...).
int HttpStatusFor(StatusCode code);

// Sets `response` to the error body for `status` with the matching HTTP status.
void WriteError(ApiResponse& response, const Status& status, std::string_view field = {});

// Same, with an explicit HTTP status and code name (for errors with no Status behind them).
void WriteError(ApiResponse& response, int http_status, std::string_view code,
                std::string_view message, std::string_view field = {});

}  // namespace orc
