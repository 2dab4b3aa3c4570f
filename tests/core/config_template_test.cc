#include "core/config_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "common/time_format.h"
#include "engine/duckdb_engine.h"
#include "support/printers.h"

namespace orc {
namespace {

using nlohmann::json;
using testing::HasSubstr;

constexpr const char* kField = "tasks[0].extractor_config.path";

TimePoint At(const char* text) { return *ParseRfc3339(text); }

TemplateContext Context() {
  TemplateContext context;
  context.interval_start = At("2026-11-29T00:00:00Z");
  context.interval_end = At("2026-11-30T00:00:00Z");
  context.scheduled_for = At("2026-11-30T00:00:00Z");
  context.run_id = "0193f1e2-7c1a-7000-8000-000000000001";
  context.job_name = "daily sales";
  context.timezone = "UTC";
  context.param_types = {{"country", ParamType::kString}, {"limit", ParamType::kInteger},
                         {"ratio", ParamType::kNumber},   {"full", ParamType::kBoolean},
                         {"day", ParamType::kDate},       {"x", ParamType::kString}};
  context.params = {{"country", "fr"}, {"limit", 500},        {"ratio", 0.25},
                    {"full", true},    {"day", "2026-02-03"}, {"x", ""}};
  return context;
}

TemplateNames Names() { return TemplateNames{.params = Context().param_types}; }

std::string Render(std::string_view text, const TemplateContext& context = Context(),
                   TemplateMode mode = TemplateMode::kText) {
  Result<std::string> rendered = RenderTemplate(text, mode, context, kField);
  EXPECT_TRUE(rendered.ok()) << text << ": " << rendered.status();
  return rendered.ok() ? *rendered : "<error>";
}

std::string Sql(std::string_view text, const TemplateContext& context = Context()) {
  return Render(text, context, TemplateMode::kSql);
}

// The error CheckTemplate gives; it must be InvalidArgument naming kField, and RenderTemplate must
// give the same one.
std::string CheckError(std::string_view text, TemplateMode mode = TemplateMode::kText) {
  const Status status = CheckTemplate(text, mode, Names(), kField);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(status.field(), kField) << text;
  EXPECT_EQ(status.message().rfind(std::string(kField) + ": ", 0), 0u) << status.message();
  Result<std::string> rendered = RenderTemplate(text, mode, Context(), kField);
  EXPECT_EQ(rendered.status(), status) << text;
  return status.message();
}

std::string SqlCheckError(std::string_view text) { return CheckError(text, TemplateMode::kSql); }

// The error RenderTemplate gives for a template that checks.
std::string RenderError(std::string_view text, const TemplateContext& context,
                        TemplateMode mode = TemplateMode::kText) {
  EXPECT_TRUE(CheckTemplate(text, mode, TemplateNames{context.param_types}, kField).ok()) << text;
  Result<std::string> rendered = RenderTemplate(text, mode, context, kField);
  EXPECT_FALSE(rendered.ok()) << text << " rendered " << (rendered.ok() ? *rendered : "");
  EXPECT_EQ(rendered.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rendered.status().field(), kField);
  return rendered.status().message();
}

TEST(ConfigTemplateTest, HasTemplateLooksForTheOpeningBraces) {
  EXPECT_TRUE(HasTemplate("s3://b/{{ interval_start }}"));
  EXPECT_TRUE(HasTemplate("{{"));
  EXPECT_FALSE(HasTemplate("{ interval_start }}"));
  EXPECT_FALSE(HasTemplate("plain"));
}

TEST(ConfigTemplateTest, TextWithoutTemplatesIsUnchanged) {
  EXPECT_EQ(Render("a } b }} c {"), "a } b }} c {");
  EXPECT_EQ(Render(""), "");
  EXPECT_EQ(Render("x }} {{ run_id }} }}"), "x }} 0193f1e2-7c1a-7000-8000-000000000001 }}");
}

TEST(ConfigTemplateTest, EachNameRenders) {
  EXPECT_EQ(Render("{{ interval_start }}"), "2026-11-29T00:00:00Z");
  EXPECT_EQ(Render("{{ interval_end }}"), "2026-11-30T00:00:00Z");
  EXPECT_EQ(Render("{{ scheduled_for }}"), "2026-11-30T00:00:00Z");
  EXPECT_EQ(Render("{{ run_id }}"), "0193f1e2-7c1a-7000-8000-000000000001");
  EXPECT_EQ(Render("{{ job_name }}"), "daily sales");
}

TEST(ConfigTemplateTest, SpacesInsideAreOptional) {
  EXPECT_EQ(Render("{{run_id}}"), Render("{{ run_id }}"));
  EXPECT_EQ(Render("{{\n\t run_id \r\n}}"), Render("{{ run_id }}"));
  EXPECT_EQ(Render("{{interval_start|date('%Y')}}"), "2026");
  EXPECT_EQ(Render("{{ interval_start | date ( '%Y' , 'UTC' ) | urlencode }}"), "2026");
}

TEST(ConfigTemplateTest, TimesWithAFractionShowIt) {
  TemplateContext context = Context();
  context.interval_start = At("2026-11-29T00:00:00.25Z");
  context.interval_end = At("2026-11-29T00:00:00.000001Z");
  context.scheduled_for = At("1969-12-31T23:59:59.5Z");
  EXPECT_EQ(Render("{{ interval_start }}", context), "2026-11-29T00:00:00.25Z");
  EXPECT_EQ(Render("{{ interval_end }}", context), "2026-11-29T00:00:00.000001Z");
  EXPECT_EQ(Render("{{ scheduled_for }}", context), "1969-12-31T23:59:59.5Z");
}

TEST(ConfigTemplateTest, ParametersRenderByTheirType) {
  EXPECT_EQ(Render("{{ params.country }}"), "fr");
  EXPECT_EQ(Render("{{ params.limit }}"), "500");
  EXPECT_EQ(Render("{{ params.ratio }}"), "0.25");
  EXPECT_EQ(Render("{{ params.full }}"), "true");
  EXPECT_EQ(Render("{{ params.day }}"), "2026-02-03");
  TemplateContext context = Context();
  context.params["limit"] = -7;
  context.params["ratio"] = 1e100;
  context.params["full"] = false;
  EXPECT_EQ(Render("{{ params.limit }} {{ params.ratio }} {{ params.full }}", context),
            "-7 1e+100 false");
  context.params["ratio"] = 3;  // an integer is a number too
  EXPECT_EQ(Render("{{ params.ratio }}", context), "3");
}

TEST(ConfigTemplateTest, LiteralsInEitherQuoteWithoutEscapes) {
  EXPECT_EQ(Render("{{ '{{' }} run_id }}"), "{{ run_id }}");
  EXPECT_EQ(Render("{{ \"it's\" }}"), "it's");
  EXPECT_EQ(Render("{{ '\"}}\\' }}"), "\"}}\\");
  EXPECT_EQ(Render("{{ '' }}"), "");
  EXPECT_EQ(Render("{{ 'a b' | urlencode }}"), "a%20b");
}

TEST(ConfigTemplateTest, DateFormatsEachDirective) {
  TemplateContext context = Context();
  context.interval_start = At("2026-02-03T04:05:06.9Z");
  const auto render = [&](const std::string& format) {
    return Render("{{ interval_start | date('" + format + "') }}", context);
  };
  EXPECT_EQ(render("%Y"), "2026");
  EXPECT_EQ(render("%m"), "02");
  EXPECT_EQ(render("%d"), "03");
  EXPECT_EQ(render("%H"), "04");
  EXPECT_EQ(render("%M"), "05");
  EXPECT_EQ(render("%S"), "06");
  EXPECT_EQ(render("%y"), "26");
  EXPECT_EQ(render("%j"), "034");
  EXPECT_EQ(render("%s"), "1770091506");
  EXPECT_EQ(render("%z"), "+0000");
  EXPECT_EQ(render("%%"), "%");
  EXPECT_EQ(render("year=%Y/month=%m/day=%d/%%d"), "year=2026/month=02/day=03/%d");
  EXPECT_EQ(render(""), "");
  EXPECT_EQ(render("plain"), "plain");
  context.interval_start = At("2024-12-31T23:59:59Z");  // a leap year's last day
  EXPECT_EQ(render("%j %y"), "366 24");
  context.interval_start = At("2000-01-01T00:00:00Z");
  EXPECT_EQ(render("%j %y %s"), "001 00 946684800");
  context.interval_start = At("1969-12-31T23:59:59Z");
  EXPECT_EQ(render("%s %Y"), "-1 1969");
}

TEST(ConfigTemplateTest, DateDefaultsToTheJobsZoneAcrossDaylightSaving) {
  TemplateContext context = Context();
  context.timezone = "Europe/Paris";
  context.interval_start = At("2026-01-15T23:30:00Z");  // winter: +01:00, already the 16th
  context.interval_end = At("2026-07-15T22:30:00Z");    // summer: +02:00, already the 16th
  EXPECT_EQ(Render("{{ interval_start | date('%Y-%m-%d %H:%M %z') }}", context),
            "2026-01-16 00:30 +0100");
  EXPECT_EQ(Render("{{ interval_end | date('%Y-%m-%d %H:%M %z') }}", context),
            "2026-07-16 00:30 +0200");
  // The change itself: 2026-03-29 01:00 UTC, 02:00 local becomes 03:00.
  context.interval_start = At("2026-03-29T00:59:59Z");
  context.interval_end = At("2026-03-29T01:00:00Z");
  EXPECT_EQ(Render("{{ interval_start | date('%H:%M:%S%z') }}", context), "01:59:59+0100");
  EXPECT_EQ(Render("{{ interval_end | date('%H:%M:%S%z') }}", context), "03:00:00+0200");
  // An explicit zone wins over the job's; %s does not depend on the zone.
  EXPECT_EQ(Render("{{ interval_end | date('%H %z', 'UTC') }}", context), "01 +0000");
  EXPECT_EQ(Render("{{ interval_end | date('%H %z', 'America/New_York') }}", context), "21 -0400");
  EXPECT_EQ(Render("{{ interval_end | date('%s', 'Asia/Kathmandu') }}", context),
            Render("{{ interval_end | date('%s') }}", context));
  EXPECT_EQ(Render("{{ interval_end | date('%H:%M %z', 'Asia/Kathmandu') }}", context),
            "06:45 +0545");
  // A bare time is always UTC.
  EXPECT_EQ(Render("{{ interval_end }}", context), "2026-03-29T01:00:00Z");
}

TEST(ConfigTemplateTest, DateOfADateParameterIsItsCalendarDay) {
  TemplateContext context = Context();
  context.timezone = "Pacific/Kiritimati";  // +14:00: the day must not move
  EXPECT_EQ(Render("{{ params.day | date('%Y%m%d %H:%M:%S %j') }}", context),
            "20260203 00:00:00 034");
  EXPECT_THAT(CheckError("{{ params.day | date('%Y', 'UTC') }}"), HasSubstr("no time zone"));
  EXPECT_THAT(CheckError("{{ params.day | date('%s') }}"), HasSubstr("calendar day"));
  EXPECT_THAT(CheckError("{{ params.day | date('%z') }}"), HasSubstr("calendar day"));
}

TEST(ConfigTemplateTest, UrlencodeKeepsOnlyUnreservedCharacters) {
  TemplateContext context = Context();
  context.params["country"] = "a b&c=d/e?f#g%h+i~j-k.l_m\xc3\xa9:'\"";
  EXPECT_EQ(Render("{{ params.country | urlencode }}", context),
            "a%20b%26c%3Dd%2Fe%3Ff%23g%25h%2Bi~j-k.l_m%C3%A9%3A%27%22");
  EXPECT_EQ(Render("{{ interval_start | urlencode }}"), "2026-11-29T00%3A00%3A00Z");
  EXPECT_EQ(Render("{{ params.full | urlencode }}"), "true");
  EXPECT_EQ(Render("{{ params.limit | urlencode }}"), "500");
  EXPECT_EQ(Render("{{ params.day | urlencode }}"), "2026-02-03");
}

TEST(ConfigTemplateTest, FiltersChainLeftToRight) {
  EXPECT_EQ(Render("https://api/x?since={{ interval_start | date('%Y-%m-%d %H:%M') | urlencode }}"),
            "https://api/x?since=2026-11-29%2000%3A00");
  EXPECT_EQ(Render("{{ '%' | urlencode | urlencode }}"), "%2525");
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y') | date('%Y') }}"),
              HasSubstr("date() formats a time or a date, and its input is a string"));
  EXPECT_THAT(CheckError("{{ interval_start | urlencode | date('%Y') }}"),
              HasSubstr("its input is a string"));
}

TEST(ConfigTemplateTest, UnknownNamesAreRefusedWithTheClosestKnownOne) {
  EXPECT_EQ(CheckError("{{ interval_begin }}"),
            std::string(kField) +
                ": unknown name 'interval_begin' in {{ interval_begin }} (did you mean "
                "'interval_end'?); known: interval_start, "
                "interval_end, scheduled_for, run_id, job_name, params.NAME");
  EXPECT_EQ(CheckError("x {{ interval_strat }} y"),
            std::string(kField) +
                ": unknown name 'interval_strat' in {{ interval_strat }} (did you mean "
                "'interval_start'?); known: interval_start, interval_end, scheduled_for, run_id, "
                "job_name, params.NAME");
  EXPECT_THAT(CheckError("{{ runid }}"), HasSubstr("(did you mean 'run_id'?)"));
  EXPECT_THAT(CheckError("{{ param.country }}"),
              HasSubstr("unknown name 'param.country' in {{ param.country }} (did you mean "
                        "'params.country'?)"));
  EXPECT_THAT(CheckError("{{ interval_start.date }}"), HasSubstr("unknown name"));
  EXPECT_THAT(CheckError("{{ 42 }}"),
              HasSubstr("unexpected '4'; an expression starts with a name or a quoted string"));
}

TEST(ConfigTemplateTest, UndeclaredParametersAreRefused) {
  EXPECT_EQ(CheckError("{{ params.contry }}"),
            std::string(kField) +
                ": 'params.contry' is not a parameter the job declares in {{ params.contry }} "
                "(did you mean 'country'?); declared: country, day, full, limit, ratio, x");
  const Status none = CheckTemplate("{{ params.a }}", TemplateMode::kText, {}, "f");
  EXPECT_THAT(none.message(), HasSubstr("the job declares no parameters"));
  EXPECT_THAT(CheckError("{{ params. }}"), HasSubstr("without a parameter name"));
  EXPECT_THAT(CheckError("{{ params }}"), HasSubstr("unknown name 'params'"));
}

TEST(ConfigTemplateTest, MalformedExpressionsAreRefused) {
  EXPECT_THAT(CheckError("a {{ run_id"), HasSubstr("'{{' without a closing '}}' in {{ run_id"));
  EXPECT_THAT(CheckError("a {{ run_id }"), HasSubstr("'{{' without a closing '}}'"));
  EXPECT_THAT(CheckError("a {{"), HasSubstr("'{{' without a closing '}}'"));
  EXPECT_THAT(CheckError("{{ run_id |"), HasSubstr("'{{' without a closing '}}'"));
  EXPECT_THAT(CheckError("{{ }}"), HasSubstr("an empty expression in {{ }}"));
  EXPECT_THAT(CheckError("{{}}"), HasSubstr("an empty expression"));
  EXPECT_THAT(CheckError("{{ run_id job_name }}"),
              HasSubstr("unexpected 'j'; expected '|' or '}}' in {{ run_id job_name }}"));
  EXPECT_THAT(CheckError("{{ 'abc }}"), HasSubstr("a string starting with ' has no closing '"));
  EXPECT_THAT(CheckError("{{ run_id | }}"), HasSubstr("unexpected '}' after '|'"));
  EXPECT_THAT(CheckError("{{ \x01 }}"), HasSubstr("unexpected byte 0x01"));
  // The quote of a long expression is cut.
  EXPECT_THAT(CheckError("{{ " + std::string(200, 'a') + " }}"),
              HasSubstr("unknown name '" + std::string(64, 'a') + "...' in {{ " +
                        std::string(77, 'a') + "...; known:"));
}

TEST(ConfigTemplateTest, UnknownFiltersAndBadArgumentsAreRefused) {
  EXPECT_THAT(
      CheckError("{{ run_id | upper }}"),
      HasSubstr("unknown filter 'upper' in {{ run_id | upper }}; filters: date, urlencode"));
  EXPECT_THAT(CheckError("{{ run_id | urlencod }}"), HasSubstr("(did you mean 'urlencode'?)"));
  EXPECT_THAT(CheckError("{{ run_id | urlencode() }}"), HasSubstr("urlencode takes no arguments"));
  EXPECT_THAT(CheckError("{{ interval_start | date }}"),
              HasSubstr("date needs a format in parentheses"));
  EXPECT_THAT(CheckError("{{ interval_start | date() }}"),
              HasSubstr("its arguments are quoted strings"));
  EXPECT_THAT(CheckError("{{ interval_start | date(%Y) }}"),
              HasSubstr("its arguments are quoted strings"));
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y', 'UTC', 'x') }}"),
              HasSubstr("date takes at most 2 arguments"));
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y' 'UTC') }}"),
              HasSubstr("unexpected ''' in date(...)"));
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y'"), HasSubstr("without a closing"));
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y', 'Mars/Olympus') }}"),
              HasSubstr("unknown time zone 'Mars/Olympus'"));
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y', '') }}"),
              HasSubstr("unknown time zone ''"));
}

