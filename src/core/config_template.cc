#include "core/config_template.h"

#include <date/date.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "common/closest_name.h"
#include "cron/time_zone.h"

namespace orc {
namespace {

using nlohmann::json;

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kSecretOpen = "${env:";
constexpr std::string_view kKnownNames =
    "interval_start, interval_end, scheduled_for, run_id, job_name, params.NAME";
constexpr std::string_view kDirectives = "%Y %m %d %H %M %S %y %j %s %z %%";
// How much of an expression an error message quotes.
constexpr size_t kQuoteLimit = 80;

// What a value is while an expression is evaluated.
enum class Kind { kTime, kDate, kString, kInteger, kNumber, kBoolean };

enum class Source {
  kIntervalStart,
  kIntervalEnd,
  kScheduledFor,
  kRunId,
  kJobName,
  kParam,
  kLiteral
};

// Where in SQL text an expression stands.
enum class Place { kCode, kLineComment, kBlockComment };

struct Filter {
  bool is_date = false;  // else urlencode
  std::string_view format;
  bool has_zone = false;
  const TimeZone* zone = nullptr;  // with has_zone; null for UTC
};

struct Expression {
  size_t begin = 0;  // of "{{" in the text
  size_t end = 0;    // past "}}"
  Source source = Source::kLiteral;
  std::string_view name;  // a parameter's name, or a literal's content
  ParamType param_type = ParamType::kString;
  size_t first_filter = 0;
  size_t filter_count = 0;
  Place place = Place::kCode;
};

struct Parsed {
  std::vector<Expression> expressions;
  std::vector<Filter> filters;
};

// `text` cut to 64 bytes for an error message.
std::string Shorten(std::string_view text) {
  return text.size() <= 64 ? std::string(text) : std::string(text.substr(0, 64)) + "...";
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

std::string KindName(Kind kind) {
  switch (kind) {
    case Kind::kTime:
      return "a time";
    case Kind::kDate:
      return "a date";
    case Kind::kString:
      return "a string";
    case Kind::kInteger:
      return "an integer";
    case Kind::kNumber:
      return "a number";
    case Kind::kBoolean:
      return "a boolean";
  }
  return "a value";
}

Kind KindOf(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return Kind::kString;
    case ParamType::kInteger:
      return Kind::kInteger;
    case ParamType::kNumber:
      return Kind::kNumber;
    case ParamType::kBoolean:
      return Kind::kBoolean;
    case ParamType::kDate:
      return Kind::kDate;
  }
  return Kind::kString;
}

// " (did you mean 'X'?)" for the candidate closest to `name` when it is within a third of its
// length (at least 1), else "". Names longer than 64 bytes are nobody's typo.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string best = ClosestName(name, candidates);
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

// The SQL around the expressions, read as DuckDB's scanner (PostgreSQL's) reads it, to know where
// each "{{" stands. Fed the literal parts in order; an expression renders as one whole token.
class SqlLexer {
 public:
  enum class State { kCode, kSingleQuoted, kDoubleQuoted, kDollarQuoted, kLineComment, kBlock };

  void Feed(std::string_view text) {
    const size_t n = text.size();
    for (size_t i = 0; i < n; ++i) {
      const char c = text[i];
      const char next = i + 1 < n ? text[i + 1] : '\0';
      switch (state_) {
        case State::kCode: {
          // E'...' is an escape string only when the E is a word of its own.
          const bool after_lone_e = word_length_ == 1 && (word_first_ == 'e' || word_first_ == 'E');
          if (word_length_ > 0 && IsWordChar(c)) {
            ++word_length_;
            break;
          }
          word_length_ = 0;
          if (IsWordStart(c)) {
            word_length_ = 1;
            word_first_ = c;
          } else if (c == '\'') {
            state_ = State::kSingleQuoted;
            backslash_escapes_ = after_lone_e;
          } else if (c == '"') {
            state_ = State::kDoubleQuoted;
          } else if (c == '-' && next == '-') {
            state_ = State::kLineComment;
            ++i;
          } else if (c == '/' && next == '*') {
            state_ = State::kBlock;
            depth_ = 1;
            ++i;
          } else if (c == '$') {
            // $tag$ or $$ opens a dollar-quoted string; $1 is a parameter.
            size_t j = i + 1;
            if (j < n && IsWordStart(text[j])) {
              while (j < n && IsTagChar(text[j])) ++j;
            }
            if (j < n && text[j] == '$') {
              tag_ = text.substr(i + 1, j - i - 1);
              state_ = State::kDollarQuoted;
              i = j;
            }
          }
          break;
        }
        case State::kSingleQuoted:
          if (backslash_escapes_ && c == '\\') {
            ++i;
          } else if (c == '\'') {
            if (next == '\'') {
              ++i;
            } else {
              state_ = State::kCode;
            }
          }
          break;
        case State::kDoubleQuoted:
          if (c == '"') {
            if (next == '"') {
              ++i;
            } else {
              state_ = State::kCode;
            }
          }
          break;
        case State::kDollarQuoted:
          if (c == '$' && text.substr(i + 1, tag_.size()) == tag_ && i + 1 + tag_.size() < n &&
              text[i + 1 + tag_.size()] == '$') {
            i += tag_.size() + 1;
            state_ = State::kCode;
          }
          break;
        case State::kLineComment:
          if (c == '\n' || c == '\r') state_ = State::kCode;
          break;
        case State::kBlock:
          if (c == '/' && next == '*') {
            ++depth_;
            ++i;
          } else if (c == '*' && next == '/') {
            ++i;
            if (--depth_ == 0) state_ = State::kCode;
          }
          break;
      }
    }
  }

