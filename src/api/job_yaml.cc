#include "api/job_yaml.h"

#include <simdjson.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "api/bounded_json.h"
#include "api/job_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>

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

// What ToJson may still build: aliases let a few bytes of YAML stand for an exponential number
// of nodes ("billion laughs"), and an alias inside its own anchor for an endless nesting.
struct Budget {
  size_t nodes_left;
};

// The number of JSON values the YAML text may expand to: far more than its plain nodes (each
// takes at least a byte or two), with room for aliases reused a few times.
size_t NodeBudget(std::string_view text) {
  constexpr size_t kBase = 10000;
  constexpr size_t kPerByte = 4;
  constexpr size_t kMax = 1000000;
  return std::min(kMax, kBase + kPerByte * text.size());
}

// yaml-cpp passes a scalar's bytes through unchecked, and JSON (nlohmann's dump(), the state
// store, every client) needs UTF-8: a job file is refused where its text is not.
Status CheckUtf8(std::string_view source, const YAML::Node& node, const std::string& path) {
  const std::string& text = node.Scalar();
  if (simdjson::validate_utf8(text.data(), text.size())) return Status::Ok();
  return LineError(source, node.Mark(),
                   (path.empty() ? std::string("a key") : path) + " is not valid UTF-8 text")
      .WithField(path);
}

Result<json> ToJson(std::string_view source, const YAML::Node& node, const std::string& path,
                    std::map<std::string, int>& lines, size_t depth, Budget& budget) {
  if (budget.nodes_left == 0) {
    return LineError(source, node.Mark(),
                     "the YAML expands to too many values (aliases repeated over and over?)");
  }
  --budget.nodes_left;
  if (depth > kMaxJsonDepth) {
    return LineError(source, node.Mark(),
                     "mappings and sequences nest deeper than the limit of " +
                         std::to_string(kMaxJsonDepth) + " levels");
  }
  lines.emplace(path, node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      ORC_RETURN_IF_ERROR(CheckUtf8(source, node, path));
      // A quoted scalar carries the tag "!": it is a string whatever it looks like.
      return node.Tag() == "!" ? json(node.Scalar()) : PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        Result<json> item =
            ToJson(source, node[i], path + "[" + std::to_string(i) + "]", lines, depth + 1, budget);
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
        ORC_RETURN_IF_ERROR(CheckUtf8(source, entry.first, path));
        const std::string key = entry.first.Scalar();
        if (object.contains(key)) {
          return LineError(source, entry.first.Mark(),
                           "duplicate key '" + key + "'" + (path.empty() ? "" : " in " + path));
        }
        Result<json> value =
            ToJson(source, entry.second, ChildPath(path, key), lines, depth + 1, budget);
        if (!value.ok()) return value.status();
        object[key] = std::move(*value);
      }
      return object;
    }
  }
  return json(nullptr);
}

Status AddJob(std::string_view source, const YAML::Node& node, std::vector<YamlJob>& jobs,
              Budget& budget) {
  if (!node.IsMap()) {
    return LineError(source, node.Mark(),
                     "a job must be a mapping of fields (job_name: ..., tasks: ...)");
  }
  YamlJob job;
  job.source = std::string(source);
  job.line = node.Mark().line + 1;
  Result<json> body = ToJson(source, node, "", job.field_lines, 1, budget);
  if (!body.ok()) return body.status();
  job.body = std::move(*body);
  jobs.push_back(std::move(job));
  return Status::Ok();
}

Status AddJobs(std::string_view source, const YAML::Node& document, std::vector<YamlJob>& jobs,
               Budget& budget) {
  if (document.IsNull()) return Status::Ok();  // an empty document
  YAML::Node list = document;
  if (document.IsMap() && document.size() == 1 && document["jobs"]) list = document["jobs"];
  if (!list.IsSequence()) return AddJob(source, list, jobs, budget);
  for (const YAML::Node& item : list) ORC_RETURN_IF_ERROR(AddJob(source, item, jobs, budget));
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

// Whether `text` written as a literal block (`|`) reads back unchanged. yaml-cpp writes the block
// without a chomping or an indentation indicator, so it reads back with exactly one final line
// break ("clip") and with its indentation taken from its first line; and it escapes nothing, so
// only printable characters may appear. Multi-line text that is not so (SQL without a final
// newline, say) is written double-quoted instead, with `\n` escapes.
bool LiteralReadsBack(std::string_view text) {
  if (text.empty() || text.front() == ' ' || text.front() == '\n') return false;
  if (text.back() != '\n' || text.ends_with("\n\n")) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return c == '\n' || c == '\t' || (byte >= 0x20 && byte != 0x7f && byte < 0x80);
  });
}

// Writes a scalar, or opens a mapping or sequence and returns true (its items follow).
bool EmitOpen(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      return true;
    case json::value_t::array:
      out << (value.empty() ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
      return true;
    case json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      if (text.find('\n') != std::string::npos) {
        out << (LiteralReadsBack(text) ? YAML::Literal : YAML::DoubleQuoted);
      } else if (!PlainScalar(text).is_string()) {
        out << YAML::DoubleQuoted;
      }
      out << text;
      return false;
    }
    case json::value_t::null:
      out << YAML::Null;
      return false;
    default:
      out << value.dump();
      return false;
  }
}

