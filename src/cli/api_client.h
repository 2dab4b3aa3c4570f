// ApiClient: the CLI's connection to a running `orc serve`, over its REST API.
//
// Every call returns the response body as JSON, or a Status that says what went wrong in words a
// person at a terminal can act on: the server cannot be reached (and where it was looked for),
// the token is missing or wrong, or the server's own error message (with the field at fault).
// Not thread-safe: one client per thread.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace httplib {
class Client;
}

namespace orc {

struct ApiClientOptions {
  std::string server = "http://127.0.0.1:8080";  // --server / ORC_SERVER
  std::string token;                             // --token / ORC_API_TOKEN
};

class ApiClient {
 public:
  // InvalidArgument for a server address that is not http://HOST:PORT.
  static Result<std::unique_ptr<ApiClient>> Connect(const ApiClientOptions& options);
  ~ApiClient();

  Result<nlohmann::json> Get(const std::string& path);
  // GET that also returns the X-Total-Count header of a list route (and whether the server
  // stopped counting: X-Total-Count-Capped, then more than *total match).
  Result<nlohmann::json> GetPage(const std::string& path, int64_t* total, bool* capped = nullptr);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  // A POST the server acts on at most once: sent with an Idempotency-Key (a fresh UUID), and sent
  // again with the same key while its outcome is unknown (the connection broke before the reply
  // came, the server answered 503, or it is still serving the first attempt), a few times over
  // about 4 s. A server that cannot be reached at all is reported at once.
  Result<nlohmann::json> PostOnce(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Patch(const std::string& path, const nlohmann::json& body);
  Status Delete(const std::string& path);

  const std::string& server() const { return options_.server; }

 private:
  ApiClient(ApiClientOptions options, std::unique_ptr<httplib::Client> client);
  // `idempotency_key`: sent as the Idempotency-Key header when not empty. `*outcome_unknown`
  // (when given) tells whether a failure may be retried with the same key.
  Result<nlohmann::json> Send(const std::string& method, const std::string& path,
                              const nlohmann::json* body, int64_t* total,
                              const std::string& idempotency_key = "",
                              bool* outcome_unknown = nullptr, bool* capped = nullptr);

  ApiClientOptions options_;
  std::unique_ptr<httplib::Client> client_;
};

// "%XX"-escapes `text` for a URL query value or path segment.
std::string UrlEncode(const std::string& text);

}  // namespace orc