  // An expression's literal is a token of its own.
  void Hole() { word_length_ = 0; }

  State state() const { return state_; }

 private:
  // PostgreSQL's identifier characters: letters, digits, _, $ and every non-ASCII byte.
  static bool IsWordStart(char c) {
    return IsNameStart(c) || static_cast<unsigned char>(c) >= 0x80;
  }
  static bool IsTagChar(char c) { return IsWordStart(c) || IsDigit(c); }
  static bool IsWordChar(char c) { return IsTagChar(c) || c == '$'; }

  State state_ = State::kCode;
  size_t word_length_ = 0;  // of the identifier (or number's letters) being read
  char word_first_ = 0;
  bool backslash_escapes_ = false;
  int depth_ = 0;  // of nested block comments
  std::string_view tag_;
};

// Whether a literal right after `c` could join what stands before it into one token (E'...',
// 'a''b', 1.5), or a literal right before `c` what follows it.
bool JoinsPrevious(char c) {
  return IsNameChar(c) || static_cast<unsigned char>(c) >= 0x80 || c == '$' || c == '\'' ||
         c == '"' || c == '&' || c == '.';
}
bool JoinsNext(char c) {
  return IsNameChar(c) || static_cast<unsigned char>(c) >= 0x80 || c == '$' || c == '\'' ||
         c == '"' || c == '.';
}

class Parser {
 public:
  Parser(std::string_view text, TemplateMode mode, const std::map<std::string, ParamType>& params,
         const std::string& field)
      : text_(text), mode_(mode), params_(params), field_(field) {}

  Status Parse(Parsed* parsed) {
    parsed_ = parsed;
    SqlLexer lexer;
    size_t position = 0;
    while (true) {
      const size_t open = text_.find(kOpen, position);
      const std::string_view literal =
          text_.substr(position, open == std::string_view::npos ? open : open - position);
      if (mode_ == TemplateMode::kSql) lexer.Feed(literal);
      if (open == std::string_view::npos) break;
      if (parsed->expressions.size() == kMaxTemplateExpressions) {
        return InvalidArgumentError(Prefix() + "more than " +
                                    std::to_string(kMaxTemplateExpressions) +
                                    " {{ }} expressions in one string")
            .WithField(field_);
      }
      Expression expression;
      expression.begin = open;
      ORC_RETURN_IF_ERROR(ParseExpression(&expression));
      if (mode_ == TemplateMode::kSql) {
        ORC_RETURN_IF_ERROR(PlaceInSql(lexer.state(), literal, position, &expression));
        lexer.Hole();
      }
      parsed->expressions.push_back(expression);
      position = expression.end;
    }
    return Status::Ok();
  }

 private:
  std::string Prefix() const { return field_.empty() ? std::string() : field_ + ": "; }

  // InvalidArgument: "<field>: <what> in {{ ... }}<after>".
  Status Fail(const Expression& expression, std::string_view what, std::string_view after = "") {
    // Before its end is known, an expression is quoted up to the next "}}".
    size_t end = expression.end;
    if (end <= expression.begin) {
      end = text_.find(kClose, expression.begin + kOpen.size());
      end = end == std::string_view::npos ? text_.size() : end + kClose.size();
    }
    std::string quoted(
        text_.substr(expression.begin, std::min(end - expression.begin, kQuoteLimit)));
    if (end - expression.begin > kQuoteLimit) quoted += "...";
    return InvalidArgumentError(Prefix() + std::string(what) + " in " + quoted + std::string(after))
        .WithField(field_);
  }

  void SkipSpace() {
    while (at_ < text_.size() && IsSpace(text_[at_])) ++at_;
  }

  bool AtClose() const { return text_.substr(at_, 2) == kClose; }

  std::string Unexpected() const {
    if (text_.find(kClose, at_) == std::string_view::npos) return "'{{' without a closing '}}'";
    const char c = text_[at_];
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned char>(c));
      return std::string("unexpected byte ") + code;
    }
    return std::string("unexpected '") + c + "'";
  }

  std::string_view ReadName() {
    const size_t start = at_;
    if (at_ < text_.size() && IsNameStart(text_[at_])) {
      while (at_ < text_.size() && IsNameChar(text_[at_])) ++at_;
    }
    return text_.substr(start, at_ - start);
  }

  // The quoted literal at at_ (AtQuote()), without its quotes.
  Result<std::string_view> ReadLiteral(const Expression& expression) {
    const char quote = text_[at_];
    const size_t close = text_.find(quote, at_ + 1);
    if (close == std::string_view::npos) {
      return Fail(expression,
                  std::string("a string starting with ") + quote + " has no closing " + quote);
    }
    const std::string_view content = text_.substr(at_ + 1, close - at_ - 1);
    at_ = close + 1;
    return content;
  }