TEST(ConfigTemplateTest, DateRefusesOtherDirectivesAndOtherTypes) {
  for (const char* directive : {"%a", "%F", "%T", "%e", "%Z", "%c", "%n", "%E", "%5"}) {
    EXPECT_THAT(CheckError(std::string("{{ interval_start | date('") + directive + "') }}"),
                HasSubstr(std::string("date format directive '") + directive +
                          "' is not supported in {{ interval_start | date('" + directive +
                          "') }}; supported: %Y %m %d %H %M %S %y %j %s %z %%"));
  }
  EXPECT_THAT(CheckError("{{ interval_start | date('%Y%') }}"), HasSubstr("lone '%'"));
  for (const char* name : {"run_id", "job_name", "params.country", "'2026'"}) {
    EXPECT_THAT(CheckError(std::string("{{ ") + name + " | date('%Y') }}"),
                HasSubstr("its input is a string"));
  }
  EXPECT_THAT(CheckError("{{ params.limit | date('%Y') }}"), HasSubstr("its input is an integer"));
  EXPECT_THAT(CheckError("{{ params.ratio | date('%Y') }}"), HasSubstr("its input is a number"));
  EXPECT_THAT(CheckError("{{ params.full | date('%Y') }}"), HasSubstr("its input is a boolean"));
}

