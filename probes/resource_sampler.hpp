#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "harness/core/expected.hpp"
#include "probes/proc_stat.hpp"
#include "probes/resource_stats.hpp"

// Samples a process's CPU, RSS, threads and open file descriptors from /proc at a fixed
// interval, on its own thread, for as long as a run lasts: the target (started by loadgen, or
// given by pid) and loadgen itself (getpid()), whose saturation the summary flags.
namespace loadgen::probes {

struct SamplerOptions {
  std::chrono::nanoseconds interval = std::chrono::milliseconds(100);
  // What saturation is judged against, in cores: for loadgen itself, e.g. its engine threads.
  // Nothing: every core of the machine.
  std::optional<double> capacity_cores;
  // The timeline keeps at most this many samples; beyond, every other one is dropped and the
  // spacing doubles. The summary always counts every sample.
  size_t max_kept_samples = 20'000;
  // The RSS slope's window (resource_stats.hpp).
  SlopeWindow slope;
  // The process and every process it started, summed (a target run through `bash -c` or a
  // launcher script is its children); false: the one process (loadgen itself, whose children
  // include the target).
  bool whole_tree = false;
};

class ResourceSampler {
 public:
  ResourceSampler(pid_t pid, SamplerOptions options);
  ResourceSampler(pid_t pid, std::chrono::nanoseconds interval)
      : ResourceSampler(pid, with_interval(interval)) {}
  ~ResourceSampler();  // stops
  ResourceSampler(const ResourceSampler&) = delete;
  ResourceSampler& operator=(const ResourceSampler&) = delete;

  // Takes the first sample at once and starts the thread. Fails when the process cannot be
  // read (it does not exist, or has already ended).
  core::Expected<ResourceSample> start();
  // Takes a last sample (unless the process has ended) and stops the thread. Idempotent.
  void stop();

  // True once the process ended while it was sampled; sampling stopped there.
  bool process_ended() const { return ended_.load(); }
  pid_t pid() const { return pid_; }
  std::vector<ResourceSample> samples() const;  // the kept timeline, oldest first
  ResourceSummary summary() const;

 private:
  static SamplerOptions with_interval(std::chrono::nanoseconds interval) {
    SamplerOptions options;
    options.interval = interval;
    return options;
  }
  void loop();
  // Reads /proc once and records the sample; false when the process has ended.
  bool sample_once();

  const pid_t pid_;
  const SamplerOptions options_;
  Clock::time_point started_at_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<ProcSnapshot> previous_;
  ResourceStats stats_{options_.slope};
  std::vector<ResourceSample> kept_;
  size_t keep_every_ = 1;  // keep one sample in this many
  size_t seen_ = 0;
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

}  // namespace loadgen::probes