  bool AtQuote() const { return at_ < text_.size() && (text_[at_] == '\'' || text_[at_] == '"'); }

  Status ParsePrimary(Expression* expression, Kind* kind) {
    if (AtQuote()) {
      ORC_ASSIGN_OR_RETURN(expression->name, ReadLiteral(*expression));
      expression->source = Source::kLiteral;
      *kind = Kind::kString;
      return Status::Ok();
    }
    const std::string_view name = ReadName();
    if (name.empty()) {
      if (AtClose()) return Fail(*expression, "an empty expression");
      return Fail(*expression,
                  Unexpected() + "; an expression starts with a name or a quoted string",
                  std::string("; known names: ") + std::string(kKnownNames));
    }
    std::string_view member;  // after a '.'
    const bool has_member = at_ < text_.size() && text_[at_] == '.';
    if (has_member) {
      ++at_;
      member = ReadName();
      if (name == "params" && member.empty()) {
        return Fail(*expression, "'params.' without a parameter name after it");
      }
    }
    static const std::pair<std::string_view, Source> kNames[] = {
        {"interval_start", Source::kIntervalStart},
        {"interval_end", Source::kIntervalEnd},
        {"scheduled_for", Source::kScheduledFor},
        {"run_id", Source::kRunId},
        {"job_name", Source::kJobName},
    };
    for (const auto& [known, source] : kNames) {
      if (name == known && !has_member) {
        expression->source = source;
        *kind =
            source == Source::kRunId || source == Source::kJobName ? Kind::kString : Kind::kTime;
        return Status::Ok();
      }
    }
    if (name == "params" && !member.empty()) {
      const std::string_view param = member;
      const auto found = params_.find(std::string(param));
      if (found == params_.end()) {
        std::vector<std::string> candidates;
        std::string declared;
        for (const auto& [declared_name, type] : params_) {
          candidates.push_back(declared_name);
          declared += (declared.empty() ? "" : ", ") + declared_name;
        }
        return Fail(
            *expression, "'params." + Shorten(param) + "' is not a parameter the job declares",
            DidYouMean(param, candidates) + (declared.empty() ? "; the job declares no parameters"
                                                              : "; declared: " + declared));
      }
      expression->source = Source::kParam;
      expression->name = found->first;
      expression->param_type = found->second;
      *kind = KindOf(found->second);
      return Status::Ok();
    }
    std::string full(name);
    if (has_member) full += "." + std::string(member);
    std::vector<std::string> candidates = {"interval_start", "interval_end", "scheduled_for",
                                           "run_id", "job_name"};
    for (const auto& [declared_name, type] : params_)
      candidates.push_back("params." + declared_name);
    return Fail(*expression, "unknown name '" + Shorten(full) + "'",
                DidYouMean(full, candidates) + "; known: " + std::string(kKnownNames));
  }