TEST(ConfigTemplateTest, ValuesThatWouldFormASecretReferenceAreRefused) {
  TemplateContext context = Context();
  context.params["x"] = "{env:ORC_SECRET_A}";
  EXPECT_THAT(RenderError("token=${{ params.x }}", context),
              HasSubstr("a template value would form a ${env:} reference"));
  context.params["x"] = "A";
  EXPECT_THAT(RenderError("${env:ORC_SECRET_{{ params.x }}}", context),
              HasSubstr("would form a ${env:} reference"));
  context.params["x"] = "${env:ORC_SECRET_A}";
  EXPECT_THAT(RenderError("{{ params.x }}", context), HasSubstr("${env:}"));
  EXPECT_THAT(RenderError("select {{ params.x }}", context, TemplateMode::kSql),
              HasSubstr("${env:}"));
  // A value may not close or change a reference written out either.
  context.params["x"] = "}";
  EXPECT_THAT(RenderError("${env:ORC_SECRET_A{{ params.x }}", context), HasSubstr("${env:}"));
  context.params["x"] = "$";
  EXPECT_THAT(RenderError("{{ params.x }}{env:ORC_SECRET_A}", context), HasSubstr("${env:}"));
  // References written out stay, and harmless values beside them pass.
  context.params["x"] = "fr";
  EXPECT_EQ(Render("${env:ORC_SECRET_A}/{{ params.x }}/${env:ORC_SECRET_B}", context),
            "${env:ORC_SECRET_A}/fr/${env:ORC_SECRET_B}");
  EXPECT_EQ(Render("{{ '${env:ORC_SECRET_A}' }}", context), "${env:ORC_SECRET_A}");
  context.params["x"] = "$env:";  // no brace: no reference
  EXPECT_EQ(Render("{{ params.x }}", context), "$env:");
}

