// Templates in job configurations: `{{ ... }}` in a plugin configuration's strings, filled in from
// the run (its data interval, its id, the job's parameters) just before a task runs.
//
// A job is checked when it is written (CheckTemplate / CheckConfigTemplates, with the parameters
// it declares), so that a template naming something unknown is refused then, never when a run
// starts. A task renders its configuration (RenderTemplate / RenderConfigTemplates) before its
// `${env:NAME}` secret references are resolved (plugins/secrets.h).
//
// Syntax
//   template   := ( text | "{{" ws expr ws "}}" )*      ws: spaces, tabs, newlines (optional)
//   expr       := primary ( ws "|" ws filter )*
//   primary    := name | "params." NAME | literal
//   name       := interval_start | interval_end | scheduled_for | run_id | job_name
//   NAME       := [A-Za-z_][A-Za-z0-9_]*, a parameter the job declares
//   literal    := '...' | "..."      no escapes, any bytes but the closing quote; so a literal
//                                    "{{" is written {{ '{{' }}
//   filter     := "date(" ws literal ws [ "," ws literal ws ] ")" | "urlencode"
// Outside "{{ }}" text is copied as it is; a "}}" with no "{{" before it is text.
//
// Values
//   interval_start, interval_end  the run's data interval [start, end): times
//   scheduled_for                 the schedule slot the run is for (a manual run: interval_end)
//   run_id, job_name              strings
//   params.NAME                   by the declared type: string as is, integer in decimal, number as
//                                 JSON prints it (1.5, 1e+100), boolean true/false, date
//                                 YYYY-MM-DD
//   A time on its own renders as RFC 3339 in UTC, whole seconds unless it has a fraction
//   ("2026-11-29T00:00:00Z", "2026-11-29T00:00:00.25Z").
//
// Filters, applied left to right
//   date('FMT')          a time (or a date parameter) formatted by FMT in the job's time zone;
//   date('FMT', 'ZONE')  in ZONE ("UTC" or an IANA name). FMT is strftime's: %Y year, %m month,
//                        %d day, %H hour, %M minute, %S second (00-59), %y year in the century,
//                        %j day of the year (001-366), %s seconds since 1970 (UTC), %z offset
//                        (+hhmm), %% a '%'. A date parameter is a calendar day: its hour, minute
//                        and second are 00, and a zone, %s and %z are refused for it. The result is
//                        a string.
//   urlencode            percent-encodes (%XX, upper case) every byte but A-Z a-z 0-9 - . _ ~
//                        (RFC 3986's unreserved characters); any value, as it would render.
//
// Refused when checked (InvalidArgument): an unknown name (with the closest known one when one is
// close), an undeclared parameter, a "{{" without "}}", an empty "{{ }}", an unknown filter, a
// filter given the wrong arguments, date() of a value that is not a time or a date, an unknown
// directive or zone, more than kMaxTemplateExpressions expressions in one string or more than
// kMaxTemplateFilters filters in one expression.
//
// SQL (TemplateMode::kSql, for the fields a plugin declares as SQL): each "{{ }}" becomes a SQL
// literal, never SQL text: a string (and a time, a date, any filter's result) as '...' with each '
// doubled; an integer or a number bare, a negative one in parentheses ("(-5)", so that 10 -{{ n }}
// cannot become the comment "10 --5"); a boolean TRUE or FALSE. DuckDB's strings have no
// backslash escapes, so nothing in a value can end its literal. Refused when checked, because orc
// quotes the value itself:
//   - a "{{" inside a '...' string (also E'...' and the like), a "..." identifier or a
//     $tag$...$tag$ string of the SQL around it;
//   - a "{{" right after a letter, a digit, '_', '$', a non-ASCII byte, '.', '&', a quote or
//     another expression, or a "}}" right before a letter, a digit, '_', '$', a non-ASCII byte,
//     '.' or a quote: the literal must stay a token of its own (E{{ x }} would be an escape
//     string, {{ a }}{{ b }} the one string 'a''b', 1.{{ n }} a number).
// Inside -- and /* */ comments templates are allowed. The SQL around the expressions is read as
// DuckDB (PostgreSQL's scanner) reads it: '' and "" inside quotes, backslash escapes only in a
// string whose E (or e) is a word of its own, $ inside a word not opening a dollar quote, -- ended
// by \n or \r, block comments nesting. Refused when rendered: a value holding a NUL byte, a number
// that is not finite, and a value that would end the comment it is in (a line break in a --
// comment, "*/" or "/*" in a block comment).
//
// Refused when rendered, in both modes: a rendered string longer than kMaxRenderedSize (also
// midway, after any filter), a parameter without a value of its declared type, and a value that
// would form a secret reference: the `${env:` references in the output (each "${env:" up to the
// next "}") must be exactly those of the template text as written, so a value can neither create
// a reference nor change one. The check of secret references when a job is written sees every
// reference a task resolves.
//
// Errors are InvalidArgument with field() the field given, and a message that starts with it and
// quotes the expression at fault:
//   tasks[0].extractor_config.path: unknown name 'interval_begn' in {{ interval_begn }} (did you
//   mean 'interval_start'?); known: interval_start, interval_end, scheduled_for, run_id, job_name,
//   params.NAME
//
// Work is linear in the text, with no recursion on it. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "core/job.h"

