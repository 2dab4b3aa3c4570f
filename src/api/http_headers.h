// HttpHeaders: the header fields of one HTTP request or response, in the order they were received
// or set. Names compare case-insensitively (RFC 9110 section 5.1); values are kept as sent, without
// the whitespace around them.
//
// A plain value: copied and moved with its message, not safe to change from two threads at once.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orc {

// ASCII case-insensitive equality, as header names and tokens compare.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

class HttpHeaders {
 public:
  using Field = std::pair<std::string, std::string>;

  // Appends a field, also when one of that name exists (a request may repeat a field).
  void Add(std::string name, std::string value);
  // Replaces every field named `name` by one with `value`.
  void Set(std::string name, std::string value);

  // The first field named `name`; null when there is none.
  const std::string* Find(std::string_view name) const;
  // The first value of `name`, or "" when there is none.
  std::string Get(std::string_view name) const;
  bool Contains(std::string_view name) const { return Find(name) != nullptr; }
  // How many fields are named `name`.
  size_t Count(std::string_view name) const;

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace orc