TEST(ConfigTemplateTest, ValuesThatDoNotMatchTheirTypeFailWhenRendered) {
  TemplateContext context = Context();
  context.params.erase("country");
  EXPECT_THAT(RenderError("{{ params.country }}", context),
              HasSubstr("parameter 'country' has no value in {{ params.country }}"));
  context.params["country"] = nullptr;
  EXPECT_THAT(RenderError("{{ params.country }}", context), HasSubstr("has no value"));
  context.params["country"] = 5;
  EXPECT_THAT(RenderError("{{ params.country }}", context), HasSubstr("is not a string"));
  context.params["limit"] = 1.5;
  EXPECT_THAT(RenderError("{{ params.limit }}", context), HasSubstr("is not an integer"));
  context.params["ratio"] = "1";
  EXPECT_THAT(RenderError("{{ params.ratio }}", context), HasSubstr("is not a number"));
  context.params["full"] = 1;
  EXPECT_THAT(RenderError("{{ params.full }}", context), HasSubstr("is not a boolean"));
  for (const char* day :
       {"2026-02-30", "2026-2-3", "20260203", "2026-02-03T00:00:00Z", "yyyy-mm-dd"}) {
    context.params["day"] = day;
    EXPECT_THAT(RenderError("{{ params.day }}", context), HasSubstr("is not a date (YYYY-MM-DD)"))
        << day;
  }
  context = Context();
  context.params = json::array();
  EXPECT_THAT(RenderError("{{ params.country }}", context), HasSubstr("has no value"));
  context = Context();
  context.timezone = "Nowhere/City";
  EXPECT_THAT(RenderError("{{ interval_start | date('%Y') }}", context),
              HasSubstr("the job's time zone 'Nowhere/City' is not an IANA time zone"));
  EXPECT_EQ(Render("{{ interval_start | date('%Y', 'UTC') }} {{ interval_start }}", context),
            "2026 2026-11-29T00:00:00Z");
}

