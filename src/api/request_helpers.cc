#include "api/request_helpers.h"

#include "api/api_request.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "api/bounded_json.h"
#include "api/error_response.h"
#include "common/uuid.h"

namespace orc {

std::optional<nlohmann::json> ReadJsonBody(const ApiRequest& request, ApiResponse& response) {
  const std::string content_type = request.Header("Content-Type");
  if (content_type.rfind("application/json", 0) != 0 &&
      content_type.rfind("application/merge-patch+json", 0) != 0) {
    WriteError(response, 415, "unsupported_media_type",
               "send the body as JSON with Content-Type: application/json" +
                   (content_type.empty() ? std::string() : " (not " + content_type + ")"));
    return std::nullopt;
  }
  Result<nlohmann::json> body = ParseBoundedJson(request.body);
  if (!body.ok()) {
    WriteError(response, 400, "invalid_argument", "the body is " + body.status().message());
    return std::nullopt;
  }
  return std::move(body).value();
}

Result<int> IntParam(const ApiRequest& request, const std::string& name, int fallback, int min,
                     int max) {
  if (!request.HasParam(name.c_str())) return fallback;
  const std::string text = request.Param(name.c_str());
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return InvalidArgumentError(name + " must be an integer from " + std::to_string(min) + " to " +
                                std::to_string(max) + ", not '" + text + "'")
        .WithField(name);
  }
  return value;
}

Result<PageParams> ReadPageParams(const ApiRequest& request) {
  constexpr int kDefaultLimit = 100;
  constexpr int kMaxLimit = 1000;
  ORC_ASSIGN_OR_RETURN(int limit, IntParam(request, "limit", kDefaultLimit, 1, kMaxLimit));
  ORC_ASSIGN_OR_RETURN(int offset,
                       IntParam(request, "offset", 0, 0, std::numeric_limits<int>::max()));
  return PageParams{limit, offset};
}

Result<std::optional<bool>> BoolParam(const ApiRequest& request, const std::string& name) {
  if (!request.HasParam(name.c_str())) return std::optional<bool>();
  const std::string text = request.Param(name.c_str());
  if (text == "true") return std::optional<bool>(true);
  if (text == "false") return std::optional<bool>(false);
  return InvalidArgumentError(name + " must be true or false, not '" + text + "'").WithField(name);
}

Result<std::optional<std::vector<std::string>>> JobIdsParam(const ApiRequest& request) {
  if (!request.HasParam("job_ids")) return std::optional<std::vector<std::string>>();
  const std::string text = request.Param("job_ids");
  std::vector<std::string> ids;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string id = text.substr(start, end - start);
    if (!IsUuid(id)) {
      return InvalidArgumentError("job_ids must be job ids separated by commas; '" +
                                  id.substr(0, 64) + "' is not a job id")
          .WithField("job_ids");
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    if (ids.size() > kMaxJobIds) {
      return InvalidArgumentError("job_ids takes at most " + std::to_string(kMaxJobIds) + " ids")
          .WithField("job_ids");
    }
    start = end + 1;
  }
  return std::optional<std::vector<std::string>>(std::move(ids));
}

Status RejectUnknownFields(const nlohmann::json& body, const std::vector<std::string>& allowed) {
  for (const auto& item : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    std::string names;
    for (const std::string& name : allowed) names += (names.empty() ? "" : ", ") + name;
    return InvalidArgumentError(item.key() + " is not a known field; allowed: " + names)
        .WithField(item.key());
  }
  return Status::Ok();
}

std::string JsonText(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WriteJson(ApiResponse& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.SetContent(JsonText(body), "application/json");
}

}  // namespace orc
