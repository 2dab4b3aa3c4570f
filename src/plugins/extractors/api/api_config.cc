#include "plugins/extractors/api/api_config.h"

#include <algorithm>

namespace orc {
namespace {

constexpr int64_t kMaxTimeoutSeconds = 3600;
constexpr int64_t kMaxPages = 10'000'000;
constexpr int64_t kMaxRetries = 20;
constexpr int64_t kMaxPageNumber = 1'000'000'000;
constexpr int64_t kMaxPageSize = 1'000'000;
constexpr double kMaxRate = 1'000'000;
// Slower than one request every 1,000 s is no rate limit but a stall.
constexpr double kMinRate = 0.001;

Status HttpUrl(const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return InvalidArgumentError("'" + url + "' is not an http:// or https:// URL");
  }
  return Status::Ok();
}

// A header value goes into the request as it is: a line break would start another header. The
// message never quotes the value, which may be a secret.
Status HeaderValue(const std::string& value) {
  if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
    return InvalidArgumentError("must not contain a line break or a NUL character");
  }
  return Status::Ok();
}

// An HTTP field name (RFC 9110 token).
Status HeaderName(const std::string& name) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
  if (!ok) return InvalidArgumentError("'" + name + "' is not an HTTP header name");
  return Status::Ok();
}

StringPairs ReadHeaders(ConfigReader& in) {
  std::optional<StringPairs> headers = in.ScalarMap("headers", HeaderValue);
  if (!headers) return {};
  for (const auto& [name, value] : *headers) {
    if (Status checked = HeaderName(name); !checked.ok()) {
      in.Fail("headers." + name, checked.message());
    }
  }
  return *headers;
}

std::optional<ApiAuth> ReadAuth(ConfigReader& in) {
  std::optional<ConfigReader> object = in.Object("auth");
  if (!object) return std::nullopt;
  ApiAuth auth{.type = object->OneOf("type", {"bearer", "basic", "api_key"}, std::nullopt)};
  object->Describe("auth type " + auth.type);
  auto secret = [&](const char* field) {
    return object->RequiredString(field, [](const std::string& value) {
      if (value.empty()) return InvalidArgumentError("must not be empty");
      return HeaderValue(value);
    });
  };
  if (auth.type == "bearer") {
    auth.token = secret("token");
  } else if (auth.type == "basic") {
    auth.username = secret("username");
    auth.password = secret("password");
  } else if (auth.type == "api_key") {
    auth.name = object->RequiredString("name", NotEmpty);
    auth.value = secret("value");
    auth.in_query = object->OneOf("in", {"header", "query"}, "header") == "query";
    if (!auth.in_query && !auth.name.empty()) {
      if (Status checked = HeaderName(auth.name); !checked.ok()) {
        object->Fail("name", checked.message());
      }
    }
  }
  return auth;
}

ApiPagination ReadPagination(ConfigReader& in) {
  ApiPagination pagination;
  std::optional<ConfigReader> object = in.Object("pagination");
  if (!object) return pagination;
  pagination.type = object->OneOf(
      "type", {"page_number", "offset", "cursor", "next_url", "link_header"}, std::nullopt);
  object->Describe("pagination type " + pagination.type);
  if (pagination.type == "page_number") {
    pagination.page_param = object->RequiredString("page_param", NotEmpty);
    pagination.start_page = object->Integer("start_page", 0, kMaxPageNumber, 1);
    pagination.page_size_param = object->OptionalString("page_size_param", NotEmpty);
    pagination.page_size = object->Integer("page_size", 1, kMaxPageSize, 100);
  } else if (pagination.type == "offset") {
    pagination.offset_param = object->RequiredString("offset_param", NotEmpty);
    pagination.limit_param = object->RequiredString("limit_param", NotEmpty);
    pagination.limit = object->Integer("limit", 1, kMaxPageSize, 100);
  } else if (pagination.type == "cursor") {
    pagination.cursor_path = object->RequiredString("cursor_path", NotEmpty);
    pagination.cursor_param = object->RequiredString("cursor_param", NotEmpty);
  } else if (pagination.type == "next_url") {
    pagination.next_url_path = object->RequiredString("next_url_path", NotEmpty);
  }
  return pagination;
}

std::optional<ApiIncremental> ReadIncremental(ConfigReader& in) {
  std::optional<ConfigReader> object = in.Object("incremental");
  if (!object) return std::nullopt;
  return ApiIncremental{.cursor_field = object->RequiredString("cursor_field", NotEmpty),
                        .param = object->RequiredString("param", NotEmpty),
                        .initial_value = object->OptionalScalar("initial_value")};
}

}  // namespace

ApiConfig ReadApiConfig(ConfigReader& in) {
  ApiConfig config{
      .url = in.RequiredString("url", HttpUrl),
      .method = in.OneOf("method", {"GET", "POST", "PUT", "PATCH"}, "GET"),
      .headers = ReadHeaders(in),
      .params = in.ScalarMap("params").value_or(StringPairs{}),
      .body = in.ObjectJson("body"),
      .timeout_s = in.Integer("timeout_s", 1, kMaxTimeoutSeconds, 30),
      .auth = ReadAuth(in),
      .records_path = in.String("records_path", ""),
      .pagination = ReadPagination(in),
      .max_pages = in.Integer("max_pages", 1, kMaxPages, 100'000),
      .rate_limit_per_s = in.Number("rate_limit_per_s", 0, kMaxRate, 0),
  };
  if (config.rate_limit_per_s > 0 && config.rate_limit_per_s < kMinRate) {
    in.Fail("rate_limit_per_s", "must be 0 (no limit) or at least 0.001 requests a second");
  }
  config.incremental = ReadIncremental(in);
  config.max_retries = in.Integer("max_retries", 0, kMaxRetries, 5);
  // simdjson parses at most 4 GiB.
  config.max_response_mb = in.Integer("max_response_mb", 1, 4095, 256);
  config.compression = in.Bool("compression", false);
  return config;
}

}  // namespace orc
