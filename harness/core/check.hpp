#pragma once

#include <string_view>

namespace loadgen::core {

// Reports a broken invariant with its file and line, then aborts. Invariants are bugs in
// loadgen itself, never bad input: input problems are collected and reported instead.
// (File and line come from the macro, not std::source_location: clang 14, which builds the
// fuzz targets, has no source_location with libstdc++ 12.)
[[noreturn]] void check_failed(std::string_view expr, std::string_view message, const char* file, int line);

}  // namespace loadgen::core

#define LG_CHECK(cond, message)                                             \
  do {                                                                      \
    if (!(cond)) [[unlikely]] {                                             \
      ::loadgen::core::check_failed(#cond, (message), __FILE__, __LINE__);  \
    }                                                                       \
  } while (false)
