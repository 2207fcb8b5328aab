#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "harness/core/check.hpp"

// The error type of every pagination call. Nothing in this library throws for bad input or
// a database failure: callers get a code they can map to a response and a message to show.
namespace loadgen::targets {

enum class ErrorCode {
  kInvalidLimit,   // page size outside [Paginator::kMinLimit, Paginator::kMaxLimit]
  kInvalidOffset,  // negative offset
  kInvalidCursor,  // malformed, truncated, forged, other key, unknown version, future-dated
  kExpiredCursor,  // well-formed and authentic, but older than the codec's max age
  kSetup,          // a bad key or seed option, or no system randomness: fix the server set-up
  kDatabase,       // SQLite failed (I/O, locking, missing or foreign schema): the server's fault
};

// True when the request was at fault (HTTP 400); false for server-side failures (HTTP 500).
constexpr bool is_client_error(ErrorCode code) {
  return code != ErrorCode::kDatabase && code != ErrorCode::kSetup;
}

// A stable, lower-case name for logs and JSON error bodies ("invalid_cursor", ...).
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;  // one sentence a client can read, e.g. "limit must be between ..."
};

// A value or the Error saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    LG_CHECK(ok(), "value() on a failed Result");
    return std::get<T>(state_);
  }
  T& value() & {
    LG_CHECK(ok(), "value() on a failed Result");
    return std::get<T>(state_);
  }
  T&& value() && {
    LG_CHECK(ok(), "value() on a failed Result");
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    LG_CHECK(!ok(), "error() on a successful Result");
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Success with nothing to return, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  const Error& error() const {
    LG_CHECK(!ok(), "error() on a successful Result");
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace loadgen::targets