namespace orc {

// How a string's templates render: as text, or as SQL literals (see the top).
enum class TemplateMode { kText, kSql };

// The most "{{ }}" expressions in one string.
inline constexpr size_t kMaxTemplateExpressions = 1000;
// The most filters in one expression. Filters never shrink a value, so each expression's filters
// write at most this many times the rendered string's size: a render's work is bounded by
// kMaxTemplateFilters * kMaxRenderedSize whatever the text.
inline constexpr size_t kMaxTemplateFilters = 10;
// The longest rendered string, in bytes (1 MiB).
inline constexpr size_t kMaxRenderedSize = size_t{1} << 20;

// What a job declares, for checking its templates when it is written.
struct TemplateNames {
  std::map<std::string, ParamType> params;
};

// The values when a task runs.
struct TemplateContext {
  TimePoint interval_start{};
  TimePoint interval_end{};
  TimePoint scheduled_for{};  // the slot; for a manual run its interval_end
  std::string run_id;
  std::string job_name;
  std::string timezone = "UTC";  // the job's IANA zone: what date() formats in by default
  // name -> JSON value of its declared type (date parameters: "YYYY-MM-DD" strings).
  nlohmann::json params = nlohmann::json::object();
  // The declared parameters: what params.NAME may name, and the type its value must have.
  std::map<std::string, ParamType> param_types;
};

// Whether `text` holds a template ("{{"); a string without one renders as itself.
bool HasTemplate(std::string_view text);

// OK when every template in `text` is valid for a job declaring `names`; InvalidArgument naming
// `field` (e.g. "tasks[0].extractor_config.path"), quoting the expression at fault and saying why.
Status CheckTemplate(std::string_view text, TemplateMode mode, const TemplateNames& names,
                     const std::string& field);

// `text` with every template replaced by its value. Checks as CheckTemplate does (with
// context.param_types as the declared parameters), then fails only for the values: see "Refused
// when rendered" at the top. The context's time zone is looked up only when a date() without a
// zone needs it; an unknown one is InvalidArgument.
Result<std::string> RenderTemplate(std::string_view text, TemplateMode mode,
                                   const TemplateContext& context, const std::string& field);

// CheckTemplate for every string value of a plugin configuration (a JSON value, normally an
// object), found by an iterative walk. Strings at or below the top-level keys named in
// `sql_fields` are kSql, all others kText; object keys are not templates. Each string's field is
// `path` followed by ".key" and "[index]" (path "tasks[0].transform_config" gives
// "tasks[0].transform_config.sql"). A configuration nesting deeper than kMaxTemplateConfigDepth
// is InvalidArgument naming `path`.
Status CheckConfigTemplates(const nlohmann::json& config, const std::set<std::string>& sql_fields,
                            const TemplateNames& names, const std::string& path);

// A copy of `config` with every string rendered by RenderTemplate as CheckConfigTemplates walks
// them. Strings without "{{" are copied as they are.
Result<nlohmann::json> RenderConfigTemplates(const nlohmann::json& config,
                                             const std::set<std::string>& sql_fields,
                                             const TemplateContext& context,
                                             const std::string& path);

// The nesting bound of the configuration walks (the configuration itself is level 1); the same
// as plugins/secrets.h's kMaxConfigDepth, which configurations are checked against first.
inline constexpr int kMaxTemplateConfigDepth = 64;

}  // namespace orc