TEST(ConfigTemplateTest, RenderChecksNamesAgainstTheContextsParameters) {
  TemplateContext context = Context();
  context.param_types.erase("country");
  Result<std::string> rendered =
      RenderTemplate("{{ params.country }}", TemplateMode::kText, context, kField);
  EXPECT_THAT(rendered.status().message(), HasSubstr("is not a parameter the job declares"));
}

TEST(ConfigTemplateTest, SqlQuotesStringsAndWritesNumbersBare) {
  EXPECT_EQ(Sql("SELECT {{ params.country }}"), "SELECT 'fr'");
  EXPECT_EQ(Sql("SELECT {{ params.limit }}, {{ params.ratio }}, {{ params.full }}"),
            "SELECT 500, 0.25, TRUE");
  EXPECT_EQ(Sql("WHERE t >= {{ interval_start }}::TIMESTAMPTZ"),
            "WHERE t >= '2026-11-29T00:00:00Z'::TIMESTAMPTZ");
  EXPECT_EQ(Sql("WHERE d = {{ params.day }}::DATE AND y = {{ interval_start | date('%Y') }}"),
            "WHERE d = '2026-02-03'::DATE AND y = '2026'");
  EXPECT_EQ(Sql("SELECT {{ run_id }}, {{ \"it's\" }}"),
            "SELECT '0193f1e2-7c1a-7000-8000-000000000001', 'it''s'");
  TemplateContext context = Context();
  context.params["country"] = "'; DROP TABLE t; --";
  context.params["limit"] = -5;
  context.params["full"] = false;
  EXPECT_EQ(Sql("SELECT * FROM t WHERE c = {{ params.country }}", context),
            "SELECT * FROM t WHERE c = '''; DROP TABLE t; --'");
  EXPECT_EQ(Sql("SELECT 10 -{{ params.limit }}, {{ params.full }}", context),
            "SELECT 10 -(-5), FALSE");
  context.params["country"] = "back\\slash\\'";
  EXPECT_EQ(Sql("SELECT {{ params.country }}", context), "SELECT 'back\\slash\\'''");
}

TEST(ConfigTemplateTest, SqlRefusesTemplatesInsideQuotes) {
  EXPECT_THAT(SqlCheckError("SELECT * FROM t WHERE d = '{{ params.day }}'"),
              HasSubstr("a template inside a '...' string of the SQL in {{ params.day }}; orc "
                        "writes each value as a SQL literal"));
  EXPECT_THAT(SqlCheckError("SELECT 'a''{{ run_id }}'"), HasSubstr("'...' string"));
  EXPECT_THAT(SqlCheckError("SELECT E'a\\'{{ run_id }}'"), HasSubstr("'...' string"));
  EXPECT_THAT(SqlCheckError("SELECT x'{{ run_id }}'"), HasSubstr("'...' string"));
  EXPECT_THAT(SqlCheckError("SELECT * FROM \"{{ params.country }}\""),
              HasSubstr("inside a \"...\" identifier"));
  EXPECT_THAT(SqlCheckError("SELECT \"a\"\"{{ run_id }}\""), HasSubstr("\"...\" identifier"));
  EXPECT_THAT(SqlCheckError("SELECT $${{ run_id }}$$"), HasSubstr("inside a $...$ string"));
  EXPECT_THAT(SqlCheckError("SELECT $q$ $$ {{ run_id }} $q$"), HasSubstr("inside a $...$ string"));
  // Strings that closed do not hide what follows.
  EXPECT_EQ(Sql("SELECT 'a''b', \"c\"\"d\", $q$ $ $$ $q$, $$x$$, E'\\'', {{ params.limit }}"),
            "SELECT 'a''b', \"c\"\"d\", $q$ $ $$ $q$, $$x$$, E'\\'', 500");
  // In a word, $ does not open a dollar-quoted string; $1 is a parameter.
  EXPECT_EQ(Sql("SELECT a$b$ + $1, {{ params.limit }}"), "SELECT a$b$ + $1, 500");
  // A standard string's backslash escapes nothing (e'...' only as a word of its own).
  EXPECT_EQ(Sql("SELECT 'a\\', {{ params.limit }}, be'\\', {{ params.limit }}"),
            "SELECT 'a\\', 500, be'\\', 500");
  EXPECT_THAT(SqlCheckError("SELECT e'\\', {{ params.limit }}'"), HasSubstr("'...' string"));
}

