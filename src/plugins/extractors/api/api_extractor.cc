// api: records from an HTTP(S) API, with auth, pagination, retries and incremental cursors.
//
// Pages are fetched one at a time (memory holds one page), the records of each are found without
// building a document (ApiPageReader) and spooled to a local file as the API's own JSON text, and
// DuckDB's read_json then loads all the pages in one statement with their types (nested objects
// become STRUCTs, arrays LISTs). The spool is removed with the extractor.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "common/backoff.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "engine/duckdb_engine.h"
#include "plugins/builtin_specs.h"
#include "plugins/extractors/api/api_config.h"
#include "plugins/extractors/api/api_page.h"
#include "plugins/extractors/api/http_fetcher.h"
#include "plugins/extractors/file_source.h"

namespace orc {
namespace {

// Between tries of one request, unless the server sends Retry-After. No jitter: the requests of
// one task go one at a time, and the task's attempts are jittered by the worker.
constexpr Backoff kRequestBackoff{.initial = std::chrono::milliseconds(500),
                                  .max = std::chrono::seconds(30)};
constexpr Duration kMaxRetryAfter = std::chrono::seconds(300);

// The URL of the rel="next" link in an RFC 8288 Link header.
std::optional<std::string> NextLink(const std::optional<std::string>& header) {
  if (!header) return std::nullopt;
  size_t start = 0;
  while (start < header->size()) {
    size_t end = header->find(',', header->find('>', start));
    if (end == std::string::npos) end = header->size();
    const std::string part = header->substr(start, end - start);
    const size_t open = part.find('<');
    const size_t close = part.find('>');
    if (open != std::string::npos && close != std::string::npos &&
        (part.find("rel=\"next\"") != std::string::npos ||
         part.find("rel=next") != std::string::npos)) {
      return part.substr(open + 1, close - open - 1);
    }
    start = end + 1;
  }
  return std::nullopt;
}

// `next` (absolute, root-relative or a query) resolved against `current`.
std::string ResolveUrl(const std::string& next, const std::string& current) {
  if (next.starts_with("http://") || next.starts_with("https://")) return next;
  const size_t scheme = current.find("://");
  const size_t path = current.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (next.starts_with("/")) return current.substr(0, path) + next;
  if (next.starts_with("?")) return current.substr(0, current.find('?')) + next;
  const size_t last_slash = current.substr(0, current.find('?')).rfind('/');
  return current.substr(0, last_slash + 1) + next;
}

// Retry-After: delay-seconds or an HTTP date.
std::optional<Duration> RetryAfter(const std::optional<std::string>& header, TimePoint now) {
  if (!header || header->empty()) return std::nullopt;
  if (std::all_of(header->begin(), header->end(), ::isdigit)) {
    return std::chrono::seconds(std::stoll(header->substr(0, 9)));
  }
  const std::optional<TimePoint> at = ParseHttpDate(*header);
  if (!at) return std::nullopt;
  return std::max<Duration>(Duration::zero(), *at - now);
}

// The parts of every request that come from the configuration: method, timeout, headers, body
// and auth (an api_key sent in the query is added to each URL instead).
HttpRequest BaseRequestOf(const ApiConfig& config) {
  HttpRequest request{.method = config.method,
                      .timeout = std::chrono::seconds(config.timeout_s),
                      .max_body_bytes = static_cast<size_t>(config.max_response_mb) << 20,
                      .accept_compressed = config.compression};
  request.headers.push_back("Accept: application/json");
  for (const auto& [name, value] : config.headers) request.headers.push_back(name + ": " + value);
  if (config.body) {
    request.body = *config.body;
    request.headers.push_back("Content-Type: application/json");
  }
  const std::string auth_type = config.auth ? config.auth->type : "";
  if (auth_type == "bearer") {
    request.headers.push_back("Authorization: Bearer " + config.auth->token);
  } else if (auth_type == "basic") {
    request.username = config.auth->username;
    request.password = config.auth->password;
  } else if (auth_type == "api_key" && !config.auth->in_query) {
    request.headers.push_back(config.auth->name + ": " + config.auth->value);
    request.credential_headers.push_back(config.auth->name);
  }
  return request;
}

// The api_key auth's name and value when it goes in the query.
std::optional<std::pair<std::string, std::string>> QueryKeyOf(const ApiConfig& config) {
  if (!config.auth || config.auth->type != "api_key" || !config.auth->in_query) {
    return std::nullopt;
  }
  return std::pair(config.auth->name, config.auth->value);
}

class ApiExtractor final : public Extractor {
 public:
  explicit ApiExtractor(ApiConfig config)
      : config_(std::move(config)),
        pagination_(config_.pagination),
        pagination_type_(pagination_.type),
        incremental_(config_.incremental),
        base_request_(BaseRequestOf(config_)),
        origin_(OriginOf(config_.url)),
        query_key_(QueryKeyOf(config_)),
        reader_(config_.records_path,
                pagination_type_ == "cursor"     ? pagination_.cursor_path
                : pagination_type_ == "next_url" ? pagination_.next_url_path
                                                 : "",
                incremental_ ? incremental_->cursor_field : "") {}