  Status CheckFormat(const Expression& expression, std::string_view format, Kind kind) {
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') continue;
      if (i + 1 == format.size()) {
        return Fail(expression, "the date format ends in a lone '%'",
                    "; write %% for a '%'; supported: " + std::string(kDirectives));
      }
      const char directive = format[++i];
      if (std::string_view("YmdHMSyjsz%").find(directive) == std::string_view::npos) {
        std::string shown(1, directive);
        if (static_cast<unsigned char>(directive) < 0x20 ||
            static_cast<unsigned char>(directive) >= 0x7f) {
          shown = "\\x";
          shown += "0123456789ABCDEF"[static_cast<unsigned char>(directive) >> 4];
          shown += "0123456789ABCDEF"[directive & 15];
        }
        return Fail(expression, "date format directive '%" + shown + "' is not supported",
                    "; supported: " + std::string(kDirectives));
      }
      if (kind == Kind::kDate && (directive == 's' || directive == 'z')) {
        return Fail(expression, std::string("date format directive '%") + directive +
                                    "' needs a time, and a date parameter is a calendar day");
      }
    }
    return Status::Ok();
  }

  Status ParseFilter(Expression* expression, Kind* kind) {
    const std::string_view name = ReadName();
    if (name == "urlencode") {
      SkipSpace();
      if (at_ < text_.size() && text_[at_] == '(') {
        return Fail(*expression, "urlencode takes no arguments; write it without parentheses");
      }
      parsed_->filters.push_back(Filter{});
      *kind = Kind::kString;
      return Status::Ok();
    }
    if (name != "date") {
      if (name.empty()) {
        if (at_ >= text_.size()) return Fail(*expression, "'{{' without a closing '}}'");
        return Fail(*expression, Unexpected() + " after '|'; filters: date, urlencode");
      }
      return Fail(*expression, "unknown filter '" + Shorten(name) + "'",
                  DidYouMean(name, {"date", "urlencode"}) + "; filters: date, urlencode");
    }
    constexpr std::string_view kUsage = "; write date('%Y-%m-%d') or date('%Y-%m-%d', 'UTC')";
    SkipSpace();
    if (at_ >= text_.size() || text_[at_] != '(') {
      return Fail(*expression, "date needs a format in parentheses", kUsage);
    }
    ++at_;
    std::string_view arguments[2];
    int count = 0;
    while (true) {
      SkipSpace();
      if (!AtQuote()) {
        return Fail(*expression, Unexpected() + " in date(...); its arguments are quoted strings",
                    kUsage);
      }
      if (count == 2) return Fail(*expression, "date takes at most 2 arguments", kUsage);
      ORC_ASSIGN_OR_RETURN(arguments[count], ReadLiteral(*expression));
      ++count;
      SkipSpace();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == ')') {
        ++at_;
        break;
      }
      return Fail(*expression, Unexpected() + " in date(...)", kUsage);
    }
    if (*kind != Kind::kTime && *kind != Kind::kDate) {
      return Fail(*expression,
                  "date() formats a time or a date, and its input is " + KindName(*kind));
    }
    Filter filter{.is_date = true, .format = arguments[0]};
    ORC_RETURN_IF_ERROR(CheckFormat(*expression, filter.format, *kind));
    if (count == 2) {
      if (*kind == Kind::kDate) {
        return Fail(*expression,
                    "a date parameter is a calendar day: date() takes no time zone "
                    "for it");
      }
      Result<const TimeZone*> zone = FindTimeZone(arguments[1]);
      if (!zone.ok()) {
        return Fail(*expression, "unknown time zone '" + Shorten(arguments[1]) + "'",
                    "; use UTC or an IANA name such as Europe/Paris");
      }
      filter.has_zone = true;
      filter.zone = *zone;
    }
    parsed_->filters.push_back(filter);
    *kind = Kind::kString;
    return Status::Ok();
  }

  Status ParseExpression(Expression* expression) {
    at_ = expression->begin + kOpen.size();
    expression->end = 0;
    expression->first_filter = parsed_->filters.size();
    SkipSpace();
    // Until "}}" is found, errors quote the rest of the text (up to kQuoteLimit).
    if (at_ >= text_.size()) return Fail(*expression, "'{{' without a closing '}}'");
    Kind kind = Kind::kString;
    ORC_RETURN_IF_ERROR(ParsePrimary(expression, &kind));
    while (true) {
      SkipSpace();
      if (AtClose()) {
        at_ += kClose.size();
        break;
      }
      if (at_ < text_.size() && text_[at_] == '|') {
        if (parsed_->filters.size() - expression->first_filter == kMaxTemplateFilters) {
          return Fail(*expression, "more than " + std::to_string(kMaxTemplateFilters) +
                                       " filters in one expression");
        }
        ++at_;
        SkipSpace();
        ORC_RETURN_IF_ERROR(ParseFilter(expression, &kind));
        continue;
      }
      if (text_.find(kClose, at_) == std::string_view::npos) {
        return Fail(*expression, "'{{' without a closing '}}'");
      }
      return Fail(*expression, Unexpected() + "; expected '|' or '}}'");
    }
    expression->end = at_;
    expression->filter_count = parsed_->filters.size() - expression->first_filter;
    return Status::Ok();
  }

  // Refuses an expression in SQL where its literal would not stand as a value of its own.
  Status PlaceInSql(SqlLexer::State state, std::string_view literal, size_t literal_begin,
                    Expression* expression) {
    constexpr std::string_view kHint =
        "; orc writes each value as a SQL literal, quoted when it is a string: write "
        "{{ ... }} without quotes around it";
    switch (state) {
      case SqlLexer::State::kSingleQuoted:
        return Fail(*expression, "a template inside a '...' string of the SQL", kHint);
      case SqlLexer::State::kDoubleQuoted:
        return Fail(*expression, "a template inside a \"...\" identifier of the SQL", kHint);
      case SqlLexer::State::kDollarQuoted:
        return Fail(*expression, "a template inside a $...$ string of the SQL", kHint);
      case SqlLexer::State::kLineComment:
        expression->place = Place::kLineComment;
        return Status::Ok();
      case SqlLexer::State::kBlock:
        expression->place = Place::kBlockComment;
        return Status::Ok();
      case SqlLexer::State::kCode:
        break;
    }
    constexpr std::string_view kApart =
        ": orc writes the value as a SQL literal of its own, which must not join what stands "
        "beside it; put a space or an operator between them";
    if (literal.empty() && literal_begin > 0) {
      return Fail(*expression, "a template right after another in the SQL", kApart);
    }
    if (!literal.empty() && JoinsPrevious(literal.back())) {
      return Fail(*expression,
                  std::string("a template right after '") + literal.back() + "' in the SQL",
                  kApart);
    }
    if (expression->end < text_.size() && JoinsNext(text_[expression->end])) {
      return Fail(
          *expression,
          std::string("a template right before '") + text_[expression->end] + "' in the SQL",
          kApart);
    }
    return Status::Ok();
  }

  std::string_view text_;
  TemplateMode mode_;
  const std::map<std::string, ParamType>& params_;
  const std::string& field_;
  Parsed* parsed_ = nullptr;
  size_t at_ = 0;
};

