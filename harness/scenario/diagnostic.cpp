#include <fmt/format.h>

#include "harness/scenario/loader.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::scenario {

std::string SourceLocation::str() const {
  // Values given on the command line have no line: "--set load.rate".
  if (line <= 0)
    return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::str() const {
  return fmt::format("{}: {}", where.str(), message);
}

}  // namespace loadgen::scenario
