#include "plugins/secrets.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

namespace orc {
namespace {

constexpr std::string_view kOpen = "${env:";

// Shell-style match of the whole `text`: `*` any run of characters, `?` one character.
bool GlobMatches(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool IsVariableName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string JoinPatterns(const std::vector<std::string>& patterns) {
  std::string joined;
  for (const std::string& pattern : patterns) joined += (joined.empty() ? "" : ", ") + pattern;
  return joined.empty() ? "none" : joined;
}

// Calls `on_reference(name)` for every reference in `text`, then returns the text with each
// replaced by what it returned. Stops at the first error.
Result<std::string> ForEachReference(
    const std::string& text, const SecretPolicy& policy,
    const std::function<Result<std::string>(const std::string& name)>& on_reference) {
  std::string out;
  size_t position = 0;
  while (true) {
    const size_t start = text.find(kOpen, position);
    if (start == std::string::npos) break;
    const size_t end = text.find('}', start);
    if (end == std::string::npos) {
      return InvalidArgumentError("'${env:' without a closing '}'");
    }
    const std::string name = text.substr(start + kOpen.size(), end - start - kOpen.size());
    if (!IsVariableName(name)) {
      return InvalidArgumentError("'${env:" + name +
                                  "}' does not name an environment variable (letters, digits "
                                  "and _, not starting with a digit)");
    }
    if (!policy.Allows(name)) {
      return InvalidArgumentError("${env:" + name + "} is not a variable jobs may read; allowed: " +
                                  JoinPatterns(policy.patterns()) +
                                  " (an operator can allow more with --allow-env PATTERN)");
    }
    ORC_ASSIGN_OR_RETURN(std::string value, on_reference(name));
    out += text.substr(position, start - position);
    out += value;
    position = end + 1;
  }
  out += text.substr(position);
  return out;
}

}  // namespace

// The check that makes the recursive walk and copy below safe.
Status CheckConfigDepth(const nlohmann::json& config, const std::string& path) {
  std::vector<std::pair<const nlohmann::json*, int>> pending = {{&config, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (depth > kMaxConfigDepth) {
      return InvalidArgumentError((path.empty() ? std::string("the configuration") : path) +
                                  " nests objects and arrays deeper than " +
                                  std::to_string(kMaxConfigDepth) + " levels")
          .WithField(path);
    }
    for (const nlohmann::json& item : *value) pending.emplace_back(&item, depth + 1);
  }
  return Status::Ok();
}

namespace {

// Applies ForEachReference to every string in `value` (keys excepted), in place. `path` names the
// value in errors. Recursive: CheckConfigDepth bounds it.
Status Walk(nlohmann::json& value, const std::string& path, const SecretPolicy& policy,
            const std::function<Result<std::string>(const std::string& name)>& on_reference) {
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) {
      ORC_RETURN_IF_ERROR(Walk(item, path.empty() ? key : path + "." + key, policy, on_reference));
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      ORC_RETURN_IF_ERROR(
          Walk(value[i], path + "[" + std::to_string(i) + "]", policy, on_reference));
    }
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.find(kOpen) == std::string::npos) return Status::Ok();
    Result<std::string> replaced = ForEachReference(text, policy, on_reference);
    if (!replaced.ok()) {
      return InvalidArgumentError(path + ": " + replaced.status().message()).WithField(path);
    }
    value = std::move(*replaced);
  }
  return Status::Ok();
}

std::string PercentEncoded(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 15];
    }
  }
  return encoded;
}

}  // namespace

SecretPolicy::SecretPolicy() : patterns_{"ORC_SECRET_*"} {}

SecretPolicy::SecretPolicy(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}

bool SecretPolicy::Allows(std::string_view name) const {
  return std::any_of(patterns_.begin(), patterns_.end(),
                     [name](const std::string& pattern) { return GlobMatches(pattern, name); });
}

Status CheckSecretReferences(const nlohmann::json& config, const SecretPolicy& policy,
                             const std::string& path) {
  ORC_RETURN_IF_ERROR(CheckConfigDepth(config, path));
  nlohmann::json copy = config;
  return Walk(copy, path, policy,
              [](const std::string&) -> Result<std::string> { return std::string(); });
}

const char* ProcessEnvironment(const std::string& name) { return std::getenv(name.c_str()); }

Result<ResolvedSecrets> ResolveSecrets(const nlohmann::json& config, const SecretPolicy& policy,
                                       const EnvironmentLookup& lookup) {
  ORC_RETURN_IF_ERROR(CheckConfigDepth(config, ""));
  ResolvedSecrets resolved{.config = config};
  ORC_RETURN_IF_ERROR(
      Walk(resolved.config, "", policy, [&](const std::string& name) -> Result<std::string> {
        const char* value = lookup(name);
        if (value == nullptr) {
          return InvalidArgumentError("environment variable " + name + " is not set");
        }
        if (std::find(resolved.values.begin(), resolved.values.end(), value) ==
            resolved.values.end()) {
          resolved.values.emplace_back(value);
        }
        return std::string(value);
      }));
  return resolved;
}

Redactor::Redactor(const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    if (value.empty()) continue;
    for (std::string form :
         {value, PercentEncoded(value),
          nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}) {
      if (form.size() >= 2 && form.front() == '"' && form.back() == '"' && form != value) {
        form = form.substr(1, form.size() - 2);  // the JSON string without its quotes
      }
      if (!form.empty() && std::find(needles_.begin(), needles_.end(), form) == needles_.end()) {
        needles_.push_back(std::move(form));
      }
    }
  }
  std::sort(needles_.begin(), needles_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::Redact(std::string text) const {
  for (const std::string& needle : needles_) {
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 3)) {
      text.replace(at, needle.size(), "***");
    }
  }
  return text;
}

}  // namespace orc
