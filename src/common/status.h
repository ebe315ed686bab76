// Status and Result<T>: Kiln's one error-handling style.
//
// Every fallible function returns Status (no value) or Result<T> (a value or
// a Status). Exceptions thrown by third-party libraries (yaml-cpp, nlohmann
// json, Boost) are caught at the call site that uses the library and turned
// into a Status; they never cross a Kiln interface.
//
// A Status carries a generic Code, a human message naming what is wrong and
// where, and optionally an API error type (the AWS error shape name, e.g.
// "ResourceDependencyException") that the API layer puts on the wire.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kiln {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // bad input: a document, a flag, a request field
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // creating something that exists
  kFailedPrecondition,  // valid request, wrong state (e.g. dependencies)
  kPermissionDenied,    // authenticated but not allowed
  kUnauthenticated,     // missing or bad credentials / signature
  kIOError,             // filesystem, process or network failure
  kTimeout,             // a deadline passed
  kCancelled,           // stopped on request
  kUnavailable,         // try again later
  kUnimplemented,       // a feature Kiln does not provide (said plainly)
  kInternal,            // a bug
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, std::string type = {})
      : code_(code), message_(std::move(message)), type_(std::move(type)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // AWS error shape name for the API layer; empty means "derive from code".
  const std::string& type() const { return type_; }
  Status WithType(std::string type) const& { return Status(code_, message_, std::move(type)); }

  // Adds context in front of the message: "phase 'build': <message>".
  Status Prefixed(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_, type_);
  }

  // "InvalidArgument: <message>" (or "OK").
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string type_;
};

// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kiln

#define KILN_CONCAT_INNER_(a, b) a##b
#define KILN_CONCAT_(a, b) KILN_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define KILN_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::kiln::Status kiln_status_ = (expr);       \
    if (!kiln_status_.ok()) return kiln_status_; \
  } while (0)

// `KILN_ASSIGN_OR_RETURN(auto x, Foo());` binds Foo()'s value or returns its Status.
#define KILN_ASSIGN_OR_RETURN(lhs, expr) \
  KILN_ASSIGN_OR_RETURN_IMPL_(KILN_CONCAT_(kiln_result_, __LINE__), lhs, expr)
#define KILN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
