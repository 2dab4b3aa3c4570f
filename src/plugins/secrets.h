// Secrets in job configurations: `${env:NAME}` references, which variables they may name, their
// values when a task runs, and keeping those values out of everything orc writes.
//
// A job stores the reference, never the value. An operator says which environment variables jobs
// may read (`--allow-env PATTERN`, default ORC_SECRET_*), so that a job cannot name DATABASE_URL,
// ORC_API_TOKEN or anything else of the server's; a reference to another name is refused when
// the job is written and again when its task runs. The server resolves a task's references just
// before the task runs and hands the values to the executor process with the configuration; the
// executor itself has none of the server's environment. Every text that comes back (errors, log
// lines, the run's fields) passes through a Redactor holding those values, so a value never
// reaches the state store, an API response or stderr, wherever in the configuration it was used.
//
// Thread safety: SecretPolicy and Redactor are immutable once built; share them freely.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace orc {

class SecretPolicy {
 public:
  // The default: ORC_SECRET_*.
  SecretPolicy();
  // The variables jobs may reference: shell-style patterns (`*` any run of characters, `?` one),
  // matched against the whole name.
  explicit SecretPolicy(std::vector<std::string> patterns);

  bool Allows(std::string_view name) const;
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

// How deep a configuration's objects and arrays may nest (the configuration itself is level 1).
// Its strings are found by walking it, and a resolved configuration is a copy of it, both of which
// recurse; a deeper configuration is refused instead of exhausting the stack.
constexpr int kMaxConfigDepth = 64;

// InvalidArgument naming `path` (the field, e.g. "tasks[0].extractor_config") when `config` nests
// objects and arrays deeper than kMaxConfigDepth. Iterative; every reader of a configuration calls
// it before anything that recurses (dump, copies, the plugins' parsers).
Status CheckConfigDepth(const nlohmann::json& config, const std::string& path);

// Every `${env:NAME}` in the strings of `config`: InvalidArgument naming the field (under `path`,
// e.g. "tasks[0].extractor_config.auth.token") when a reference is malformed (no closing brace, a
// name that is not [A-Za-z_][A-Za-z0-9_]*) or names a variable `policy` does not allow, and
// InvalidArgument naming `path` when `config` nests deeper than kMaxConfigDepth.
Status CheckSecretReferences(const nlohmann::json& config, const SecretPolicy& policy,
                             const std::string& path);

// Where resolved values come from: the process environment by default, a map in tests.
using EnvironmentLookup = std::function<const char*(const std::string& name)>;
const char* ProcessEnvironment(const std::string& name);

struct ResolvedSecrets {
  nlohmann::json config;            // `config` with every reference replaced by its value
  std::vector<std::string> values;  // the distinct values used, for a Redactor
};

// `config` with every `${env:NAME}` replaced by the variable's value. The checks of
// CheckSecretReferences apply (the depth first, before anything is copied); a variable that is
// not set is InvalidArgument naming it.
Result<ResolvedSecrets> ResolveSecrets(const nlohmann::json& config, const SecretPolicy& policy,
                                       const EnvironmentLookup& lookup = ProcessEnvironment);

// Replaces secret values in text with "***". Each value is also recognised in the forms it takes
// on its way out: percent-encoded (a URL's query or path) and JSON-escaped.
class Redactor {
 public:
  Redactor() = default;
  explicit Redactor(const std::vector<std::string>& values);

  std::string Redact(std::string text) const;
  bool empty() const { return needles_.empty(); }

 private:
  std::vector<std::string> needles_;  // longest first, so a value containing another goes whole
};

}  // namespace orc
