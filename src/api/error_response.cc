#include "api/error_response.h"

#include "api/api_request.h"
#include "api/request_helpers.h"

#include <nlohmann/json.hpp>

namespace orc {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

void WriteError(ApiResponse& response, const Status& status, std::string_view field) {
  WriteError(response, HttpStatusFor(status.code()), StatusCodeName(status.code()),
             status.message(), field.empty() ? std::string_view(status.field()) : field);
}

void WriteError(ApiResponse& response, int http_status, std::string_view code,
                std::string_view message, std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  response.status = http_status;
  // The state store unreachable (a PostgreSQL restart, a network cut) or busy: clients and load
  // balancers should come back shortly rather than give up.
  if (http_status == 503) response.SetHeader("Retry-After", "1");
  response.SetContent(JsonText(nlohmann::json{{"error", std::move(error)}}), "application/json");
}

}  // namespace orc