TEST(ConfigTemplateTest, SqlRefusesTemplatesJoinedToTheirNeighbours) {
  EXPECT_THAT(SqlCheckError("SELECT E{{ params.country }}"),
              HasSubstr("a template right after 'E' in the SQL in {{ params.country }}: orc "
                        "writes the value as a SQL literal of its own"));
  for (const char* text :
       {"SELECT 'a'{{ run_id }}", "SELECT \"a\"{{ run_id }}", "SELECT ${{ run_id }}",
        "SELECT 1{{ params.limit }}", "SELECT _{{ run_id }}", "SELECT U&{{ run_id }}",
        "SELECT 1.{{ params.limit }}", "SELECT \xc3\xa9{{ run_id }}"}) {
    EXPECT_THAT(SqlCheckError(text), HasSubstr("a template right after")) << text;
  }
  EXPECT_THAT(SqlCheckError("SELECT {{ run_id }}{{ job_name }}"),
              HasSubstr("a template right after another in the SQL in {{ job_name }}"));
  for (const char* text :
       {"SELECT {{ run_id }}'a'", "SELECT {{ params.limit }}0", "SELECT {{ params.limit }}.5",
        "SELECT {{ params.full }}x", "SELECT {{ run_id }}$$"}) {
    EXPECT_THAT(SqlCheckError(text), HasSubstr("a template right before")) << text;
  }
  // Operators, parentheses, commas, casts and line ends are fine.
  EXPECT_EQ(Sql("SELECT ({{ params.limit }}),-{{ params.limit }}+{{ params.limit }}::INT\n"),
            "SELECT (500),-500+500::INT\n");
  EXPECT_EQ(Sql("{{ params.limit }}"), "500");
}

TEST(ConfigTemplateTest, SqlCommentsMayHoldTemplatesThatCannotEndThem) {
  EXPECT_EQ(Sql("SELECT 1 -- for {{ interval_start }}'s data\n, 2"),
            "SELECT 1 -- for '2026-11-29T00:00:00Z''s data\n, 2");
  EXPECT_EQ(Sql("SELECT 1 /* '{{ run_id }}' /* nested */ \"{{ job_name }}\" */"),
            "SELECT 1 /* ''0193f1e2-7c1a-7000-8000-000000000001'' /* nested */ \"'daily "
            "sales'\" */");
  // After a nested comment closes, the outer one still holds.
  EXPECT_EQ(Sql("/* /* */ ' */ {{ params.limit }}"), "/* /* */ ' */ 500");
  EXPECT_THAT(SqlCheckError("/* /* */ */ '{{ params.limit }}'"), HasSubstr("'...' string"));
  TemplateContext context = Context();
  context.params["country"] = "fr\nDROP TABLE t";
  EXPECT_THAT(RenderError("SELECT 1 -- {{ params.country }}", context, TemplateMode::kSql),
              HasSubstr("would end the -- comment it is in"));
  context.params["country"] = "fr\rDROP TABLE t";
  EXPECT_THAT(RenderError("SELECT 1 -- {{ params.country }}", context, TemplateMode::kSql),
              HasSubstr("would end the -- comment"));
  EXPECT_EQ(Sql("SELECT 1 /* {{ params.country }} */", context),
            "SELECT 1 /* 'fr\rDROP TABLE t' */");
  context.params["country"] = "*/ DROP TABLE t; /*";
  EXPECT_THAT(RenderError("SELECT 1 /* {{ params.country }} */", context, TemplateMode::kSql),
              HasSubstr("would change the /* */ comment"));
  context.params["country"] = "/*";
  EXPECT_THAT(RenderError("SELECT 1 /* {{ params.country }} */", context, TemplateMode::kSql),
              HasSubstr("would change the /* */ comment"));
  EXPECT_EQ(Sql("SELECT {{ params.country }} -- x", context), "SELECT '/*' -- x");
}