  ~ApiExtractor() override {
    if (spool_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(spool_, ignored);
  }

  Result<Source> Open(TaskContext& context, DuckDbConnection& connection,
                      Destination& destination) override {
    const std::string& method = config_.method;
    Source source{.description = "api " + method + " " + DisplayUrl(config_.url)};
    Status fetched = FetchAll(context, connection, destination);
    if (!fetched.ok()) return fetched.WithContext(source.description);
    source.cursor_value = max_cursor_;
    if (files_.empty()) {
      source.empty = true;
      return source;
    }
    // DuckDB detects the columns from a sample of the first pages. When a later page brought keys
    // the first did not have, every page's columns must be read (union_by_name, much slower),
    // else those keys would be dropped.
    source.select_sql = "SELECT * FROM read_json(" + StringListLiteral(files_) +
                        ", format = 'array'" + (keys_changed_ ? ", union_by_name = true" : "") +
                        ")";
    return source;
  }

 private:
  Status FetchAll(TaskContext& context, DuckDbConnection& connection, Destination& destination) {
    ORC_ASSIGN_OR_RETURN(std::optional<std::string> since, StartingCursor(context, destination));
    const int64_t max_pages = config_.max_pages;
    int64_t page_number = pagination_.start_page;
    int64_t offset = 0;
    std::optional<std::string> cursor;
    std::string next_url;
    int64_t pages = 0;
    int64_t records = 0;
    while (true) {
      // An API that never stops paginating (a loop, a bug) fails the task: loading part of it
      // would look like success.
      if (pages >= max_pages) {
        return InvalidArgumentError("the API still had pages after max_pages (" +
                                    std::to_string(max_pages) + "), " + std::to_string(records) +
                                    " records; raise max_pages if it really has that many");
      }
      std::vector<std::pair<std::string, std::string>> params;
      if (since) params.emplace_back(incremental_->param, *since);
      if (pagination_type_ == "page_number") {
        params.emplace_back(pagination_.page_param, std::to_string(page_number));
        if (pagination_.page_size_param) {
          params.emplace_back(*pagination_.page_size_param, std::to_string(pagination_.page_size));
        }
      } else if (pagination_type_ == "offset") {
        params.emplace_back(pagination_.offset_param, std::to_string(offset));
        params.emplace_back(pagination_.limit_param, std::to_string(pagination_.limit));
      } else if (pagination_type_ == "cursor" && cursor) {
        params.emplace_back(pagination_.cursor_param, *cursor);
      }
      const std::string url =
          next_url.empty() ? BuildUrl(config_.url, params, true) : BuildUrl(next_url, {}, false);
      ORC_ASSIGN_OR_RETURN(HttpResponse response, FetchWithRetries(context, url));
      context.progress->bytes_read.fetch_add(static_cast<int64_t>(response.body.size()),
                                             std::memory_order_relaxed);
      Result<ApiPage> page = reader_.Read(response.body);
      if (!page.ok()) return page.status().WithContext("page " + std::to_string(pages + 1));
      ++pages;
      records += page->records;
      context.progress->rows_extracted.fetch_add(page->records, std::memory_order_relaxed);
      if (page->records > 0) ORC_RETURN_IF_ERROR(Spool(page->records_json));
      if (!page->new_keys.empty() && !keys_changed_) {
        keys_changed_ = true;
        context.Log("info", "page " + std::to_string(pages) + " has fields earlier pages lacked (" +
                                page->new_keys.front() + "...): reading every page's columns");
      }
      if (page->max_cursor && (!max_cursor_ || CursorLess(*max_cursor_, *page->max_cursor))) {
        max_cursor_ = page->max_cursor;
      }
      if (pagination_type_.empty() || page->records == 0) break;
      if (pagination_type_ == "page_number") {
        ++page_number;
      } else if (pagination_type_ == "offset") {
        offset += page->records;
      } else if (pagination_type_ == "cursor") {
        if (!page->next_token || page->next_token->empty()) break;
        cursor = page->next_token;
      } else if (pagination_type_ == "next_url") {
        if (!page->next_token || page->next_token->empty()) break;
        next_url = ResolveUrl(*page->next_token, url);
      } else if (pagination_type_ == "link_header") {
        const std::optional<std::string> link = NextLink(response.Header("link"));
        if (!link) break;
        next_url = ResolveUrl(*link, url);
      }
    }
    context.Log("info", "fetched " + std::to_string(pages) + " page" + (pages == 1 ? "" : "s") +
                            ", " + std::to_string(records) + " records, " +
                            std::to_string(context.progress->bytes_read.load()) + " bytes");
    return Status::Ok();
  }

  // The incremental cursor to send: the last one committed with this task's data in the
  // destination's ledger, else initial_value; nullopt without incremental extraction.
  Result<std::optional<std::string>> StartingCursor(TaskContext& context,
                                                    Destination& destination) {
    if (!incremental_) return std::optional<std::string>();
    ORC_ASSIGN_OR_RETURN(std::optional<std::string> last, destination.LastCursor(context));
    if (last) return last;
    return incremental_->initial_value;
  }

  // One request, retried on connection errors, timeouts, 408, 429 and 5xx with exponential
  // backoff (or the server's Retry-After); any other non-2xx status fails at once.
  Result<HttpResponse> FetchWithRetries(TaskContext& context, const std::string& url) {
    HttpRequest request = base_request_;
    request.url = url;
    const std::string display = DisplayUrl(url);
    const std::string what = request.method + " " + display;
    // An error names the request only when it is not the configured URL, which the task's error
    // names already ("api GET URL: ...").
    const std::string request_named = url == config_.url ? "" : what + ": ";
    // A next-page link may lead to another origin; the credentials are for the configured one.
    if (OriginOf(url) != origin_) {
      DropCredentials(request);
      if (!warned_other_origin_) {
        warned_other_origin_ = true;
        context.Log("warn", what + " is not on the origin of url: sent without credentials");
      }
    }
    static const NetworkPolicy kDefaultPolicy;
    const NetworkPolicy& policy =
        context.network_policy != nullptr ? *context.network_policy : kDefaultPolicy;
    const int max_retries = static_cast<int>(config_.max_retries);
    for (int retry = 0;; ++retry) {
      if (context.interrupter->interrupted()) return context.interrupter->reason();
      WaitForRateLimit(context);
      Result<HttpResponse> response =
          fetcher_.Fetch(request, display, policy, *context.interrupter);
      Status failure;
      std::optional<Duration> retry_after;
      if (!response.ok()) {
        if (response.status().code() != StatusCode::kUnavailable) return response.status();
        failure = response.status();
      } else if (response->status >= 200 && response->status < 300) {
        return response;
      } else if (response->status == 408 || response->status == 429 || response->status >= 500) {
        failure = UnavailableError(HttpErrorText(request_named, *response));
        retry_after = RetryAfter(response->Header("retry-after"), context.clock->Now());
      } else {
        return HttpStatusError(request_named, *response);
      }
      if (retry >= max_retries) {
        return failure.WithContext("gave up after " + std::to_string(retry + 1) + " tries");
      }
      const Duration delay =
          std::min(kMaxRetryAfter, retry_after.value_or(kRequestBackoff.Ceiling(retry)));
      context.Log("warn", (request_named.empty() && response.ok() ? what + ": " : "") +
                              failure.message() + "; retrying in " + FormatSeconds(delay));
      context.Sleep(delay);
    }
  }

  // "HTTP 404: Not Found" after `request_named` ("GET URL: " or empty): the status and a short
  // snippet of the body, if any.
  static std::string HttpErrorText(const std::string& request_named, const HttpResponse& response) {
    const std::string snippet =
        BodySnippet(response.body, response.Header("content-type").value_or(""));
    return request_named + "HTTP " + std::to_string(response.status) +
           (snippet.empty() ? "" : ": " + snippet);
  }

  static Status HttpStatusError(const std::string& request_named, const HttpResponse& response) {
    std::string message = HttpErrorText(request_named, response);
    switch (response.status) {
      case 401:
        return UnauthenticatedError(std::move(message));
      case 403:
        return PermissionDeniedError(std::move(message));
      case 404:
      case 410:
        return NotFoundError(std::move(message));
      default:
        return InvalidArgumentError(std::move(message));
    }
  }

  void WaitForRateLimit(TaskContext& context) {
    const double rate = config_.rate_limit_per_s;
    if (rate <= 0) return;
    const Duration interval =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / rate));
    const TimePoint now = context.clock->Now();
    if (last_request_ && now < *last_request_ + interval)
      context.Sleep(*last_request_ + interval - now);
    last_request_ = context.clock->Now();
  }

