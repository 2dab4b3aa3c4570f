// Fuzz target secrets: `${env:NAME}` references in a configuration, and the Redactor.
//
// Input: the first byte picks the mode. Even: the rest is a JSON document, checked with
// CheckSecretReferences and resolved with ResolveSecrets through a fixed environment. Odd: the rest
// is split at NUL bytes into a text and the values to redact from it.
//
// Properties: neither function throws or crashes, and both fail with an input error; they agree
// (a configuration the check refuses cannot be resolved, one it accepts can unless a variable is
// unset); only variables the policy allows are ever looked up; no reference is left in a resolved
// configuration; and once redacted, a text holds none of the values, in none of the forms the
// Redactor documents (as is, percent-encoded, JSON-escaped). Values with a '*' are left out of the
// last check: the "***" that replaces a value may itself spell them.
#include <nlohmann/json.hpp>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "plugins/secrets.h"

namespace {

const orc::SecretPolicy& Policy() {
  static const orc::SecretPolicy* const policy =
      new orc::SecretPolicy({"ORC_SECRET_*", "API_?KEY"});
  return *policy;
}

// The environment: values with characters that need escaping, one empty, one that looks like a
// reference itself (it must not be resolved again).
const char* Lookup(const std::string& name) {
  static const std::map<std::string, std::string>* const environment =
      new std::map<std::string, std::string>{
          {"ORC_SECRET_TOKEN", "tok-3f9a"},
          {"ORC_SECRET_PASSWORD", "p@ss w\"rd/\xc3\xa9\\"},
          {"ORC_SECRET_EMPTY", ""},
          {"ORC_SECRET_NESTED", "${env:ORC_SECRET_TOKEN}"},
          {"API_1KEY", "k"},
      };
  FUZZ_CHECK(Policy().Allows(name), "looked up " + name + ", which the policy does not allow");
  const auto found = environment->find(name);
  return found == environment->end() ? nullptr : found->second.c_str();
}

// Every string in `value`, keys excepted. Iterative: the documents may be nested 100,000 deep.
std::vector<std::string> Strings(const nlohmann::json& value) {
  std::vector<std::string> strings;
  std::vector<const nlohmann::json*> pending = {&value};
  while (!pending.empty()) {
    const nlohmann::json* item = pending.back();
    pending.pop_back();
    if (item->is_string()) strings.push_back(item->get<std::string>());
    if (item->is_structured()) {
      for (const nlohmann::json& child : *item) pending.push_back(&child);
    }
  }
  return strings;
}

// `value` percent-encoded as a URL carries it (RFC 3986 unreserved characters kept).
std::string PercentEncoded(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return encoded;
}

// `value` as it appears inside a JSON string (invalid UTF-8 replaced, as orc's JSON output does).
std::string JsonEscaped(const std::string& value) {
  const std::string quoted =
      nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

void CheckConfiguration(std::string_view text) {
  const nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return;
  const orc::Status checked = orc::CheckSecretReferences(config, Policy(), "config");
  const orc::Result<orc::ResolvedSecrets> resolved = orc::ResolveSecrets(config, Policy(), Lookup);
  if (!checked.ok()) {
    FUZZ_CHECK(orc::fuzz::IsInputError(checked), checked.ToString());
    FUZZ_CHECK(!resolved.ok(), "resolved what the check refused: " + checked.ToString());
  }
  if (!resolved.ok()) {
    FUZZ_CHECK(orc::fuzz::IsInputError(resolved.status()), resolved.status().ToString());
    FUZZ_CHECK(!checked.ok() || resolved.status().message().find("is not set") != std::string::npos,
               "the check passed, but: " + resolved.status().ToString());
    return;
  }
  const std::string nested = Lookup("ORC_SECRET_NESTED");
  const orc::Redactor redactor(resolved->values);
  for (const std::string& string : Strings(resolved->config)) {
    const size_t reference = string.find("${env:");
    FUZZ_CHECK(
        reference == std::string::npos || string.compare(reference, nested.size(), nested) == 0,
        "a reference is left in '" + string + "'");
    // As it would appear in a log line, and in JSON output.
    for (const std::string& text : {string, JsonEscaped(string)}) {
      const std::string redacted = redactor.Redact(text);
      for (const std::string& value : resolved->values) {
        FUZZ_CHECK(value.empty() || redacted.find(value) == std::string::npos,
                   "'" + value + "' is in '" + redacted + "'");
      }
    }
  }
}

void CheckRedactor(orc::fuzz::FuzzInput& input) {
  const std::string text(input.Until('\0'));
  std::vector<std::string> values;
  for (int i = 0; i < 8; ++i) {
    values.emplace_back(input.Until('\0'));
    if (input.empty()) break;
  }
  const orc::Redactor redactor(values);
  const std::string redacted = redactor.Redact(text);
  for (const std::string& value : values) {
    if (value.empty() || value.find('*') != std::string::npos) continue;
    for (const std::string& form : {value, PercentEncoded(value), JsonEscaped(value)}) {
      FUZZ_CHECK(redacted.find(form) == std::string::npos,
                 "'" + form + "' (of '" + value + "') is in '" + redacted + "'");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  orc::fuzz::FuzzInput input(data, size);
  if (input.Byte() % 2 == 0) {
    CheckConfiguration(input.Rest());
  } else {
    CheckRedactor(input);
  }
  return 0;
}