TEST(ConfigTemplateTest, SqlRefusesNulAndNonFiniteValues) {
  TemplateContext context = Context();
  context.params["country"] = std::string("a\0b", 3);
  EXPECT_THAT(RenderError("SELECT {{ params.country }}", context, TemplateMode::kSql),
              HasSubstr("a value with a NUL byte in SQL in {{ params.country }}"));
  EXPECT_EQ(Render("{{ params.country }}", context), std::string("a\0b", 3));  // text: as is
  context.params["ratio"] = std::numeric_limits<double>::infinity();
  EXPECT_THAT(RenderError("SELECT {{ params.ratio }}", context, TemplateMode::kSql),
              HasSubstr("not finite"));
  context.params["ratio"] = std::nan("");
  EXPECT_THAT(RenderError("SELECT {{ params.ratio }}", context, TemplateMode::kSql),
              HasSubstr("not finite"));
}

// DuckDB is the reference for what the SQL means: each hostile value comes back as the one
// string it was, and the lexer's reading of strings and comments is DuckDB's.
TEST(ConfigTemplateTest, DuckDbReadsEachRenderedValueAsOneLiteral) {
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  DuckDbConnection& duckdb = **connection;
  ASSERT_TRUE(duckdb.Execute("CREATE TABLE t AS SELECT 1 AS x").ok());
  TemplateContext context = Context();
  const std::string hostile[] = {"'; DROP TABLE t; --",
                                 "\\'; DROP TABLE t; --",
                                 "'' OR 1=1",
                                 "$$; DROP TABLE t; $$",
                                 "*/ DROP TABLE t; /*",
                                 "\"; DROP TABLE t; --",
                                 "it's \xc3\xa9t\xc3\xa9\n\t\\n",
                                 "",
                                 "'",
                                 "\\"};
  const std::string templates[] = {
      "SELECT {{ params.country }} AS v",
      "SELECT /* '{{ run_id }}' */ {{ params.country }} AS v -- {{ job_name }}",
      "SELECT 'a''b' AS w, E'\\'' AS e, $q$'$q$ AS d, {{ params.country }} AS v",
      "SELECT /* /* */ ' */ {{ params.country }} AS v",
      "SELECT a$b$, {{ params.country }} AS v FROM (SELECT 1 AS a$b$)",
      "SELECT e'\\\\' AS e, {{ params.country }} AS v",
  };
  for (const std::string& value : hostile) {
    context.params["country"] = value;
    for (const std::string& text : templates) {
      const std::string sql = Sql(text, context);
      Result<DuckDbRows> rows = duckdb.Query(sql);
      ASSERT_TRUE(rows.ok()) << sql << ": " << rows.status();
      const auto& names = rows->column_names;
      const size_t column = std::find(names.begin(), names.end(), "v") - names.begin();
      ASSERT_LT(column, names.size()) << sql;
      ASSERT_EQ(rows->rows.size(), 1u) << sql;
      EXPECT_EQ(rows->rows[0][column], value) << sql;
    }
  }
  context.params["limit"] = -5;
  context.params["ratio"] = -2.5e-3;
  Result<DuckDbRows> rows = duckdb.Query(Sql(
      "SELECT 10 -{{ params.limit }} AS a, {{ params.ratio }} AS b, NOT {{ params.full }} AS c, "
      "{{ interval_start }}::TIMESTAMPTZ = TIMESTAMPTZ '2026-11-29 00:00:00+00' AS d",
      context));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0], "15");
  EXPECT_EQ(std::stod(*rows->rows[0][1]), -2.5e-3);
  EXPECT_EQ(rows->rows[0][2], "false");
  EXPECT_EQ(rows->rows[0][3], "true");
  rows = duckdb.Query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0], "1");
}

// What the SQL lexer assumes of DuckDB's reading: a carriage return ends a -- comment, e'...' is
// an escape string also right after a number, and there are no `...` identifiers to know of.
TEST(ConfigTemplateTest, DuckDbReadsSqlAsTheLexerAssumes) {
  DuckDbEngine engine;
  Result<std::unique_ptr<DuckDbConnection>> connection = engine.Connect(":memory:");
  ASSERT_TRUE(connection.ok()) << connection.status();
  Result<DuckDbRows> rows = (*connection)->Query("SELECT 1 -- c\r, 2");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->column_names.size(), 2u);
  rows = (*connection)->Query("SELECT e'a\\'b'");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->rows[0][0], "a'b");
  rows = (*connection)->Query("SELECT 1e'x'");
  EXPECT_THAT(rows.status().message(), HasSubstr("e'x'"));
  EXPECT_FALSE((*connection)->Query("SELECT 1 AS `a`").ok());
}

TEST(ConfigTemplateTest, ExpressionsPerStringAreBounded) {
  std::string text;
  for (size_t i = 0; i < kMaxTemplateExpressions; ++i) text += "{{ params.x }}";
  EXPECT_EQ(Render(text), "");
  text += "{{ params.x }}";
  EXPECT_THAT(CheckError(text), HasSubstr("more than 1000 {{ }} expressions in one string"));
}

