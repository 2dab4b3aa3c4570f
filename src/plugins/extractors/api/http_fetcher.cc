#include "plugins/extractors/api/http_fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

namespace orc {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* headers) {
  std::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    static_cast<std::vector<std::pair<std::string, std::string>>*>(headers)->emplace_back(
        std::move(name), std::string(value));
  } else if (line.starts_with("HTTP/")) {
    // A new response (after a redirect or a 100 Continue): forget the headers of the previous one.
    static_cast<std::vector<std::pair<std::string, std::string>>*>(headers)->clear();
  }
  return size * count;
}

// Aborts the transfer once the task is interrupted.
int Progress(void* interrupter, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Interrupter*>(interrupter)->interrupted() ? 1 : 0;
}

// Frees a curl_slist when it goes out of scope.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
};

}  // namespace

std::optional<TimePoint> ParseHttpDate(const std::string& text) {
  const time_t seconds = curl_getdate(text.c_str(), nullptr);
  if (seconds < 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

HttpFetcher::HttpFetcher() {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

HttpFetcher::~HttpFetcher() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string HttpFetcher::Escape(std::string_view text) {
  char* escaped =
      curl_easy_escape(static_cast<CURL*>(curl_), text.data(), static_cast<int>(text.size()));
  std::string result = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return result;
}

Result<HttpResponse> HttpFetcher::Fetch(const HttpRequest& request, const std::string& display_url,
                                        Interrupter& interrupter) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return InternalError("libcurl could not be initialized");
  curl_easy_reset(curl);
  HttpResponse response;
  HeaderList headers;
  for (const std::string& header : request.headers) {
    headers.list = curl_slist_append(headers.list, header.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  if (!request.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.password.c_str());
  }
  curl_easy_setopt(
      curl, CURLOPT_TIMEOUT_MS,
      static_cast<long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(request.timeout).count()));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  if (request.accept_compressed) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &interrupter);

  const CURLcode code = curl_easy_perform(curl);
  const std::string what = request.method + " " + display_url;
  switch (code) {
    case CURLE_OK:
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      return interrupter.reason();
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgumentError(what + ": " + curl_easy_strerror(code));
    case CURLE_OPERATION_TIMEDOUT:
      return UnavailableError(
          what + ": no complete response within " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(request.timeout).count()) +
          " s (timeout_s)");
    default:
      return UnavailableError(what + ": " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace orc
