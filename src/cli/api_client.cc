#include "cli/api_client.h"

#include <httplib.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/uuid.h"

namespace orc {
namespace {

constexpr int kConnectTimeoutSeconds = 5;
constexpr int kReadTimeoutSeconds = 60;
// The pauses before each repeated PostOnce attempt.
constexpr std::chrono::milliseconds kRetryPauses[] = {std::chrono::milliseconds(250),
                                                      std::chrono::milliseconds(1000),
                                                      std::chrono::milliseconds(2500)};

StatusCode CodeFor(int http_status) {
  switch (http_status) {
    case 400:
    case 413:
    case 415:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kConflict;
    case 503:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

// The server's error body ({"error": {"message", "field"}}) as a Status.
Status ErrorFrom(const httplib::Response& response, const std::string& server) {
  if (response.status == 401) {
    return UnauthenticatedError("the server at " + server +
                                " refused the request: its API token is missing or wrong (pass "
                                "--token or set ORC_API_TOKEN)");
  }
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const nlohmann::json& error = body["error"];
    Status status(CodeFor(response.status), error.value("message", response.body));
    if (error.contains("field") && error["field"].is_string()) {
      return std::move(status).WithField(error["field"].get<std::string>());
    }
    return status;
  }
  return Status(CodeFor(response.status), "HTTP " + std::to_string(response.status) + " from " +
                                              server + ": " + response.body.substr(0, 200));
}

}  // namespace

Result<std::unique_ptr<ApiClient>> ApiClient::Connect(const ApiClientOptions& options) {
  const std::string& server = options.server;
  const bool has_scheme = server.rfind("http://", 0) == 0 || server.rfind("https://", 0) == 0;
  if (!has_scheme || server.size() <= std::string("http://").size()) {
    return InvalidArgumentError("--server '" + server +
                                "': expected http://HOST:PORT (e.g. http://127.0.0.1:8080)");
  }
  auto client = std::make_unique<httplib::Client>(server);
  if (!client->is_valid()) {
    return InvalidArgumentError("--server '" + server + "': not a usable http:// address");
  }
  client->set_connection_timeout(kConnectTimeoutSeconds);
  client->set_read_timeout(kReadTimeoutSeconds);
  client->set_keep_alive(true);
  if (!options.token.empty()) client->set_bearer_token_auth(options.token);
  return std::unique_ptr<ApiClient>(new ApiClient(options, std::move(client)));
}

ApiClient::ApiClient(ApiClientOptions options, std::unique_ptr<httplib::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

ApiClient::~ApiClient() = default;

Result<nlohmann::json> ApiClient::Send(const std::string& method, const std::string& path,
                                       const nlohmann::json* body, int64_t* total,
                                       const std::string& idempotency_key, bool* outcome_unknown,
                                       bool* capped) {
  const std::string text = body ? body->dump() : std::string();
  const char* type = "application/json";
  httplib::Headers headers;
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  httplib::Result result = method == "GET"     ? client_->Get(path, headers)
                           : method == "POST"  ? client_->Post(path, headers, text, type)
                           : method == "PUT"   ? client_->Put(path, headers, text, type)
                           : method == "PATCH" ? client_->Patch(path, headers, text, type)
                                               : client_->Delete(path, headers);
  if (outcome_unknown != nullptr) {
    // Refused connections never carried the request; a 409 with Retry-After is a first attempt
    // still being served.
    *outcome_unknown = result ? result->status == 503 ||
                                    (result->status == 409 && result->has_header("Retry-After"))
                              : result.error() != httplib::Error::Connection;
  }
  if (!result) {
    const bool no_connection = result.error() == httplib::Error::Connection;
    return UnavailableError(
        "cannot reach orc at " + options_.server + ": " +
        (no_connection ? std::string("nothing answers there")
                       : "the request failed (" + httplib::to_string(result.error()) + ")") +
        "; is `orc serve` running? (the address comes from --server or ORC_SERVER)");
  }
  if (result->status >= 300) return ErrorFrom(*result, options_.server);
  if (total != nullptr) {
    *total = std::atoll(result->get_header_value("X-Total-Count").c_str());
  }
  if (capped != nullptr) *capped = result->get_header_value("X-Total-Count-Capped") == "true";
  if (result->body.empty()) return nlohmann::json();
  nlohmann::json parsed = nlohmann::json::parse(result->body, nullptr, false);
  if (parsed.is_discarded()) {
    return InternalError("the server at " + options_.server + " answered " + method + " " + path +
                         " with a body that is not JSON; is it an orc server?");
  }
  return parsed;
}

Result<nlohmann::json> ApiClient::Get(const std::string& path) {
  return Send("GET", path, nullptr, nullptr);
}

Result<nlohmann::json> ApiClient::GetPage(const std::string& path, int64_t* total, bool* capped) {
  return Send("GET", path, nullptr, total, "", nullptr, capped);
}

Result<nlohmann::json> ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  return Send("POST", path, &body, nullptr);
}

Result<nlohmann::json> ApiClient::PostOnce(const std::string& path, const nlohmann::json& body) {
  const std::string key = NewUuidV4();
  for (size_t attempt = 0;; ++attempt) {
    bool outcome_unknown = false;
    Result<nlohmann::json> reply = Send("POST", path, &body, nullptr, key, &outcome_unknown);
    if (reply.ok() || !outcome_unknown || attempt == std::size(kRetryPauses)) return reply;
    std::this_thread::sleep_for(kRetryPauses[attempt]);
  }
}

Result<nlohmann::json> ApiClient::Put(const std::string& path, const nlohmann::json& body) {
  return Send("PUT", path, &body, nullptr);
}

Result<nlohmann::json> ApiClient::Patch(const std::string& path, const nlohmann::json& body) {
  return Send("PATCH", path, &body, nullptr);
}

Status ApiClient::Delete(const std::string& path) {
  return Send("DELETE", path, nullptr, nullptr).status();
}

std::string UrlEncode(const std::string& text) {
  std::string encoded;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X", c);
      encoded += escaped;
    }
  }
  return encoded;
}

}  // namespace orc
