// The api extractor's configuration: ApiConfig, read by ReadApiConfig (the same code checks a job
// when it is written and reads it when its task runs). Limits and choices are in docs/plugins.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugins/config_reader.h"
#include "plugins/plugin_registry.h"

namespace orc {

// {type: bearer, token} | {type: basic, username, password} | {type: api_key, name, value, in}
struct ApiAuth {
  std::string type;  // bearer, basic or api_key
  std::string token;
  std::string username;
  std::string password;
  std::string name;  // api_key: the header or query parameter that carries it
  std::string value;
  bool in_query = false;  // api_key: sent in the query rather than as a header
};

// The portable pagination styles; each uses only its own fields.
struct ApiPagination {
  std::string type;  // empty (one request), page_number, offset, cursor, next_url or link_header
  // page_number
  std::string page_param;
  int64_t start_page = 1;
  std::optional<std::string> page_size_param;
  int64_t page_size = 100;
  // offset
  std::string offset_param;
  std::string limit_param;
  int64_t limit = 100;
  // cursor
  std::string cursor_path;
  std::string cursor_param;
  // next_url
  std::string next_url_path;
};

struct ApiIncremental {
  std::string cursor_field;  // the field of each record whose highest value is committed
  std::string param;         // the query parameter that sends it
  std::optional<std::string> initial_value;  // sent while nothing is committed yet
};

struct ApiConfig {
  std::string url;  // http:// or https://
  std::string method = "GET";
  StringPairs headers;
  StringPairs params;               // added to the first request's query
  std::optional<std::string> body;  // JSON text
  int64_t timeout_s = 30;           // per request
  std::optional<ApiAuth> auth;
  std::string records_path;  // dot path; empty: the top level
  ApiPagination pagination;
  int64_t max_pages = 100'000;  // more pages fail the task
  double rate_limit_per_s = 0;  // 0: no limit
  std::optional<ApiIncremental> incremental;
  int64_t max_retries = 5;
  int64_t max_response_mb = 256;  // a larger response (decompressed) fails the task
  bool compression = false;

  std::vector<ConfigFile> Files() const { return {}; }  // it spools to its own temp directory
};

ApiConfig ReadApiConfig(ConfigReader& reader);

}  // namespace orc
