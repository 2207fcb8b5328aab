#pragma once

#include <string>
#include <utility>
#include <variant>

#include "harness/core/check.hpp"

namespace loadgen::core {

// A value or the message saying why there is none. std::expected is C++23; this is the
// small subset we need, so that parsers return their errors instead of throwing.
template <typename T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  static Expected failure(std::string message) { return Expected(Error{std::move(message)}); }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    LG_CHECK(ok(), "value() on a failed Expected");
    return std::get<T>(state_);
  }
  T&& value() && {
    LG_CHECK(ok(), "value() on a failed Expected");
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  const std::string& error() const {
    LG_CHECK(!ok(), "error() on a successful Expected");
    return std::get<Error>(state_).message;
  }

 private:
  struct Error {
    std::string message;
  };
  explicit Expected(Error e) : state_(std::move(e)) {}
  std::variant<T, Error> state_;
};

}  // namespace loadgen::core