// ---- Rendering

// A value while its filters apply. `text` points into the context, the template or a buffer.
struct Value {
  Kind kind = Kind::kString;
  TimePoint time{};
  date::year_month_day day{};
  std::string_view text;
  bool boolean = false;
  bool finite = true;
};

// `value` in decimal, zero-padded to `width` digits (after a '-').
void AppendNumber(std::string& out, long long value, int width) {
  char digits[24];
  char* end = digits + sizeof digits;
  char* at = end;
  unsigned long long magnitude = value < 0 ? 0ULL - static_cast<unsigned long long>(value)
                                           : static_cast<unsigned long long>(value);
  do {
    *--at = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  while (end - at < width) *--at = '0';
  if (value < 0) out += '-';
  out.append(at, static_cast<size_t>(end - at));
}

// RFC 3339 in UTC: whole seconds, or the fraction's digits without trailing zeros.
void AppendRfc3339(std::string& out, TimePoint time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto days = std::chrono::floor<date::days>(seconds);
  const date::year_month_day ymd(days);
  const auto of_day = seconds - days;
  AppendNumber(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  AppendNumber(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  AppendNumber(out, static_cast<unsigned>(ymd.day()), 2);
  out += 'T';
  AppendNumber(out, of_day.count() / 3600, 2);
  out += ':';
  AppendNumber(out, of_day.count() / 60 % 60, 2);
  out += ':';
  AppendNumber(out, of_day.count() % 60, 2);
  const long long nanoseconds =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time - seconds).count();
  if (nanoseconds != 0) {
    char digits[16];
    int length = std::snprintf(digits, sizeof digits, "%09lld", nanoseconds);
    while (length > 0 && digits[length - 1] == '0') --length;
    out += '.';
    out.append(digits, static_cast<size_t>(length));
  }
  out += 'Z';
}

void AppendDay(std::string& out, const date::year_month_day& day) {
  AppendNumber(out, static_cast<int>(day.year()), 4);
  out += '-';
  AppendNumber(out, static_cast<unsigned>(day.month()), 2);
  out += '-';
  AppendNumber(out, static_cast<unsigned>(day.day()), 2);
}

// strftime over the directives CheckFormat lets through.
void AppendFormatted(std::string& out, std::string_view format, const Value& value,
                     const TimeZone* zone) {
  date::year_month_day ymd = value.day;
  long long of_day = 0;
  long long epoch = 0;
  long long offset = 0;
  if (value.kind == Kind::kTime) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(value.time);
    epoch = seconds.time_since_epoch().count();
    if (zone != nullptr) offset = zone->GetInfo(date::sys_seconds(seconds)).offset.count();
    const date::sys_seconds local(seconds.time_since_epoch() + std::chrono::seconds(offset));
    const auto days = std::chrono::floor<date::days>(local);
    ymd = date::year_month_day(days);
    of_day = (local - days).count();
  }
  for (size_t i = 0; i < format.size(); ++i) {
    const size_t percent = format.find('%', i);
    if (percent == std::string_view::npos) {
      out.append(format.substr(i));
      break;
    }
    out.append(format.substr(i, percent - i));
    i = percent + 1;
    switch (format[i]) {
      case 'Y':
        AppendNumber(out, static_cast<int>(ymd.year()), 4);
        break;
      case 'm':
        AppendNumber(out, static_cast<unsigned>(ymd.month()), 2);
        break;
      case 'd':
        AppendNumber(out, static_cast<unsigned>(ymd.day()), 2);
        break;
      case 'H':
        AppendNumber(out, of_day / 3600, 2);
        break;
      case 'M':
        AppendNumber(out, of_day / 60 % 60, 2);
        break;
      case 'S':
        AppendNumber(out, of_day % 60, 2);
        break;
      case 'y':
        AppendNumber(out, (static_cast<int>(ymd.year()) % 100 + 100) % 100, 2);
        break;
      case 'j':
        AppendNumber(out, (date::sys_days(ymd) - date::sys_days(ymd.year() / 1 / 1)).count() + 1,
                     3);
        break;
      case 's':
        AppendNumber(out, epoch, 0);
        break;
      case 'z': {
        const long long minutes = (offset < 0 ? -offset : offset) / 60;
        out += offset < 0 ? '-' : '+';
        AppendNumber(out, minutes / 60, 2);
        AppendNumber(out, minutes % 60, 2);
        break;
      }
      default:  // '%'
        out += '%';
        break;
    }
  }
}

void AppendUrlEncoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    if (IsNameChar(c) || c == '-' || c == '.' || c == '~') {  // IsNameChar: A-Z a-z 0-9 _
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
}

// A strict "YYYY-MM-DD" that names a day.
bool ParseDay(std::string_view text, date::year_month_day* day) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (!IsDigit(text[i])) return false;
      parts[p] = parts[p] * 10 + (text[i] - '0');
    }
  }
  *day = date::year(parts[0]) / date::month(static_cast<unsigned>(parts[1])) /
         date::day(static_cast<unsigned>(parts[2]));
  return day->ok();
}

