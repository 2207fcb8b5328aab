#pragma once

#include <source_location>
#include <string_view>

namespace loadgen::core {

// Reports a broken invariant with its file and line, then aborts. Invariants are bugs in
// loadgen itself, never bad input: input problems are collected and reported instead.
[[noreturn]] void check_failed(std::string_view expr, std::string_view message,
                               std::source_location where = std::source_location::current());

}  // namespace loadgen::core

#define LG_CHECK(cond, message)                                    \
  do {                                                             \
    if (!(cond)) [[unlikely]] {                                    \
      ::loadgen::core::check_failed(#cond, (message));             \
    }                                                              \
  } while (false)
