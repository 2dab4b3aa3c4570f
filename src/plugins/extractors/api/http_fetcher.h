// HttpFetcher: one HTTP(S) request at a time through libcurl, reusing its connection (keep-alive)
// from one request to the next.
//
// Fetch() returns every response that arrives, whatever its status; deciding what a status means
// is the caller's. Transport failures are errors: Unavailable for a connection that fails or times
// out (trying again may help), InvalidArgument for a URL libcurl refuses, and the interrupter's
// reason when the transfer was aborted by an interrupt.
//
// Not thread-safe: one fetcher per task attempt.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/interrupter.h"
#include "common/status.h"

namespace orc {

struct HttpRequest {
  std::string method = "GET";
  std::string url;                   // with its query
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when not empty
  std::string username;              // basic auth when not empty
  std::string password;
  Duration timeout = std::chrono::seconds(30);
  // Ask for a gzip, deflate or brotli body (decoded here). Pays off over slow links; on fast ones
  // the server's compression costs more than it saves.
  bool accept_compressed = false;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case

  // The first header named `name` (lower case).
  std::optional<std::string> Header(std::string_view name) const;
};

class HttpFetcher {
 public:
  HttpFetcher();
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // `display_url` names the request in errors (the URL without secrets).
  Result<HttpResponse> Fetch(const HttpRequest& request, const std::string& display_url,
                             Interrupter& interrupter);

  // `text` percent-encoded for a URL query.
  std::string Escape(std::string_view text);

 private:
  void* curl_;  // CURL*
};

// An HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT", as in Retry-After), or nullopt.
std::optional<TimePoint> ParseHttpDate(const std::string& text);

}  // namespace orc