// The `${env:` references of `text` in order: each "${env:" up to the next '}' (or the end).
class References {
 public:
  explicit References(std::string_view text) : text_(text) {}
  // The next one, or false.
  bool Next(std::string_view* reference) {
    const size_t open = text_.find(kSecretOpen, at_);
    if (open == std::string_view::npos) return false;
    const size_t close = text_.find('}', open + kSecretOpen.size());
    const size_t end = close == std::string_view::npos ? text_.size() : close + 1;
    *reference = text_.substr(open, end - open);
    at_ = end;
    return true;
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
};

bool SameReferences(std::string_view written, std::string_view rendered) {
  References a(written), b(rendered);
  std::string_view x, y;
  while (true) {
    const bool more_a = a.Next(&x);
    const bool more_b = b.Next(&y);
    if (more_a != more_b) return false;
    if (!more_a) return true;
    if (x != y) return false;
  }
}

class Renderer {
 public:
  Renderer(std::string_view text, TemplateMode mode, const TemplateContext& context,
           const std::string& field)
      : text_(text), mode_(mode), context_(context), field_(field) {}

  Result<std::string> Render(const Parsed& parsed) {
    std::string out;
    out.reserve(std::min(kMaxRenderedSize, text_.size() + 16 * parsed.expressions.size()));
    size_t position = 0;
    for (const Expression& expression : parsed.expressions) {
      out.append(text_.substr(position, expression.begin - position));
      ORC_RETURN_IF_ERROR(CheckSize(out.size(), expression));
      ORC_RETURN_IF_ERROR(AppendExpression(out, expression, parsed));
      ORC_RETURN_IF_ERROR(CheckSize(out.size(), expression));
      position = expression.end;
    }
    out.append(text_.substr(position));
    if (out.size() > kMaxRenderedSize) {
      return InvalidArgumentError(Prefix() + "the rendered text is longer than " +
                                  std::to_string(kMaxRenderedSize) + " bytes")
          .WithField(field_);
    }
    if (!SameReferences(text_, out)) {
      return InvalidArgumentError(Prefix() +
                                  "a template value would form a ${env:} reference; secret "
                                  "references must be written out in the configuration")
          .WithField(field_);
    }
    return out;
  }

 private:
  std::string Prefix() const { return field_.empty() ? std::string() : field_ + ": "; }

  Status Fail(const Expression& expression, std::string_view what) const {
    std::string quoted(
        text_.substr(expression.begin, std::min(expression.end - expression.begin, kQuoteLimit)));
    if (expression.end - expression.begin > kQuoteLimit) quoted += "...";
    return InvalidArgumentError(Prefix() + std::string(what) + " in " + quoted).WithField(field_);
  }

  Status CheckSize(size_t size, const Expression& expression) const {
    if (size <= kMaxRenderedSize) return Status::Ok();
    return Fail(expression,
                "the rendered text is longer than " + std::to_string(kMaxRenderedSize) + " bytes");
  }

  Result<const TimeZone*> JobZone(const Expression& expression) {
    if (!job_zone_found_) {
      Result<const TimeZone*> zone = FindTimeZone(context_.timezone);
      if (!zone.ok()) {
        return Fail(expression,
                    "the job's time zone '" + context_.timezone + "' is not an IANA time zone");
      }
      job_zone_ = *zone;
      job_zone_found_ = true;
    }
    return job_zone_;
  }

  Status Primary(const Expression& expression, Value* value, std::string& buffer) {
    switch (expression.source) {
      case Source::kIntervalStart:
        *value = Value{.kind = Kind::kTime, .time = context_.interval_start};
        return Status::Ok();
      case Source::kIntervalEnd:
        *value = Value{.kind = Kind::kTime, .time = context_.interval_end};
        return Status::Ok();
      case Source::kScheduledFor:
        *value = Value{.kind = Kind::kTime, .time = context_.scheduled_for};
        return Status::Ok();
      case Source::kRunId:
        *value = Value{.kind = Kind::kString, .text = context_.run_id};
        return Status::Ok();
      case Source::kJobName:
        *value = Value{.kind = Kind::kString, .text = context_.job_name};
        return Status::Ok();
      case Source::kLiteral:
        *value = Value{.kind = Kind::kString, .text = expression.name};
        return Status::Ok();
      case Source::kParam:
        break;
    }
    const std::string name(expression.name);
    const json* found = nullptr;
    if (context_.params.is_object()) {
      const auto it = context_.params.find(name);
      if (it != context_.params.end()) found = &*it;
    }
    if (found == nullptr || found->is_null()) {
      return Fail(expression, "parameter '" + name + "' has no value");
    }
    const Kind kind = KindOf(expression.param_type);
    const auto wrong = [&] {
      return Fail(expression, "parameter '" + name + "' is not " + KindName(kind) +
                                  (kind == Kind::kDate ? " (YYYY-MM-DD)" : ""));
    };
    *value = Value{.kind = kind};
    switch (expression.param_type) {
      case ParamType::kString:
        if (!found->is_string()) return wrong();
        value->text = found->get_ref<const std::string&>();
        return Status::Ok();
      case ParamType::kDate:
        if (!found->is_string() || !ParseDay(found->get_ref<const std::string&>(), &value->day)) {
          return wrong();
        }
        return Status::Ok();
      case ParamType::kBoolean:
        if (!found->is_boolean()) return wrong();
        value->boolean = found->get<bool>();
        return Status::Ok();
      case ParamType::kInteger:
      case ParamType::kNumber:
        if (expression.param_type == ParamType::kInteger ? !found->is_number_integer()
                                                         : !found->is_number()) {
          return wrong();
        }
        if (found->is_number_float()) value->finite = std::isfinite(found->get<double>());
        buffer = found->dump();
        value->text = buffer;
        return Status::Ok();
    }
    return wrong();
  }

