// HttpFetcher: one HTTP(S) request at a time through libcurl, reusing its connection (keep-alive)
// from one request to the next, under a NetworkPolicy.
//
// Fetch() returns the first response that is not a redirect, whatever its status; deciding what a
// status means is the caller's. Redirects are followed here rather than by libcurl, so that each
// hop obeys the same rules: at most kMaxRedirects, http and https only, every address checked by
// the policy when it is connected to, and every credential (HttpRequest::credential_headers,
// Authorization, Cookie, basic auth) dropped for good once the origin (scheme, host, port)
// changes. 301 and 302 turn a POST into a GET without body, 303 anything but HEAD; 307 and 308
// keep method and body. Proxies from the environment are ignored: the policy applies to the
// address actually connected to.
//
// Errors: Unavailable for a connection that fails or times out (trying again may help);
// PermissionDenied for an address the policy refuses, naming the host and the address;
// InvalidArgument for a URL libcurl refuses, a redirect to something else than http(s), too many
// redirects, or a response over its size limits (the same response would come again); the
// interrupter's reason when the transfer was interrupted, which stops it at once even while it
// connects or waits for a silent server.
//
// Not thread-safe: one fetcher per task attempt. The interrupter may be triggered from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/interrupter.h"
#include "common/status.h"
#include "plugins/extractors/api/network_policy.h"

namespace orc {

struct HttpRequest {
  std::string method = "GET";
  std::string url;                   // with its query
  std::vector<std::string> headers;  // "Name: value"
  // Names (any case) of headers in `headers` that carry credentials, e.g. an API key header.
  // These, Authorization, Proxy-Authorization and Cookie are never sent to another origin.
  std::vector<std::string> credential_headers;
  std::string body;      // sent when not empty
  std::string username;  // basic auth when not empty
  std::string password;
  // The whole of one request (each redirect is a request of its own), and its connect alone, so
  // that a black-holed address fails soon.
  Duration timeout = std::chrono::seconds(30);
  Duration connect_timeout = std::chrono::seconds(10);
  // The body as the caller gets it, after decompression: past it the transfer is aborted, so a
  // small compressed body cannot grow to fill the memory.
  size_t max_body_bytes = size_t{256} << 20;
  // False: a redirect is returned as the response (a webhook's POST is never sent elsewhere).
  bool follow_redirects = true;
  // Ask for a gzip, deflate or brotli body (decoded here). Pays off over slow links; on fast ones
  // the server's compression costs more than it saves.
  bool accept_compressed = false;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string url;  // the URL that gave this response, after redirects

  // The first header named `name` (lower case).
  std::optional<std::string> Header(std::string_view name) const;
};

// Scheme and host in lower case, port explicit (80, 443 when the URL names none).
struct Origin {
  std::string scheme;
  std::string host;
  int port = 0;
  friend bool operator==(const Origin&, const Origin&) = default;
};

// The origin of an absolute URL; nullopt when libcurl cannot parse it.
std::optional<Origin> OriginOf(const std::string& url);

// Removes every credential from `request`: its credential headers and basic auth.
void DropCredentials(HttpRequest& request);

class HttpFetcher {
 public:
  static constexpr int kMaxRedirects = 5;
  // The header lines of one response, interim ones included: below libcurl's own bound (300 KiB,
  // which it reports as a receive error, one that would be retried).
  static constexpr size_t kMaxHeaderBytes = size_t{256} << 10;

  HttpFetcher();
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // `display_url` names the request in errors (the URL without secrets); redirect targets are
  // named without their query.
  Result<HttpResponse> Fetch(const HttpRequest& request, const std::string& display_url,
                             const NetworkPolicy& policy, Interrupter& interrupter);

  // `text` percent-encoded for a URL query.
  std::string Escape(std::string_view text);

 private:
  // One request, no redirect followed; the target of a redirect response in `redirect_url`.
  Result<HttpResponse> FetchOnce(const HttpRequest& request, const std::string& what,
                                 const NetworkPolicy& policy, Interrupter& interrupter,
                                 std::string& redirect_url);

  void* curl_;   // CURL*
  void* multi_;  // CURLM*: runs the transfer so that an interrupt can wake it
};

// An HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT", as in Retry-After), or nullopt.
std::optional<TimePoint> ParseHttpDate(const std::string& text);

}  // namespace orc