  // `base` with the configured params (when `with_params`), `extra` and an api_key in the query
  // (only on the configured origin).
  std::string BuildUrl(const std::string& base,
                       const std::vector<std::pair<std::string, std::string>>& extra,
                       bool with_params) {
    std::vector<std::pair<std::string, std::string>> params;
    if (with_params) params = config_.params;
    params.insert(params.end(), extra.begin(), extra.end());
    if (query_key_ && OriginOf(base) == origin_) params.push_back(*query_key_);
    std::string url = base;
    for (const auto& [name, value] : params) {
      url += (url.find('?') == std::string::npos ? "?" : "&") + fetcher_.Escape(name) + "=" +
             fetcher_.Escape(value);
    }
    return url;
  }

  // `url` without secrets, for messages and logs: an api_key in the query is masked.
  std::string DisplayUrl(const std::string& url) {
    if (!query_key_) return url;
    std::string display = url;
    const std::string secret = fetcher_.Escape(query_key_->second);
    for (size_t at = display.find(secret); !secret.empty() && at != std::string::npos;
         at = display.find(secret, at + 3)) {
      display.replace(at, secret.size(), "***");
    }
    return display;
  }

  Status Spool(const std::string& records_json) {
    if (spool_.empty()) {
      spool_ = std::filesystem::temp_directory_path() / ("orc-api-" + NewUuidV4());
      std::error_code error;
      if (!std::filesystem::create_directories(spool_, error)) {
        return UnavailableError("cannot create the spool directory " + spool_.string() + ": " +
                                error.message());
      }
    }
    char name[32];
    std::snprintf(name, sizeof name, "page-%08zu.json", files_.size() + 1);
    const std::filesystem::path file = spool_ / name;
    // POSIX calls rather than a stream, to report why a write failed (a full $TMPDIR, most often).
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    auto failed = [&file](int error) {
      return UnavailableError("cannot write the spool file " + file.string() + ": " +
                              std::strerror(error));
    };
    if (fd < 0) return failed(errno);
    for (size_t written = 0; written < records_json.size();) {
      const ssize_t wrote =
          ::write(fd, records_json.data() + written, records_json.size() - written);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote < 0) {
        const int error = errno;
        ::close(fd);
        return failed(error);
      }
      written += static_cast<size_t>(wrote);
    }
    if (::close(fd) != 0) return failed(errno);
    files_.push_back(file.string());
    return Status::Ok();
  }

  const ApiConfig config_;
  const ApiPagination& pagination_;  // parts of config_
  const std::string pagination_type_;
  const std::optional<ApiIncremental>& incremental_;
  const HttpRequest base_request_;
  const std::optional<Origin> origin_;  // of url: where the credentials may go
  const std::optional<std::pair<std::string, std::string>> query_key_;
  HttpFetcher fetcher_;
  ApiPageReader reader_;
  std::filesystem::path spool_;
  std::vector<std::string> files_;
  std::optional<std::string> max_cursor_;
  std::optional<TimePoint> last_request_;
  bool keys_changed_ = false;  // a page after the first had keys the first did not
  bool warned_other_origin_ = false;
};

}  // namespace

PluginSpec ApiExtractorSpec() { return SpecOf<ApiExtractor>("api", ReadApiConfig); }

}  // namespace orc