  // How the value renders as text on its own.
  void AppendText(std::string& out, const Value& value) const {
    switch (value.kind) {
      case Kind::kTime:
        AppendRfc3339(out, value.time);
        return;
      case Kind::kDate:
        AppendDay(out, value.day);
        return;
      case Kind::kBoolean:
        out += value.boolean ? "true" : "false";
        return;
      default:
        out.append(value.text);
        return;
    }
  }

  Status AppendExpression(std::string& out, const Expression& expression, const Parsed& parsed) {
    Value value;
    ORC_RETURN_IF_ERROR(Primary(expression, &value, buffers_[0]));
    int current = 0;  // the buffer value.text may point into
    for (size_t f = 0; f < expression.filter_count; ++f) {
      const Filter& filter = parsed.filters[expression.first_filter + f];
      std::string& target = buffers_[current ^ 1];
      target.clear();
      if (filter.is_date) {
        const TimeZone* zone = filter.zone;
        if (!filter.has_zone && value.kind == Kind::kTime) {
          ORC_ASSIGN_OR_RETURN(zone, JobZone(expression));
        }
        AppendFormatted(target, filter.format, value, zone);
      } else {
        std::string_view text = value.text;
        if (value.kind == Kind::kTime || value.kind == Kind::kDate ||
            value.kind == Kind::kBoolean) {
          scratch_.clear();
          AppendText(scratch_, value);
          text = scratch_;
        }
        AppendUrlEncoded(target, text);
      }
      ORC_RETURN_IF_ERROR(CheckSize(target.size(), expression));
      current ^= 1;
      value = Value{.kind = Kind::kString, .text = target};
    }
    if (mode_ == TemplateMode::kText) {
      AppendText(out, value);
      return Status::Ok();
    }
    const size_t start = out.size();
    switch (value.kind) {
      case Kind::kBoolean:
        out += value.boolean ? "TRUE" : "FALSE";
        break;
      case Kind::kInteger:
      case Kind::kNumber:
        if (!value.finite) return Fail(expression, "a number that is not finite");
        // (-5), so that 10 -{{ n }} cannot become the comment 10 --5.
        if (!value.text.empty() && value.text.front() == '-') {
          out += '(';
          out.append(value.text);
          out += ')';
        } else {
          out.append(value.text);
        }
        break;
      default: {
        std::string_view text = value.text;
        if (value.kind != Kind::kString) {
          scratch_.clear();
          AppendText(scratch_, value);
          text = scratch_;
        }
        if (text.find('\0') != std::string_view::npos) {
          return Fail(expression, "a value with a NUL byte in SQL");
        }
        out += '\'';
        for (size_t i = 0; i < text.size();) {
          const size_t quote = text.find('\'', i);
          if (quote == std::string_view::npos) {
            out.append(text.substr(i));
            break;
          }
          out.append(text.substr(i, quote + 1 - i));
          out += '\'';
          i = quote + 1;
        }
        out += '\'';
        break;
      }
    }
    const std::string_view rendered = std::string_view(out).substr(start);
    if (expression.place == Place::kLineComment &&
        rendered.find_first_of("\r\n") != std::string_view::npos) {
      return Fail(expression, "a value with a line break would end the -- comment it is in");
    }
    if (expression.place == Place::kBlockComment &&
        (rendered.find("*/") != std::string_view::npos ||
         rendered.find("/*") != std::string_view::npos)) {
      return Fail(expression, "a value with '*/' or '/*' would change the /* */ comment it is in");
    }
    return Status::Ok();
  }

  std::string_view text_;
  TemplateMode mode_;
  const TemplateContext& context_;
  const std::string& field_;
  std::string buffers_[2];
  std::string scratch_;
  bool job_zone_found_ = false;
  const TimeZone* job_zone_ = nullptr;
};

// One templated string of a configuration, and where it is.
template <typename Json>
struct Pending {
  Json* value;
  std::string path;
  bool sql;
};

// A value met by the walk below: its parent's index in the walk, and its key or index there.
template <typename Json>
struct Node {
  Json* value;
  size_t parent;
  const std::string* key;  // null for the root and for array items
  size_t index;
  int depth;
  bool sql;
};

// "path.key[3].other": the field of nodes[at].
template <typename Json>
std::string FieldOf(const std::vector<Node<Json>>& nodes, size_t at, const std::string& path) {
  std::vector<size_t> chain;
  for (size_t node = at; node != 0; node = nodes[node].parent) chain.push_back(node);
  std::string field = path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Node<Json>& node = nodes[*it];
    if (node.key != nullptr) {
      if (!field.empty()) field += '.';
      field += *node.key;
    } else {
      field += '[' + std::to_string(node.index) + ']';
    }
  }
  return field;
}

