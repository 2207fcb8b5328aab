#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/resource_stats.hpp"
#include "probes/startup_probe.hpp"

// What the probes measured during a run, as reports read it: the start-up phases (the runs of
// a `startup:` block, or the single start of `target.start`) and the resources of the target
// and of loadgen itself.
namespace loadgen::run {

struct ProcessResources {
  int pid = 0;
  double interval_s = 0;
  // Since the load's time zero (so it lines up with the timeline); the samples taken while
  // the target was starting are negative.
  double offset_s = 0;
  probes::ResourceSummary summary;
  std::vector<probes::ResourceSample> samples;  // the kept timeline, oldest first
};

struct ResourcesResult {
  std::optional<ProcessResources> target;
  std::optional<ProcessResources> loadgen;
  bool any() const { return target || loadgen; }
};

struct StartupOutcome {
  // true: the runs of a `startup:` block; false: the one start of target.start.
  bool from_startup_block = false;
  probes::StartupResult result;
};

}  // namespace loadgen::run
