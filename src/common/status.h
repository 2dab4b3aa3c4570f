// Status and Result<T>: how orc reports failure.
//
// Functions that can fail return a Status (no value) or a Result<T> (a value or a Status) instead
// of throwing. A Status carries a named kind (StatusCode) that callers branch on - the API maps it
// to an HTTP status, the worker decides from it whether an error can heal on retry - and a message
// for people that says what failed, on what input, and what to do. WithContext() prefixes the
// message so that the whole cause chain survives as the error travels outwards.
//
// Both types are values: cheap to move, safe to copy, no shared state; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace orc {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the input is wrong; retrying the same input fails the same way
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // creating something whose name or key is taken
  kConflict,            // the current state forbids the change (e.g. finishing a finished run)
  kFailedPrecondition,  // the system is not in a state to do this (e.g. schema newer than binary)
  kUnauthenticated,     // missing or wrong credentials
  kPermissionDenied,    // credentials fine, action not allowed
  kUnavailable,         // transient: a server down, a connection lost; retrying may help
  kDeadlineExceeded,    // ran out of time
  kCancelled,           // stopped on request
  kResourceExhausted,   // a limit was hit (size, count, rate)
  kInternal,            // a bug or an unexpected failure of a library
};

// The stable snake_case name of a code, e.g. "invalid_argument" (used in API error bodies).
std::string_view StatusCodeName(StatusCode code);
// The code StatusCodeName() names; nullopt for any other text.
std::optional<StatusCode> ParseStatusCode(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "context: message", same code. Use it to say what the caller was doing when this failed.
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;

  // The input field at fault, as a path ("tasks[0].loader_config.table_name"); empty when the
  // error is not about one field. The API returns it beside the message.
  const std::string& field() const { return field_; }
  Status WithField(std::string field) && {
    field_ = std::move(field);
    return std::move(*this);
  }

  // "invalid_argument: message", or "ok".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.field_ == b.field_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status ConflictError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status CancelledError(std::string message);
Status ResourceExhaustedError(std::string message);
Status InternalError(std::string message);

// A value of type T, or the Status saying why there is none. Never holds an OK status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }

  // The error; OK when the result holds a value. The reference lives as long as this Result.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }

  // The value. Calling these on an error is a bug in the caller.
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace orc

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define ORC_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::orc::Status orc_status_ = (expr);        \
    if (!orc_status_.ok()) return orc_status_; \
  } while (false)

#define ORC_CONCAT_INNER_(a, b) a##b
#define ORC_CONCAT_(a, b) ORC_CONCAT_INNER_(a, b)

// `ORC_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from the value of a Result, or returns its
// Status from the enclosing function.
#define ORC_ASSIGN_OR_RETURN(lhs, expr) \
  ORC_ASSIGN_OR_RETURN_IMPL_(ORC_CONCAT_(orc_result_, __LINE__), lhs, expr)
#define ORC_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                               \
  if (!result.ok()) return result.status();           \
  lhs = std::move(result).value()