// The templated strings of `config` (json or const json), with their fields and modes, in
// document order. Iterative; a field is spelled out only for a string that has a template.
// InvalidArgument naming `path` past kMaxTemplateConfigDepth.
template <typename Json>
Status CollectStrings(Json& config, const std::set<std::string>& sql_fields,
                      const std::string& path, std::vector<Pending<Json>>* strings) {
  std::vector<Node<Json>> nodes = {{&config, 0, nullptr, 0, 1, false}};
  std::vector<size_t> pending = {0};
  while (!pending.empty()) {
    const size_t at = pending.back();
    pending.pop_back();
    const Node<Json> item = nodes[at];
    if (item.value->is_string()) {
      if (HasTemplate(item.value->template get_ref<const std::string&>())) {
        strings->push_back({item.value, FieldOf(nodes, at, path), item.sql});
      }
      continue;
    }
    if (!item.value->is_structured()) continue;
    if (item.depth > kMaxTemplateConfigDepth) {
      return InvalidArgumentError((path.empty() ? std::string("the configuration") : path) +
                                  " nests objects and arrays deeper than " +
                                  std::to_string(kMaxTemplateConfigDepth) + " levels")
          .WithField(path);
    }
    // Children are pushed last to first, so that they are taken first to last.
    const size_t first = nodes.size();
    if (item.value->is_object()) {
      for (auto it = item.value->begin(); it != item.value->end(); ++it) {
        const std::string& key = it.key();
        const bool sql = item.sql || (item.depth == 1 && sql_fields.count(key) != 0);
        nodes.push_back({&*it, at, &key, 0, item.depth + 1, sql});
      }
    } else {
      for (size_t i = 0; i < item.value->size(); ++i) {
        nodes.push_back({&(*item.value)[i], at, nullptr, i, item.depth + 1, item.sql});
      }
    }
    for (size_t child = nodes.size(); child > first; --child) pending.push_back(child - 1);
  }
  return Status::Ok();
}

// The depth check before a configuration is copied (copies recurse).
Status CheckDepth(const json& config, const std::string& path) {
  std::vector<std::pair<const json*, int>> pending = {{&config, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (depth > kMaxTemplateConfigDepth) {
      return InvalidArgumentError((path.empty() ? std::string("the configuration") : path) +
                                  " nests objects and arrays deeper than " +
                                  std::to_string(kMaxTemplateConfigDepth) + " levels")
          .WithField(path);
    }
    for (const json& item : *value) pending.emplace_back(&item, depth + 1);
  }
  return Status::Ok();
}

}  // namespace

bool HasTemplate(std::string_view text) { return text.find(kOpen) != std::string_view::npos; }

Status CheckTemplate(std::string_view text, TemplateMode mode, const TemplateNames& names,
                     const std::string& field) {
  if (!HasTemplate(text)) return Status::Ok();
  Parsed parsed;
  return Parser(text, mode, names.params, field).Parse(&parsed);
}

Result<std::string> RenderTemplate(std::string_view text, TemplateMode mode,
                                   const TemplateContext& context, const std::string& field) {
  if (!HasTemplate(text)) return std::string(text);
  Parsed parsed;
  ORC_RETURN_IF_ERROR(Parser(text, mode, context.param_types, field).Parse(&parsed));
  return Renderer(text, mode, context, field).Render(parsed);
}

Status CheckConfigTemplates(const json& config, const std::set<std::string>& sql_fields,
                            const TemplateNames& names, const std::string& path) {
  std::vector<Pending<const json>> strings;
  ORC_RETURN_IF_ERROR(CollectStrings(config, sql_fields, path, &strings));
  for (const auto& item : strings) {
    ORC_RETURN_IF_ERROR(CheckTemplate(item.value->get_ref<const std::string&>(),
                                      item.sql ? TemplateMode::kSql : TemplateMode::kText, names,
                                      item.path));
  }
  return Status::Ok();
}

Result<json> RenderConfigTemplates(const json& config, const std::set<std::string>& sql_fields,
                                   const TemplateContext& context, const std::string& path) {
  ORC_RETURN_IF_ERROR(CheckDepth(config, path));
  json rendered = config;
  std::vector<Pending<json>> strings;
  ORC_RETURN_IF_ERROR(CollectStrings(rendered, sql_fields, path, &strings));
  for (const auto& item : strings) {
    ORC_ASSIGN_OR_RETURN(
        std::string text,
        RenderTemplate(item.value->get_ref<const std::string&>(),
                       item.sql ? TemplateMode::kSql : TemplateMode::kText, context, item.path));
    *item.value = std::move(text);
  }
  return rendered;
}

}  // namespace orc
