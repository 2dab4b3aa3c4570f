// Every built-in plugin's configuration against values of every wrong JSON type in every field:
// each is refused with InvalidArgument naming the field, when the job is written and when its task
// runs alike, and none throws.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/path_policy.h"
#include "plugins/plugin_registry.h"
#include "support/printers.h"

namespace orc {
namespace {

using nlohmann::json;

// A configuration with every field its plugin has (for api, each auth and pagination style in one
// of them), every value valid.
struct FullConfig {
  PluginKind kind;
  json config;
  // Top-level fields the plugin allows that this config cannot have with the ones it has (mysql's
  // `query` beside `table`): another full config of the plugin has them.
  std::set<std::string> exclusive = {};
};

std::vector<FullConfig> FullConfigs() {
  const json api = json::parse(R"({"type": "api", "url": "https://api.example.com/items",
      "method": "POST", "headers": {"X-Trace": "1"}, "params": {"limit": 100},
      "body": {"query": "x"}, "timeout_s": 30, "records_path": "data.items", "max_pages": 10,
      "rate_limit_per_s": 2.5, "max_retries": 3, "max_response_mb": 64, "compression": true,
      "incremental": {"cursor_field": "updated_at", "param": "since", "initial_value": "2026"}})");
  auto api_with = [&api](const char* auth, const char* pagination) {
    json config = api;
    config["auth"] = json::parse(auth);
    config["pagination"] = json::parse(pagination);
    return FullConfig{PluginKind::kExtractor, config};
  };
  return {
      {PluginKind::kExtractor, json::parse(R"({"type": "csv", "path": "in/*.csv",
          "delimiter": ";", "quote": "'", "escape": "\\", "header": true, "null_string": "NA",
          "skip_rows": 1, "columns": {"a": "INTEGER"}, "ignore_errors": true,
          "null_padding": true, "strict_mode": false})")},
      {PluginKind::kExtractor, json::parse(R"({"type": "parquet", "path": "x.parquet",
          "columns": ["a"], "hive_partitioning": true})")},
      {PluginKind::kExtractor, json::parse(R"({"type": "json", "path": "x.json",
          "format": "ndjson", "columns": {"a": "VARCHAR"}})")},
      {PluginKind::kExtractor, json::parse(R"({"type": "csv", "path": "in/*.csv",
          "delimiter": ";", "quote": "'", "escape": "\\", "header": false, "null_string": "NA",
          "skip_rows": 1, "columns": [{"b": "INTEGER"}, {"a": "VARCHAR"}], "ignore_errors": true,
          "null_padding": true, "strict_mode": false})")},
      api_with(R"({"type": "bearer", "token": "t"})",
               R"({"type": "page_number", "page_param": "page", "start_page": 0,
                   "page_size_param": "per_page", "page_size": 50})"),
      api_with(R"({"type": "basic", "username": "u", "password": "p"})",
               R"({"type": "offset", "offset_param": "o", "limit_param": "l", "limit": 10})"),
      api_with(R"({"type": "api_key", "name": "key", "value": "v", "in": "query"})",
               R"({"type": "cursor", "cursor_path": "meta.next", "cursor_param": "c"})"),
      api_with(R"({"type": "bearer", "token": "t"})",
               R"({"type": "next_url", "next_url_path": "links.next"})"),
      api_with(R"({"type": "bearer", "token": "t"})", R"({"type": "link_header"})"),
      {PluginKind::kExtractor,
       json::parse(R"({"type": "sqlite", "path": "x.sqlite",
          "table": "t", "columns": ["a", "b"],
          "incremental": {"cursor_field": "b", "initial_value": 0},
          "partition": {"column": "a", "parts": 2}})"),
       {"query"}},
      {PluginKind::kExtractor,
       json::parse(R"({"type": "postgres",
          "url": "postgres://u:p@127.0.0.1/db", "table": "s.t", "columns": ["a", "b"],
          "incremental": {"cursor_field": "b", "initial_value": "2026-01-01"},
          "partition": {"column": "a", "parts": 2}})"),
       {"query"}},
      {PluginKind::kLoader, json::parse(R"({"type": "postgres",
          "url": "postgres://u:p@127.0.0.1/db", "table_name": "s.t", "write_mode": "merge",
          "primary_key": ["id"]})")},
      {PluginKind::kExtractor,
       json::parse(R"({"type": "mysql", "url": "mysql://u:p@127.0.0.1/db", "table": "db.t",
          "columns": ["a"], "incremental": {"cursor_field": "a", "initial_value": 1},
          "partition": {"column": "id", "parts": 2}, "connect_timeout_s": 5})"),
       {"query"}},
      {PluginKind::kExtractor,
       json::parse(R"({"type": "mysql", "url": "mysql://u:p@127.0.0.1/db", "query": "SELECT 1",
          "incremental": {"cursor_field": "a", "initial_value": "x"},
          "partition": {"column": "id", "parts": 2}, "connect_timeout_s": 5})"),
       {"table", "columns"}},
      {PluginKind::kLoader, json::parse(R"({"type": "duckdb", "db_path": "w.duckdb",
          "table_name": "s.t", "write_mode": "merge", "primary_key": ["id"]})")},
      {PluginKind::kLoader, json::parse(R"({"type": "files", "path": "out", "format": "csv",
          "partition_by": ["region"], "write_mode": "append"})")},
      {PluginKind::kTransform, json::parse(R"({"type": "sql", "db_path": "w.duckdb",
          "sql": "SELECT 1"})")},
  };
}

// Fields whose values may be a string, a number or a boolean (sent as text).
bool TakesAnyScalar(const std::string& pointer) {
  return pointer.starts_with("/headers/") || pointer.starts_with("/params/") ||
         pointer == "/incremental/initial_value";
}

// The field at `pointer` in `config` as errors name it: "/auth/type" -> "auth.type",
// "/primary_key/0" -> "primary_key[0]".
std::string FieldPath(const json& config, const json::json_pointer& pointer) {
  std::vector<std::string> tokens;
  for (json::json_pointer rest = pointer; !rest.empty(); rest = rest.parent_pointer()) {
    tokens.insert(tokens.begin(), rest.back());
  }
  std::string path;
  json::json_pointer at;
  for (const std::string& token : tokens) {
    path += config[at].is_array() ? "[" + token + "]" : (path.empty() ? "" : ".") + token;
    at /= token;
  }
  return path;
}

// Objects whose keys are the user's (columns, headers...), not fields of the plugin.
bool IsFreeForm(const std::string& pointer) {
  return pointer.starts_with("/columns") || pointer == "/headers" || pointer == "/params" ||
         pointer == "/body";
}

// Every value's pointer in `config` but the root and the plugin's "type".
void Pointers(const json& value, const json::json_pointer& at,
              std::vector<json::json_pointer>* out) {
  if (!at.empty() && at.to_string() != "/type") out->push_back(at);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) Pointers(item, at / key, out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) Pointers(value[i], at / i, out);
  }
}

class PluginConfigsTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinPlugins(registry_); }

  static std::string Where(PluginKind kind) {
    return "tasks[0]." + std::string(ConfigFieldName(kind));
  }

  // Validate() and the Make*() of `kind` on `config`; both must agree and neither throw.
  Status Check(PluginKind kind, const json& config) {
    Status validated = InternalError("threw");
    Status made = InternalError("threw");
    EXPECT_NO_THROW(validated = registry_.Validate(kind, config, Where(kind))) << config;
    EXPECT_NO_THROW(made = Make(kind, config)) << config;
    EXPECT_EQ(validated.code(), made.code()) << config << "\n" << validated << "\n" << made;
    return validated;
  }

  Status Make(PluginKind kind, const json& config) {
    switch (kind) {
      case PluginKind::kExtractor:
        return registry_.MakeExtractor(config, paths_).status();
      case PluginKind::kLoader:
        return registry_.MakeLoader(config, paths_).status();
      case PluginKind::kTransform:
        return registry_.MakeTransform(config, paths_).status();
    }
    return InternalError("no kind");
  }

  PluginRegistry registry_;
  PathPolicy paths_ = PathPolicy::Unrestricted("/tmp");
};

TEST_F(PluginConfigsTest, TheFullConfigsAreValidAndHaveEveryField) {
  std::set<std::string> types_covered;
  for (const FullConfig& full : FullConfigs()) {
    ASSERT_TRUE(Check(full.kind, full.config).ok()) << full.config;
    types_covered.insert(full.config["type"].get<std::string>());
    // The allowed list that an unknown field brings is every field the plugin reads there: each
    // object of the full config must have them all, so that the wrong-type test below covers every
    // field.
    std::vector<json::json_pointer> objects{json::json_pointer()};
    Pointers(full.config, json::json_pointer(), &objects);
    for (const json::json_pointer& object : objects) {
      if (!full.config[object].is_object() || IsFreeForm(object.to_string())) continue;
      json probe = full.config;
      probe[object / "zzz"] = 1;
      const std::string message = Check(full.kind, probe).message();
      const size_t allowed = message.find("allowed: ");
      ASSERT_NE(allowed, std::string::npos) << message;
      std::set<std::string> fields;
      if (object.empty()) fields.insert("type");  // read by the registry, not listed
      const std::string list = message.substr(allowed + 9) + ", ";
      for (size_t at = 0; at < list.size(); at = list.find(", ", at) + 2) {
        fields.insert(list.substr(at, list.find(", ", at) - at));
      }
      std::set<std::string> present;
      for (const auto& [key, value] : full.config[object].items()) present.insert(key);
      if (object.empty()) present.insert(full.exclusive.begin(), full.exclusive.end());
      EXPECT_EQ(present, fields) << full.config["type"] << " " << object.to_string();
    }
  }
  for (PluginKind kind : {PluginKind::kExtractor, PluginKind::kLoader, PluginKind::kTransform}) {
    for (const std::string& type : registry_.Types(kind)) {
      EXPECT_TRUE(types_covered.count(type)) << "no full config for plugin " << type;
    }
  }
}

TEST_F(PluginConfigsTest, AWrongTypeInAnyFieldIsAClearErrorNamingIt) {
  const std::vector<json> substitutes = {
      7, 2.5, "text", true, json(nullptr), json::array({1}), json{{"k", 1}}};
  int refused = 0;
  for (const FullConfig& full : FullConfigs()) {
    std::vector<json::json_pointer> pointers;
    Pointers(full.config, json::json_pointer(), &pointers);
    for (const json::json_pointer& pointer : pointers) {
      if (pointer.to_string().starts_with("/body/")) continue;  // the user's JSON, sent as it is
      const json& original = full.config[pointer];
      for (const json& substitute : substitutes) {
        const bool same_type = substitute.type() == original.type() ||
                               (original.is_number_float() && substitute.is_number()) ||
                               (original.is_number_unsigned() && substitute.is_number_integer());
        // An array of strings holding a number is still the wrong type.
        if (same_type && !original.is_array()) continue;
        json config = full.config;
        config[pointer] = substitute;
        const Status status = Check(full.kind, config);
        const std::string field = Where(full.kind) + "." + FieldPath(full.config, pointer);
        const std::string context = full.config["type"].get<std::string>() + " " +
                                    pointer.to_string() + " = " + substitute.dump();
        const bool may_pass = substitute.is_null() ||
                              (TakesAnyScalar(pointer.to_string()) && !substitute.is_structured());
        if (status.ok()) {
          EXPECT_TRUE(may_pass) << context << " was accepted";
          continue;
        }
        ++refused;
        EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << context << ": " << status;
        // Without a field of an exclusive pair (null is absent), the error may name the other.
        const bool names_the_other =
            substitute.is_null() &&
            std::any_of(full.exclusive.begin(), full.exclusive.end(), [&](const std::string& f) {
              return status.field() == Where(full.kind) + "." + f;
            });
        EXPECT_TRUE(status.field().starts_with(field) || names_the_other)
            << context << ": " << status;
        EXPECT_TRUE(status.message().starts_with(status.field()) ||
                    status.message().starts_with("unknown field"))
            << context << ": the message names the field: " << status;
      }
    }
  }
  EXPECT_GT(refused, 300);
}

// Configurations the field rules accepted while the plugins' own code, reading the JSON again,
// threw on them when the task ran, taking the server down.
TEST_F(PluginConfigsTest, TheConfigsThatOnceCrashedTheServerAreRefused) {
  struct Case {
    const char* config;
    const char* field;
    const char* message;
  } cases[] = {
      {R"({"type": "json", "path": "x.json", "columns": {"a": 1}})", "columns.a",
       "tasks[0].extractor_config.columns.a must be a DuckDB type name (a string)"},
      {R"({"type": "api", "url": "http://x",
           "pagination": {"type": "page_number", "page_param": 5}})",
       "pagination.page_param", "pagination.page_param must be a string"},
      {R"({"type": "api", "url": "http://x",
           "pagination": {"type": "cursor", "cursor_path": 5, "cursor_param": "c"}})",
       "pagination.cursor_path", "pagination.cursor_path must be a string"},
      {R"({"type": "api", "url": "http://x", "auth": {"type": 5}})", "auth.type",
       "auth.type must be one of bearer, basic, api_key (a string)"},
  };
  for (const Case& c : cases) {
    const Status status = Check(PluginKind::kExtractor, json::parse(c.config));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.config;
    EXPECT_EQ(status.field(), "tasks[0].extractor_config." + std::string(c.field)) << status;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status;
  }
}

TEST_F(PluginConfigsTest, RangesAndRulesAcrossFields) {
  struct Case {
    PluginKind kind;
    const char* config;
    const char* field;
    const char* message;
  } cases[] = {
      {PluginKind::kExtractor, R"({"type": "csv", "path": "x", "columns": {}})", "columns",
       "must name at least one column"},
      {PluginKind::kExtractor, R"({"type": "json", "path": "x", "columns": {"a": ""}})",
       "columns.a", "must be a DuckDB type name such as BIGINT"},
      {PluginKind::kExtractor, R"({"type": "parquet", "path": "x", "columns": []})", "columns",
       "must name at least one column"},
      {PluginKind::kExtractor, R"({"type": "csv", "path": "x", "skip_rows": -1})", "skip_rows",
       "must be from 0 to 1000000000"},
      {PluginKind::kExtractor, R"({"type": "api", "url": "http://x", "rate_limit_per_s": 1e-9})",
       "rate_limit_per_s", "at least 0.001"},
      {PluginKind::kExtractor, R"({"type": "api", "url": "http://x", "max_retries": 21})",
       "max_retries", "from 0 to 20"},
      {PluginKind::kExtractor, R"({"type": "api", "url": "http://x", "headers": {"A B": "1"}})",
       "headers.A B", "not an HTTP header name"},
      {PluginKind::kExtractor,
       R"({"type": "api", "url": "http://x", "headers": {"A": "1\r\nB: 2"}})", "headers.A",
       "must not contain a line break"},
      {PluginKind::kExtractor,
       R"({"type": "api", "url": "http://x", "auth": {"type": "bearer", "token": "t\n"}})",
       "auth.token", "must not contain a line break"},
      {PluginKind::kExtractor,
       R"({"type": "api", "url": "http://x", "pagination": {"type": "offset", "offset_param": "o",
           "limit_param": "l", "page_param": "p"}})",
       "pagination.page_param", "unknown field 'page_param'"},
      {PluginKind::kLoader,
       R"({"type": "duckdb", "db_path": "w", "table_name": "t", "primary_key": []})", "primary_key",
       "must name at least one column"},
  };
  for (const Case& c : cases) {
    const Status status = Check(c.kind, json::parse(c.config));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.config;
    EXPECT_EQ(status.field(), Where(c.kind) + "." + c.field) << status;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status;
  }
}

}  // namespace
}  // namespace orc