// `value` into `out` without recursion (with an explicit stack): a value may come from a job
// stored before depths were limited, and the emitter keeps its own state on the heap.
void Emit(YAML::Emitter& out, const json& value) {
  struct Open {
    const json* container;
    std::vector<std::string> keys;  // an object's keys in the order they are written
    size_t next = 0;
  };
  std::vector<Open> stack;
  const auto open = [&out, &stack](const json& item) {
    if (!EmitOpen(out, item)) return;
    Open entry{&item, {}, 0};
    if (item.is_object()) {
      for (const auto& [key, unused] : item.items()) entry.keys.push_back(key);
      std::stable_sort(entry.keys.begin(), entry.keys.end(),
                       [](const std::string& a, const std::string& b) {
                         return KeyRank(a) != KeyRank(b) ? KeyRank(a) < KeyRank(b) : a < b;
                       });
    }
    stack.push_back(std::move(entry));
  };
  open(value);
  while (!stack.empty()) {
    Open& top = stack.back();
    const json& container = *top.container;
    if (container.is_object()) {
      if (top.next == top.keys.size()) {
        out << YAML::EndMap;
        stack.pop_back();
        continue;
      }
      const std::string& key = top.keys[top.next++];
      out << YAML::Key << key << YAML::Value;
      open(*container.find(key));  // may grow the stack: `top` is not used after this
    } else {
      if (top.next == container.size()) {
        out << YAML::EndSeq;
        stack.pop_back();
        continue;
      }
      open(container[top.next++]);
    }
  }
}

// Removes the fields of `object` whose value is null.
void DropNullFields(json& object) {
  for (auto it = object.begin(); it != object.end();) {
    it = it->is_null() ? object.erase(it) : std::next(it);
  }
}

// Leaves out what null means "the default" for: the job's fields, each task's and each plugin
// configuration's own settings. A null deeper down (in an api extractor's `body`, say) is data
// and stays.
void DropDefaultNulls(json& definition) {
  if (!definition.is_object()) return;
  DropNullFields(definition);
  const auto tasks = definition.find("tasks");
  if (tasks == definition.end() || !tasks->is_array()) return;
  for (json& task : *tasks) {
    if (!task.is_object()) continue;
    DropNullFields(task);
    for (const char* config : {"extractor_config", "loader_config", "transform_config"}) {
      if (const auto found = task.find(config); found != task.end() && found->is_object()) {
        DropNullFields(*found);
      }
    }
  }
}

// Finds the malformed text on which yaml-cpp 0.7's LoadAll never returns (a lone `,`, or a document
// that starts with `, `: jbeder/yaml-cpp#1040, fixed upstream in 2024). There the parser reports an
// empty document without consuming anything, again and again, and LoadAll collects them until
// memory runs out. This walks the documents with the same parser and stops at the first one that
// starts where the one before it did, which no valid YAML does (an empty document still consumes
// its `---`). Events are only counted, so the walk allocates nothing per node.
Status CheckParserProgress(std::string_view source, const std::string& text) {
  class DocumentStarts : public YAML::EventHandler {
   public:
    std::optional<YAML::Mark> last, current;
    void OnDocumentStart(const YAML::Mark& mark) override {
      last = current;
      current = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  };
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.last && starts.current && starts.last->pos == starts.current->pos) {
      return LineError(source, *starts.current, "not valid YAML: unexpected text");
    }
  }
  return Status::Ok();
}

// For an unquoted value that starts with `*` (a cron schedule, most often), which YAML reads as an
// alias: what to write instead. Empty for other errors.
std::string AliasHint(std::string_view text, const YAML::Exception& error) {
  if (error.msg != YAML::ErrorMsg::ALIAS_NOT_FOUND && error.msg != YAML::ErrorMsg::UNKNOWN_ANCHOR) {
    return "";
  }
  // The line of the error, without its end of line.
  size_t begin = 0;
  for (int line = 0; line < error.mark.line && begin != std::string_view::npos; ++line) {
    begin = text.find('\n', begin);
    if (begin != std::string_view::npos) ++begin;
  }
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find('\n', begin);
  std::string_view line = text.substr(begin, end == std::string_view::npos ? end : end - begin);
  const size_t colon = line.find(": *");
  if (colon == std::string_view::npos) {
    return "; a value that starts with * must be quoted (unquoted, YAML reads * as an alias)";
  }
  size_t key_begin = line.find_last_of(" -{,", colon);
  key_begin = key_begin == std::string_view::npos ? 0 : key_begin + 1;
  std::string_view value = line.substr(colon + 2);
  const size_t comment = value.find(" #");
  if (comment != std::string_view::npos) value = value.substr(0, comment);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  return "; a value that starts with * must be quoted, as in " +
         std::string(line.substr(key_begin, colon - key_begin)) + ": \"" + std::string(value) +
         "\" (unquoted, YAML reads * as an alias)";
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
  Budget budget{NodeBudget(text)};
  try {
    const std::string copy(text);
    ORC_RETURN_IF_ERROR(CheckParserProgress(source, copy));
    // yaml-cpp's parser stops nesting at 2000 levels itself (YAML::DeepRecursion).
    for (const YAML::Node& document : YAML::LoadAll(copy)) {
      ORC_RETURN_IF_ERROR(AddJobs(source, document, jobs, budget));
    }
  } catch (const YAML::Exception& error) {
    return LineError(source, error.mark, "not valid YAML: " + error.msg + AliasHint(text, error));
  }
  return jobs;
}

std::string JobToYaml(const nlohmann::json& job) {
  nlohmann::json definition = JobDefinition(job);
  DropDefaultNulls(definition);
  return JsonToYaml(definition);
}

std::string JsonToYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace orc
