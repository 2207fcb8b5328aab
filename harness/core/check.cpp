#include "harness/core/check.hpp"

#include <cstdio>
#include <cstdlib>

namespace loadgen::core {

void check_failed(std::string_view expr, std::string_view message, const char* file, int line) {
  std::fprintf(stderr, "loadgen: internal check failed at %s:%d: %.*s (%.*s)\n", file, line,
               static_cast<int>(message.size()), message.data(), static_cast<int>(expr.size()), expr.data());
  std::abort();
}

}  // namespace loadgen::core
