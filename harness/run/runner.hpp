#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/load/engine.hpp"
#include "harness/metrics/histogram.hpp"
#include "harness/run/result.hpp"
#include "harness/run/shard.hpp"
#include "harness/scenario/scenario.hpp"
#include "probes/child_process.hpp"

// Runs one load scenario end to end: starts the target if asked, drives the engine, samples
// it once a second into the timeline, stops the target, and returns what was measured.
namespace loadgen::run {

struct IntervalView {
  double start_s = 0;                        // since time zero
  const TimelinePoint& point;
  const load::IntervalSnapshot& snapshot;    // this interval's histograms, per name
  const std::vector<std::string>& names;
  bool in_warmup = false;
  // This interval's latency over all HTTP requests (flows, being journeys of requests, left
  // out), merged once by the runner for every observer: corrected and service time.
  const metrics::Histogram* all_corrected = nullptr;
  const metrics::Histogram* all_service = nullptr;
};

// Sees each interval as it is measured: live progress, the .hlog writer.
class IntervalObserver {
 public:
  virtual ~IntervalObserver() = default;
  virtual void on_start(const Result& run) = 0;  // scenario, start time, plan are set
  virtual void on_interval(const IntervalView& interval) = 0;
  virtual void on_finish(const Result& run) = 0;
};

struct RunOptions {
  std::string report_dir;
  int threads = 0;                               // 0: the scenario's, else the machine's cores
  std::vector<IntervalObserver*> observers;
  const std::atomic<bool>* interrupted = nullptr;  // set by SIGINT/SIGTERM
  std::optional<int> target_pid;                   // --target-pid: a process to sample
  std::optional<ShardSpec> shard;                  // --shard I/N: this process's share
  // --start-at: time zero for the schedule and the one-second intervals, agreed by shards.
  std::optional<std::chrono::system_clock::time_point> start_at;
};

struct RunFailure {
  enum class Kind { kNone, kBadInput, kTargetFailed } kind = Kind::kNone;
  std::string message;
};

// On a target that cannot be started the failure says so and the result holds what is
// known (target info, stderr paths); the load did not run.
Result run_scenario(const scenario::Scenario& scenario, const RunOptions& options, RunFailure& failure);

// The target for the whole of a command: started once (when loadgen starts it) and kept
// across the trials that each drive one plan, so that a run is one trial and a capacity
// search is many.
class TargetSession {
 public:
  TargetSession() = default;
  ~TargetSession();  // stops a target still running
  TargetSession(const TargetSession&) = delete;
  TargetSession& operator=(const TargetSession&) = delete;

  // Starts the target when the scenario asks (its phases timed into `result`) and binds the
  // base URL; false with `failure` set when it could not be started.
  bool start(const scenario::Scenario& sc, const RunOptions& options, Result& result, RunFailure& failure);
  // A result that holds what every trial shares: scenario, target, start-up.
  Result begin_trial() const;
  // The process the resources probe watches: the started target, --target-pid, or the pid
  // file's (a warning in `result` when that cannot be read); 0 for none.
  pid_t watched_pid(const RunOptions& options, Result& result) const;
  bool target_exited();
  // probes.metrics' endpoint, bound to the target's port; "" without probes.metrics.
  const std::string& metrics_url() const { return metrics_url_; }
  // Stops the target, noting in `result` whether it had exited by itself.
  void finish(Result& result);

 private:
  const scenario::Scenario* sc_ = nullptr;
  std::unique_ptr<probes::ChildProcess> launched_;
  std::chrono::nanoseconds stop_grace_{0};
  std::string metrics_url_;
  Result header_;
};

// Drives one plan (the scenario's load) against the session's target and returns what was
// measured: the timeline, latencies, counters, resources. SLOs are judged by the caller.
Result run_trial(const scenario::Scenario& sc, TargetSession& session, const RunOptions& options,
                 RunFailure& failure, Result result);

// Feeds `intervals` intervals measured elsewhere (shards' logs, added together) through the
// sampling, observers and summaries a run uses, so that a merge gives what one run would.
Result replay_trial(const scenario::Scenario& sc, load::IntervalSource& source, size_t intervals,
                    const RunOptions& options, Result result);

}  // namespace loadgen::run
