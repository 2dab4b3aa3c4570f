// Fuzz target config_template: a template string through CheckTemplate and RenderTemplate
// (core/config_template.h), as text and as SQL, with parameter values of its own.
//
// Input: a flags byte (bit 0: SQL; bits 1-3: the job's time zone), four bytes of an integer
// parameter, a byte that picks a number parameter, then the string parameter's value up to a 0x01
// byte, the date parameter's value up to the next 0x01, and the rest is the template. The job
// declares s (string), n (integer), r (number), b (boolean) and d (date).
//
// Properties: neither function crashes or throws; a refusal is InvalidArgument naming the field;
// a template that checks renders, or fails only for its values (a NUL byte or a line break where
// SQL cannot hold it, the size limit, a ${env:} reference, a date parameter that is not a date),
// and one that does not check fails to render with the same error; a rendered string is at most
// kMaxRenderedSize bytes and holds exactly the `${env:` references of the template text; the
// configuration walk renders a string as RenderTemplate does.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/config_template.h"
#include "fuzz/fuzz_support.h"

namespace {

using nlohmann::json;

constexpr const char* kZones[] = {
    "UTC",          "Europe/Paris",        "America/New_York",  "Asia/Kathmandu",
    "Pacific/Apia", "Australia/Lord_Howe", "Africa/Casablanca", "Nowhere/Zone"};
constexpr double kNumbers[] = {0.25, -0.0, -5, 1e300, -1e-300, 3, 0.1, 123456789.125};
constexpr const char* kField = "tasks[0].transform_config.sql";

// The `${env:` references of `text`, as the secret resolver finds them.
std::string References(std::string_view text) {
  std::string references;
  for (size_t at = text.find("${env:"); at != std::string_view::npos;
       at = text.find("${env:", at)) {
    const size_t close = text.find('}', at + 6);
    const size_t end = close == std::string_view::npos ? text.size() : close + 1;
    references.append(text.substr(at, end - at));
    references += '\n';
    at = end;
  }
  return references;
}

bool IsValueError(const std::string& message) {
  for (const char* allowed :
       {"a value with a NUL byte in SQL", "would end the -- comment",
        "would change the /* */ comment", "the rendered text is longer than",
        "would form a ${env:} reference", "parameter 'd' is not a date (YYYY-MM-DD)",
        "the job's time zone 'Nowhere/Zone'"}) {
    if (message.find(allowed) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  orc::fuzz::FuzzInput input(data, size);
  const uint8_t flags = input.Byte();
  uint32_t integer = 0;
  for (int i = 0; i < 4; ++i) integer = integer << 8 | input.Byte();
  const double number = input.Pick(kNumbers);
  const std::string string_value(input.Until('\x01'));
  const std::string date_value(input.Until('\x01'));
  const std::string_view text = input.Rest();
  const orc::TemplateMode mode =
      (flags & 1) != 0 ? orc::TemplateMode::kSql : orc::TemplateMode::kText;

  orc::TemplateContext context;
  context.interval_start = orc::TimePoint(std::chrono::seconds(1'795'000'000 + integer % 100'000));
  context.interval_end = context.interval_start + std::chrono::hours(24);
  context.scheduled_for = context.interval_end + std::chrono::milliseconds(integer % 1000);
  context.run_id = "0193f1e2-7c1a-7000-8000-000000000001";
  context.job_name = "job's name";
  context.timezone = kZones[(flags >> 1) % std::size(kZones)];
  context.param_types = {{"s", orc::ParamType::kString},
                         {"n", orc::ParamType::kInteger},
                         {"r", orc::ParamType::kNumber},
                         {"b", orc::ParamType::kBoolean},
                         {"d", orc::ParamType::kDate}};
  context.params = {{"s", string_value},
                    {"n", static_cast<int32_t>(integer)},
                    {"r", number},
                    {"b", (flags & 0x10) != 0},
                    {"d", date_value}};
  const orc::TemplateNames names{.params = context.param_types};

  const orc::Status checked = orc::CheckTemplate(text, mode, names, kField);
  const orc::Result<std::string> rendered = orc::RenderTemplate(text, mode, context, kField);
  if (!checked.ok()) {
    FUZZ_CHECK(checked.code() == orc::StatusCode::kInvalidArgument, checked.ToString());
    FUZZ_CHECK(checked.field() == kField, checked.ToString());
    FUZZ_CHECK(checked.message().rfind(std::string(kField) + ": ", 0) == 0, checked.ToString());
    FUZZ_CHECK(rendered.status() == checked,
               "check: " + checked.ToString() + "\n  render: " + rendered.status().ToString());
    return 0;
  }
  if (!rendered.ok()) {
    FUZZ_CHECK(rendered.status().code() == orc::StatusCode::kInvalidArgument &&
                   rendered.status().field() == kField,
               rendered.status().ToString());
    FUZZ_CHECK(IsValueError(rendered.status().message()),
               "checked, but: " + rendered.status().ToString());
    return 0;
  }
  FUZZ_CHECK(rendered->size() <= orc::kMaxRenderedSize || !orc::HasTemplate(text),
             std::to_string(rendered->size()) + " bytes");
  FUZZ_CHECK(
      References(*rendered) == References(text),
      "references of the text:\n" + References(text) + "of the output:\n" + References(*rendered));
  if (mode == orc::TemplateMode::kSql) {
    FUZZ_CHECK(rendered->find('\0') == std::string::npos || text.find('\0') != std::string::npos,
               "a NUL byte in SQL that the template did not hold");
  }

  // The configuration walk gives the same string, at its field.
  const json config = {{"sql", std::string(text)}, {"other", {std::string(text)}}};
  const orc::Result<json> walked =
      orc::RenderConfigTemplates(config, {"sql"}, context, "tasks[0].transform_config");
  if (mode == orc::TemplateMode::kSql) {
    FUZZ_CHECK(walked.ok() ? (*walked)["sql"] == *rendered
                           : walked.status().field() != "tasks[0].transform_config.sql",
               walked.ok() ? std::string("differs") : walked.status().ToString());
  }
  return 0;
}
