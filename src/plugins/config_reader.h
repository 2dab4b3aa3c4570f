// ConfigReader: reads a plugin's configuration, a JSON object, field by field into typed values.
//
// Each plugin declares a Config struct and one function that fills it from a ConfigReader. That
// function is both the check when a job is written and the parse when its task runs, so the two
// cannot drift, and a plugin's own code never touches JSON. Every error is InvalidArgument and
// names the field by its whole path ("tasks[0].extractor_config.columns.a must be a DuckDB type
// name (a string)"), and no JSON value, of whatever type, makes a read throw.
//
// Rules every read follows: a field that is absent or null takes its default, or is "required"
// when it has none; a value of the wrong JSON type is refused, never converted; integers and
// numbers are range-checked; choices are checked against their list. Fields that no read asked for
// are refused, listing the allowed ones, so that a misspelt field never silently vanishes.
//
// Errors are sticky: the first one is kept and later reads return defaults, so a reading function
// is a plain list of reads and Finish() reports. For the unknown-field check to be exact, a reading
// function reads every field it allows whatever the values before it, except that it may branch
// on the value of OneOf() (e.g. the fields of `pagination` depend on its `type`; when that OneOf
// fails, its object's unknown fields are not reported). Finish() reports an unknown field before
// any other error, since a misspelt field explains the "required" one.
//
// Ownership: a reader borrows its JSON, which must outlive it and the readers of nested objects
// (Object()); those share the first error and the unknown-field check with the reader they came
// from. Not thread-safe: one reader per parse.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"

namespace orc {

// Names with their values, in order: an object's fields come in name order (a configuration's
// objects reach orc sorted by name, whatever order they were written in), a list's in its order.
using StringPairs = std::vector<std::pair<std::string, std::string>>;

// Names with string values where the order may matter (a CSV file's columns): `ordered` when given
// as a list, whose order is the user's; else an object's fields in name order.
struct NamedStrings {
  StringPairs pairs;
  bool ordered = false;
};

// A rule beyond the type: OK, or InvalidArgument whose message says what is wrong (the reader
// prefixes the field's path).
using StringCheck = std::function<Status(const std::string& value)>;

class ConfigReader {
 public:
  // A reader of `object` (any JSON value: a non-object is an error naming `path`). `path` prefixes
  // every field in errors ("tasks[0].loader_config"); `what` names the object in messages
  // ("loader_config type duckdb").
  ConfigReader(const nlohmann::json& object, std::string path, std::string what = "");

  // The path of field `name` in errors: "tasks[0].loader_config.db_path".
  std::string Path(std::string_view name) const;
  // Names the object in later messages, e.g. once its type is known ("pagination type offset").
  void Describe(std::string what);
  // Accepts field `name` without reading it (e.g. "type", read by the registry); it is not listed
  // among the allowed fields.
  void Skip(std::string_view name);

  // A string: required (empty when missing), optional, or with a default. `check`, when given,
  // applies to a present value.
  std::string RequiredString(std::string_view name, const StringCheck& check = nullptr);
  std::optional<std::string> OptionalString(std::string_view name,
                                            const StringCheck& check = nullptr);
  std::string String(std::string_view name, std::string fallback,
                     const StringCheck& check = nullptr);

  // One of `choices` (strings), or `fallback` when absent; required when `fallback` is nullopt.
  std::string OneOf(std::string_view name, const std::vector<std::string>& choices,
                    std::optional<std::string> fallback);

  std::optional<bool> OptionalBool(std::string_view name);
  bool Bool(std::string_view name, bool fallback);

  // An integer from `min` to `max`, or `fallback` / nullopt when absent.
  int64_t Integer(std::string_view name, int64_t min, int64_t max, int64_t fallback);
  std::optional<int64_t> OptionalInteger(std::string_view name, int64_t min, int64_t max);
  // A number (integer or not) from `min` to `max`, or `fallback` when absent.
  double Number(std::string_view name, double min, double max, double fallback);

  // An array of strings, each passing `check` (errors name the item: "primary_key[1]").
  std::optional<std::vector<std::string>> StringList(std::string_view name,
                                                     const StringCheck& check = nullptr);
  // An object whose values are strings, described as `value_kind` in errors ("a DuckDB type name
  // (a string)"), each passing `check` (errors name the key: "columns.a").
  std::optional<StringPairs> StringMap(std::string_view name, std::string_view value_kind,
                                       const StringCheck& check = nullptr);
  // Names with string values, either an object ({"b": "x", "a": "y"}, read in name order) or a
  // list of one-field objects ([{"b": "x"}, {"a": "y"}], read in the list's order), each value
  // passing `check`. A name listed twice is an error naming the item ("columns[1]").
  std::optional<NamedStrings> StringMapOrList(std::string_view name, std::string_view value_kind,
                                              const StringCheck& check = nullptr);
  // An object whose values are strings, numbers or booleans, as text (numbers and booleans as
  // JSON writes them), each passing `check`.
  std::optional<StringPairs> ScalarMap(std::string_view name, const StringCheck& check = nullptr);
  // A string, number or boolean, as text.
  std::optional<std::string> OptionalScalar(std::string_view name);
  // An object taken whole, as compact JSON text (e.g. a request body to send as it is).
  std::optional<std::string> ObjectJson(std::string_view name);

  // A reader of the nested object `name`; nullopt when absent or not an object (an error then).
  std::optional<ConfigReader> Object(std::string_view name, std::string what = "");

  // Records an error about field `name` ("" for the object itself) that no single read can see,
  // e.g. a rule across fields. `message` says what is wrong; the field's path is prefixed.
  void Fail(std::string_view name, std::string message);
  // Whether no error was recorded so far.
  bool ok() const;

  // Once every field was read: an unknown field, else the first error, else OK. Call it once, on
  // the reader of the whole configuration (it covers the nested objects' readers too).
  Status Finish() const;

 private:
  struct Scope;
  struct State;

  ConfigReader(std::shared_ptr<State> state, size_t scope);

  // The value of `name` (marked as read), or nullptr when absent or null.
  const nlohmann::json* Find(std::string_view name, bool listed = true);
  // Each records an error about field `name` unless one was recorded before: "... must be
  // <expected>", "... is required for <what><hint>", and `check`'s verdict on `value`.
  void MustBe(std::string_view name, std::string_view expected);
  void Required(std::string_view name, std::string_view hint = "");
  void CheckValue(std::string_view name, const std::string& value, const StringCheck& check);
  Scope& scope() const;

  // Shared with the readers of nested objects: one first error and one unknown-field check for
  // the whole configuration, whichever reader finds them.
  std::shared_ptr<State> state_;
  size_t scope_ = 0;  // this reader's object in state_->scopes
};

// Checks shared by plugins.
// Not "".
Status NotEmpty(const std::string& value);
// A SQL identifier: [A-Za-z_][A-Za-z0-9_]*, at most 63 characters.
Status SqlIdentifier(const std::string& value);
// A table name: an identifier, or schema.identifier.
Status SqlTableName(const std::string& value);

}  // namespace orc
