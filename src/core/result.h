// Result<T> and Status: expected failures as values.
//
// Every fallible operation that crosses a module boundary returns one of these; exceptions
// are reserved for programming errors and are caught at the edges (API, CLI, main).
// An Error carries a small code (mapped to an HTTP status only in the API layer), a
// human-readable message, and the field (JSON path, CSV column, "line 12", ...) at fault.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace crier {

enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong; `field` says where
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // a unique key is already taken
  kFailedPrecondition,  // the request is valid but the state does not allow it
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // credentials fine, action not allowed
  kUnavailable,         // a dependency is down or busy; retrying may help
  kInternal,            // a bug or an unexpected failure of a dependency
};

std::string_view ToString(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;  // empty when no single field is at fault

  // "field: message" when a field is set, else the message.
  std::string ToString() const;
};

inline Error InvalidArgument(std::string field, std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message), std::move(field)};
}
inline Error NotFound(std::string message) {
  return {ErrorCode::kNotFound, std::move(message), {}};
}
inline Error Internal(std::string message) {
  return {ErrorCode::kInternal, std::move(message), {}};
}
inline Error FailedPrecondition(std::string message) {
  return {ErrorCode::kFailedPrecondition, std::move(message), {}};
}

// Status: success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status Ok() { return {}; }
  bool ok() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

// Result<T>: a T, or an Error. Accessing the value of a failed Result is a programming error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(status.error()) {}  // NOLINT: only from a failed Status

  bool ok() const { return v_.index() == 0; }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace crier

// Propagates a failed Status or Result out of the current function.
#define CRIER_RETURN_IF_ERROR(expr)                        \
  do {                                                     \
    auto crier_status_ = (expr);                           \
    if (!crier_status_.ok()) return crier_status_.error(); \
  } while (0)
