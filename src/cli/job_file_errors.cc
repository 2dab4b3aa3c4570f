#include "cli/job_file_errors.h"

#include <algorithm>
#include <set>

#include "api/job_json.h"

namespace orc {
namespace {

using nlohmann::json;

constexpr std::string_view kAllowed = "; allowed: ";

// The object that holds the field at `path` ("tasks[0].loader_config.table_name") and the field's
// name in it; false when the path leads elsewhere (through a missing field, or to an array item).
bool FindParent(json& root, const std::string& path, json** parent, std::string* key) {
  json* node = &root;
  size_t at = 0;
  while (true) {
    const size_t end = path.find_first_of(".[", at);
    const std::string name = path.substr(at, end == std::string::npos ? end : end - at);
    if (end == std::string::npos) {
      if (!node->is_object() || name.empty()) return false;
      *parent = node;
      *key = name;
      return true;
    }
    if (!name.empty()) {
      if (!node->is_object() || !node->contains(name)) return false;
      node = &(*node)[name];
    }
    at = end + 1;
    if (path[end] == '[') {
      const size_t close = path.find(']', at);
      if (close == std::string::npos || close + 1 == path.size()) return false;  // an item
      size_t index = 0;
      try {
        index = std::stoul(path.substr(at, close - at));
      } catch (const std::exception&) {
        return false;
      }
      if (!node->is_array() || index >= node->size()) return false;
      node = &(*node)[index];
      at = close + 1;
      if (path[at] == '.') ++at;
    }
  }
}

// The allowed names an unknown-field error lists after "; allowed: ", or none.
std::vector<std::string> AllowedNames(const std::string& message) {
  std::vector<std::string> names;
  const size_t at = message.find(kAllowed);
  if (at == std::string::npos) return names;
  std::string_view list = std::string_view(message).substr(at + kAllowed.size());
  while (!list.empty()) {
    const size_t comma = list.find(", ");
    names.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 2);
  }
  return names;
}

}  // namespace

std::vector<Status> AllJobErrors(const json& body, const PluginRegistry& plugins) {
  json job = body;  // fields at fault are taken out of this copy as they are found
  std::vector<Status> errors;
  std::set<std::string> reported;
  while (errors.size() < kMaxErrorsPerJob) {
    Result<Job> decoded = JobFromJson(job, plugins);
    if (decoded.ok()) break;
    const Status& error = decoded.status();
    const std::string field = error.field();
    if (!reported.insert(field).second) break;  // taking it out did not help: stop here
    json* parent = nullptr;
    std::string key;
    if (field.empty() || !FindParent(job, field, &parent, &key)) {
      errors.push_back(error);
      break;
    }
    std::string message = error.message();
    const std::string meant = ClosestName(key, AllowedNames(message));
    if (!meant.empty() && parent->contains(key)) {
      message.insert(message.find(kAllowed), " (did you mean '" + meant + "'?)");
      // Check what the misspelled field holds under the name it was meant to have.
      if (!parent->contains(meant)) (*parent)[meant] = (*parent)[key];
    }
    parent->erase(key);
    errors.push_back(Status(error.code(), std::move(message)).WithField(field));
  }
  return errors;
}

}  // namespace orc
