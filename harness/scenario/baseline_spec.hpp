#pragma once

#include <map>
#include <optional>
#include <string>

namespace loadgen::scenario {

// baseline: the run this scenario is compared with, and how much worse it may be.
struct BaselineSpec {
  std::string file;  // a baseline file, result.json or report directory (relative to the working directory)
  // metric (p50, p99, rps, error_rate) -> fraction; empty optional: off. Unlisted: defaults.
  std::map<std::string, std::optional<double>> tolerance;
};

}  // namespace loadgen::scenario
