#include "api/job_yaml.h"

#include <yaml-cpp/yaml.h>

#include "api/job_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

namespace orc {
namespace {

using nlohmann::json;

// "jobs.yaml:12", or "line 12" for text that has no name.
std::string Place(std::string_view source, int line) {
  return (source.empty() ? "line " : std::string(source) + ":") + std::to_string(line);
}

// An error at `mark` of the YAML text named `source`.
Status LineError(std::string_view source, const YAML::Mark& mark, const std::string& message) {
  return InvalidArgumentError(Place(source, mark.line + 1) + ": " + message);
}

// The value a plain (unquoted) scalar stands for under the YAML 1.2 core schema.
json PlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
  const char* end = text.data() + text.size();
  int64_t integer = 0;
  if (auto [stop, error] = std::from_chars(begin, end, integer);
      error == std::errc() && stop == end) {
    return integer;
  }
  if (text == ".inf" || text == "+.inf" || text == ".Inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-.inf" || text == "-.Inf") return -std::numeric_limits<double>::infinity();
  double number = 0;
  if (auto [stop, error] = std::from_chars(begin, end, number);
      error == std::errc() && stop == end && std::isfinite(number)) {
    return number;
  }
  return text;
}

std::string ChildPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

Result<json> ToJson(std::string_view source, const YAML::Node& node, const std::string& path,
                    std::map<std::string, int>& lines) {
  lines.emplace(path, node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      // A quoted scalar carries the tag "!": it is a string whatever it looks like.
      return node.Tag() == "!" ? json(node.Scalar()) : PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        Result<json> item = ToJson(source, node[i], path + "[" + std::to_string(i) + "]", lines);
        if (!item.ok()) return item.status();
        array.push_back(std::move(*item));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          return LineError(source, entry.first.Mark(), "a key must be a plain name");
        }
        const std::string key = entry.first.Scalar();
        if (object.contains(key)) {
          return LineError(source, entry.first.Mark(),
                           "duplicate key '" + key + "'" + (path.empty() ? "" : " in " + path));
        }
        Result<json> value = ToJson(source, entry.second, ChildPath(path, key), lines);
        if (!value.ok()) return value.status();
        object[key] = std::move(*value);
      }
      return object;
    }
  }
  return json(nullptr);
}

Status AddJob(std::string_view source, const YAML::Node& node, std::vector<YamlJob>& jobs) {
  if (!node.IsMap()) {
    return LineError(source, node.Mark(),
                     "a job must be a mapping of fields (job_name: ..., tasks: ...)");
  }
  YamlJob job;
  job.source = std::string(source);
  job.line = node.Mark().line + 1;
  Result<json> body = ToJson(source, node, "", job.field_lines);
  if (!body.ok()) return body.status();
  job.body = std::move(*body);
  jobs.push_back(std::move(job));
  return Status::Ok();
}

Status AddJobs(std::string_view source, const YAML::Node& document, std::vector<YamlJob>& jobs) {
  if (document.IsNull()) return Status::Ok();  // an empty document
  YAML::Node list = document;
  if (document.IsMap() && document.size() == 1 && document["jobs"]) list = document["jobs"];
  if (!list.IsSequence()) return AddJob(source, list, jobs);
  for (const YAML::Node& item : list) ORC_RETURN_IF_ERROR(AddJob(source, item, jobs));
  return Status::Ok();
}

// The position of `key` among the keys a reader looks for first; others follow alphabetically.
size_t KeyRank(const std::string& key) {
  static constexpr std::array<std::string_view, 12> kFirst = {
      "job_name",  "task_name", "type",    "description", "schedule",   "timezone",
      "is_active", "job_id",    "task_id", "task_order",  "depends_on", "extractor_config"};
  static constexpr std::array<std::string_view, 3> kLast = {"loader_config", "transform_config",
                                                            "tasks"};
  if (auto it = std::find(kFirst.begin(), kFirst.end(), key); it != kFirst.end()) {
    return static_cast<size_t>(it - kFirst.begin());
  }
  if (auto it = std::find(kLast.begin(), kLast.end(), key); it != kLast.end()) {
    return 1000 + static_cast<size_t>(it - kLast.begin());
  }
  return 100;
}

void Emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      std::vector<std::string> keys;
      for (const auto& [key, unused] : value.items()) keys.push_back(key);
      std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
        return KeyRank(a) != KeyRank(b) ? KeyRank(a) < KeyRank(b) : a < b;
      });
      out << YAML::BeginMap;
      for (const std::string& key : keys) {
        out << YAML::Key << key << YAML::Value;
        Emit(out, value[key]);
      }
      out << YAML::EndMap;
      return;
    }
    case json::value_t::array:
      out << (value.empty() ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
      for (const json& item : value) Emit(out, item);
      out << YAML::EndSeq;
      return;
    case json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      if (!PlainScalar(text).is_string()) out << YAML::DoubleQuoted;
      if (text.find('\n') != std::string::npos) out << YAML::Literal;
      out << text;
      return;
    }
    case json::value_t::null:
      out << YAML::Null;
      return;
    default:
      out << value.dump();
  }
}

// Removes the fields whose value is null from every object in `value`.
void DropNullFields(json& value) {
  if (value.is_array()) {
    for (json& item : value) DropNullFields(item);
    return;
  }
  if (!value.is_object()) return;
  for (auto it = value.begin(); it != value.end();) {
    if (it->is_null()) {
      it = value.erase(it);
    } else {
      DropNullFields(*it);
      ++it;
    }
  }
}

}  // namespace

int YamlJob::LineOf(std::string_view field) const {
  std::string path(field);
  while (true) {
    if (auto it = field_lines.find(path); it != field_lines.end()) return it->second;
    if (path.empty()) return line;
    const size_t cut = path.find_last_of(".[");
    path = cut == std::string::npos ? std::string() : path.substr(0, cut);
  }
}

Status YamlJob::Locate(const Status& error) const {
  return Status(error.code(), Place(source, LineOf(error.field())) + ": " + error.message())
      .WithField(error.field());
}

Result<std::vector<YamlJob>> ParseYamlJobs(std::string_view text, std::string_view source) {
  std::vector<YamlJob> jobs;
  try {
    for (const YAML::Node& document : YAML::LoadAll(std::string(text))) {
      ORC_RETURN_IF_ERROR(AddJobs(source, document, jobs));
    }
  } catch (const YAML::Exception& error) {
    return LineError(source, error.mark, "not valid YAML: " + error.msg);
  }
  return jobs;
}

std::string JobToYaml(const nlohmann::json& job) {
  nlohmann::json definition = JobDefinition(job);
  DropNullFields(definition);
  return JsonToYaml(definition);
}

std::string JsonToYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace orc