TEST(ConfigTemplateTest, RenderedTextIsBounded) {
  TemplateContext context = Context();
  context.params["x"] = std::string(kMaxRenderedSize / 2, 'a');
  EXPECT_EQ(Render("{{ params.x }}{{ params.x }}", context).size(), kMaxRenderedSize);
  EXPECT_THAT(RenderError("{{ params.x }}{{ params.x }}.", context),
              HasSubstr("the rendered text is longer than 1048576 bytes"));
  EXPECT_THAT(RenderError("{{ params.x }}{{ params.x }}{{ params.x }}", context),
              HasSubstr("longer than 1048576 bytes in {{ params.x }}"));
  // A chain of urlencode grows the text each time: stopped as soon as it is too long.
  context.params["x"] = std::string(60000, '%');
  std::string chain = "{{ params.x";
  for (size_t i = 0; i < kMaxTemplateFilters; ++i) chain += " | urlencode";
  EXPECT_THAT(RenderError(chain + " }}", context), HasSubstr("longer than"));
  // A longer chain is refused when checked.
  EXPECT_THAT(CheckError(chain + " | urlencode }}"),
              HasSubstr("more than 10 filters in one expression"));
  // So does a long format repeated.
  std::string format;
  for (int i = 0; i < 450; ++i) format += "%Y";
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "{{ interval_start | date('" + format + "') }}";
  EXPECT_THAT(RenderError(many, context), HasSubstr("longer than"));
}

TEST(ConfigTemplateTest, ConfigStringsAreCheckedWithTheirFields) {
  const json config = {
      {"type", "http"},
      {"url", "https://api/x?day={{ interval_start | date('%Y-%m-%d') }}"},
      {"headers", {{"X-Run", "{{ run_id }}"}, {"{{ key }}", "keys are not templates"}}},
      {"pages", {"plain", "{{ params.country }}"}},
      {"sql", "SELECT {{ params.limit }}"},
      {"limit", 5},
  };
  EXPECT_TRUE(CheckConfigTemplates(config, {"sql"}, Names(), "tasks[0].extractor_config").ok());
  json bad = config;
  bad["pages"][1] = "{{ params.nope }}";
  Status status = CheckConfigTemplates(bad, {"sql"}, Names(), "tasks[0].extractor_config");
  EXPECT_EQ(status.field(), "tasks[0].extractor_config.pages[1]");
  EXPECT_THAT(status.message(), HasSubstr("tasks[0].extractor_config.pages[1]: 'params.nope'"));
  bad = config;
  bad["sql"] = "SELECT '{{ params.limit }}'";
  status = CheckConfigTemplates(bad, {"sql"}, Names(), "tasks[0].transform_config");
  EXPECT_EQ(status.field(), "tasks[0].transform_config.sql");
  EXPECT_THAT(status.message(), HasSubstr("inside a '...' string"));
  // The same text outside the SQL fields is text.
  EXPECT_TRUE(CheckConfigTemplates(bad, {}, Names(), "tasks[0].transform_config").ok());
  // Only top-level keys name SQL fields; what is below them is SQL too.
  bad = {{"nested", {{"sql", "'{{ run_id }}'"}}}, {"sql", {"'{{ run_id }}'"}}};
  status = CheckConfigTemplates(bad, {"sql"}, Names(), "");
  EXPECT_EQ(status.field(), "sql[0]");
  // The first error in document order.
  bad = {{"a", "{{ x }}"}, {"b", "{{ y }}"}};
  EXPECT_EQ(CheckConfigTemplates(bad, {}, Names(), "c").field(), "c.a");
}

TEST(ConfigTemplateTest, ConfigsRenderEveryTemplatedString) {
  const json config = {
      {"type", "http"},
      {"path", "s3://b/{{ interval_start | date('%Y/%m/%d') }}/*.parquet"},
      {"headers", {{"X-Run", "{{ run_id }}"}, {"{{ key }}", "kept"}}},
      {"list", {"plain", {{"deep", "{{ params.country }}"}}, 3, nullptr, true}},
      {"sql", "SELECT {{ params.country }}"},
  };
  Result<json> rendered = RenderConfigTemplates(config, {"sql"}, Context(), "c");
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  json expected = config;
  expected["path"] = "s3://b/2026/11/29/*.parquet";
  expected["headers"]["X-Run"] = "0193f1e2-7c1a-7000-8000-000000000001";
  expected["list"][1]["deep"] = "fr";
  expected["sql"] = "SELECT 'fr'";
  EXPECT_EQ(*rendered, expected);

  TemplateContext context = Context();
  context.params["country"] = "{env:ORC_SECRET_A}";
  Result<json> refused =
      RenderConfigTemplates(json{{"url", "${{ params.country }}"}}, {}, context, "c");
  EXPECT_EQ(refused.status().field(), "c.url");
  EXPECT_THAT(refused.status().message(), HasSubstr("${env:}"));
  // Not an object: a string alone is rendered too.
  EXPECT_EQ(*RenderConfigTemplates(json("{{ job_name }}"), {}, Context(), "c"), "daily sales");
}

TEST(ConfigTemplateTest, ConfigsNestedTooDeepAreRefused) {
  json deep = "{{ run_id }}";
  for (int i = 0; i <= kMaxTemplateConfigDepth; ++i) deep = json::array({deep});
  Status status = CheckConfigTemplates(deep, {}, Names(), "c");
  EXPECT_EQ(status.field(), "c");
  EXPECT_THAT(status.message(), HasSubstr("deeper than 64 levels"));
  EXPECT_EQ(RenderConfigTemplates(deep, {}, Context(), "c").status(), status);
  deep = deep[0];
  EXPECT_TRUE(CheckConfigTemplates(deep, {}, Names(), "c").ok());
  EXPECT_TRUE(RenderConfigTemplates(deep, {}, Context(), "c").ok());
}

}  // namespace
}  // namespace orc
