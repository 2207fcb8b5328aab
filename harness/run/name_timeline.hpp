#pragma once

#include <cstdint>

namespace loadgen::run {

// One request name over one interval of the timeline (same index as Result::timeline):
// what baseline comparisons judge per name, second by second.
struct NamePoint {
  double t_s = 0;       // end of the interval, since the start
  uint64_t count = 0;   // requests finished (ok or not)
  uint64_t errors = 0;
  double p50_ms = 0, p99_ms = 0;  // corrected; 0 when nothing finished
};

}  // namespace loadgen::run
