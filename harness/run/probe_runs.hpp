#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "harness/core/expected.hpp"
#include "harness/run/probe_results.hpp"
#include "harness/scenario/scenario.hpp"
#include "probes/resource_sampler.hpp"
#include "probes/startup_run.hpp"

// The probes as a run uses them: the start-up runs of a `startup:` block, the timed single
// start of `target.start`, and the resource sampling of the target and of loadgen itself.
namespace loadgen::run {

// The startup probe's options from the scenario's block (templates in their source form:
// the probe binds ${port} per run).
probes::StartupOptions startup_options_of(const scenario::StartupSpec& spec);

// Runs a `startup:` block; fails only when its options cannot be run.
core::Expected<StartupOutcome> run_startup_block(const scenario::StartupSpec& spec,
                                                 const std::atomic<bool>* interrupted);

// target.start as one timed start: phases `listening` (the port accepts a connection) and
// `ready` (the ready path answers 2xx). The target's streams are copied into report_dir.
probes::StartOptions target_start_options(const scenario::StartSpec& spec, const std::string& report_dir);

// The one start of target.start as a start-up outcome with one run.
StartupOutcome single_start_outcome(const probes::StartOptions& options, const probes::TimedStart& start);

// "the target exited with status 4 before 'ready'" plus the tail of its stderr, for exit 3.
std::string start_failure_text(const probes::TimedStart& start);


// Samples the target (when there is one) and loadgen itself for the length of a run.
// The RSS slope says "leak" only of memory that grows after start-up: it leaves out the
// warm-up and at least the first kSlopeSettle, and needs kSlopeMinSpan of samples after that.
inline constexpr auto kSlopeSettle = std::chrono::seconds(10);
inline constexpr auto kSlopeMinSpan = std::chrono::seconds(30);

class ResourceWatch {
 public:
  // `loadgen_capacity_cores`: what loadgen's own saturation is judged against (its threads);
  // `warmup`: the scenario's, which the RSS slope leaves out (with at least kSlopeSettle).
  ResourceWatch(std::chrono::nanoseconds interval, double loadgen_capacity_cores, std::chrono::nanoseconds warmup);
  // Starts sampling `pid`; the error says why it cannot be read.
  core::Expected<bool> watch_target(pid_t pid);
  void watch_loadgen();
  // Stops both and returns what they saw, with times relative to `zero` (the load's start).
  ResourcesResult finish(std::chrono::steady_clock::time_point zero);

 private:
  struct Watched {
    std::unique_ptr<probes::ResourceSampler> sampler;
    std::chrono::steady_clock::time_point started;
    pid_t pid = 0;
  };
  std::optional<ProcessResources> collect(Watched& w, std::chrono::steady_clock::time_point zero) const;

  std::chrono::nanoseconds interval_;
  double loadgen_capacity_cores_;
  probes::SlopeWindow slope_;
  Watched target_, loadgen_;
};

}  // namespace loadgen::run
