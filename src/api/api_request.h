// ApiRequest and ApiResponse: one HTTP request as orc's route handlers see it, and the response
// they fill in. The HTTP server (http_server.h) parses the request, the Router (router.h) adds the
// path parameters, a handler reads it and writes the response, and the server sends it.
//
// Plain values owned by the thread that serves the request; nothing here is shared.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_headers.h"

namespace orc {

struct ApiRequest {
  std::string method;     // as sent: "GET", "POST", ... (HEAD reaches GET handlers as "HEAD")
  std::string path;       // percent-decoded, without the query
  int minor_version = 1;  // HTTP/1.minor_version
  HttpHeaders headers;
  // The query's name=value pairs, percent-decoded ('+' is a space), in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> query;
  // The values of the route's {parameters}, in the order of the path template (set by the Router).
  std::vector<std::string> path_params;
  std::string body;

  bool HasParam(std::string_view name) const;
  // The first value of query parameter `name`; "" when absent.
  std::string Param(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> Params(std::string_view name) const;

  bool HasHeader(std::string_view name) const { return headers.Contains(name); }
  std::string Header(std::string_view name) const { return headers.Get(name); }

  // Path parameter `index` (0 is the template's first {name}); "" when there is no such one.
  const std::string& PathParam(size_t index) const;
};

struct ApiResponse {
  int status = 200;
  HttpHeaders headers;  // besides Content-Type and Content-Length, which the server writes
  std::string content_type;
  std::string body;

  void SetHeader(std::string name, std::string value) {
    headers.Set(std::move(name), std::move(value));
  }
  void SetContent(std::string content, std::string type) {
    body = std::move(content);
    content_type = std::move(type);
  }
};

// Decodes %XX escapes (malformed ones are kept as they are); with `plus_is_space`, '+' is a space
// (the query's form encoding).
std::string PercentDecode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y&flag" -> {{"a","1"},{"b","x y"},{"flag",""}}.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace orc
