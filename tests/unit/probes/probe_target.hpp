#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "probes/child_process.hpp"

// The probe tests' target program (tests/tools/probe_target.cpp) and waiting on its output.
namespace loadgen::probes::testing {

inline std::string probe_target() {
  return LOADGEN_PROBE_TARGET;
}

// Waits (bounded) for a line starting with `prefix`; false when it did not come.
inline bool wait_for_prefix(ChildProcess& process, const std::string& prefix,
                            std::chrono::seconds within = std::chrono::seconds(10)) {
  return process
      .wait_for_line([&prefix](const OutputLine& l) { return l.text.starts_with(prefix); },
                     Clock::now() + within)
      .has_value();
}

}  // namespace loadgen::probes::testing
