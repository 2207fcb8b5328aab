#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/folded_stacks.hpp"

// What probes.profile recorded: one CPU profile of the target (and loadgen, with self: true) per
// profiled stage, folded, with its top functions; or why there is none.
namespace loadgen::run {

struct StageProfile {
  std::string stage;
  double start_s = 0, end_s = 0;  // since the load's time zero
  // "ok"; "unavailable" (perf missing or not permitted: `reason` says how to allow it);
  // "failed" (perf started but could not record or read: `reason` has its stderr);
  // "no samples" (the processes were idle, or their stacks could not be read).
  std::string status;
  std::string reason;
  std::string folded_file;  // "profile.<stage>.folded", in the report directory
  int frequency = 0;
  std::string call_graph;
  std::vector<int> pids;
  bool includes_loadgen = false;
  uint64_t samples = 0;
  std::vector<probes::FunctionShare> functions;  // every function, by total share (reports take the top)
  probes::FoldedStacks folded;                   // for the flame graph
};

}  // namespace loadgen::run
