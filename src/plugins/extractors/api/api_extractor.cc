// api: records from an HTTP(S) API, with auth, pagination, retries and incremental cursors.
#include <nlohmann/json.hpp>

#include "plugins/builtin_specs.h"

namespace orc {
namespace {

Status HttpUrl(const nlohmann::json& value) {
  const std::string url = value.get<std::string>();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return InvalidArgumentError("'" + url + "' is not an http:// or https:// URL");
  }
  return Status::Ok();
}

Status StringValues(const nlohmann::json& value) {
  for (const auto& [name, item] : value.items()) {
    if (!item.is_string() && !item.is_number() && !item.is_boolean()) {
      return InvalidArgumentError("must be a string, number or boolean").WithField(name);
    }
  }
  return Status::Ok();
}

// {type: bearer, token} | {type: basic, username, password} | {type: api_key, name, value, in}
Status Auth(const nlohmann::json& auth) {
  const std::string type = auth.value("type", "");
  auto require = [&auth](const char* field) {
    const auto value = auth.find(field);
    if (value == auth.end() || !value->is_string() || value->get<std::string>().empty()) {
      return InvalidArgumentError("is required (a string)").WithField(field);
    }
    return Status::Ok();
  };
  if (type == "bearer") return require("token");
  if (type == "basic") {
    ORC_RETURN_IF_ERROR(require("username"));
    return require("password");
  }
  if (type == "api_key") {
    ORC_RETURN_IF_ERROR(require("name"));
    ORC_RETURN_IF_ERROR(require("value"));
    const std::string in = auth.value("in", "header");
    if (in != "header" && in != "query") {
      return InvalidArgumentError("must be header or query").WithField("in");
    }
    return Status::Ok();
  }
  return InvalidArgumentError("type must be bearer, basic or api_key").WithField("type");
}

// The portable pagination styles; each names the fields it needs.
Status Pagination(const nlohmann::json& pagination) {
  const std::string type = pagination.value("type", "");
  auto require = [&pagination](const char* field) {
    if (!pagination.contains(field)) return InvalidArgumentError("is required").WithField(field);
    return Status::Ok();
  };
  if (type == "page_number") return require("page_param");
  if (type == "offset") {
    ORC_RETURN_IF_ERROR(require("offset_param"));
    return require("limit_param");
  }
  if (type == "cursor") {
    ORC_RETURN_IF_ERROR(require("cursor_path"));
    return require("cursor_param");
  }
  if (type == "next_url") return require("next_url_path");
  if (type == "link_header") return Status::Ok();
  return InvalidArgumentError("type must be page_number, offset, cursor, next_url or link_header")
      .WithField("type");
}

Status Incremental(const nlohmann::json& incremental) {
  for (const char* field : {"cursor_field", "param"}) {
    const auto value = incremental.find(field);
    if (value == incremental.end() || !value->is_string()) {
      return InvalidArgumentError("is required (a string)").WithField(field);
    }
  }
  return Status::Ok();
}

}  // namespace

PluginSpec ApiExtractorSpec() {
  return {PluginKind::kExtractor,
          "api",
          {{"url", FieldType::kString, true, HttpUrl},
           {"method", FieldType::kString, false, OneOf({"GET", "POST", "PUT", "PATCH"})},
           {"headers", FieldType::kObject, false, StringValues},
           {"params", FieldType::kObject, false, StringValues},
           {"body", FieldType::kObject},
           {"timeout_s", FieldType::kInteger, false, Between(1, 3600)},
           {"auth", FieldType::kObject, false, Auth},
           {"records_path", FieldType::kString},
           {"pagination", FieldType::kObject, false, Pagination},
           {"max_pages", FieldType::kInteger, false, Between(1, 10'000'000)},
           {"rate_limit_per_s", FieldType::kNumber},
           {"incremental", FieldType::kObject, false, Incremental}}};
}

}  // namespace orc
