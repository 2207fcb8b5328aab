#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/metrics/histogram.hpp"
#include "probes/startup_run.hpp"

// The startup probe: starts the target afresh `runs` times and times each declared phase from
// the spawn, giving each phase a distribution over the runs. A run in which the target exits or
// a phase does not arrive in time is a failed run, reported with why; the others go on.
namespace loadgen::probes {

// A group of runs to compare with the others (e.g. sequential vs staged start-up): the common
// command with these arguments appended and these variables added.
struct StartupVariant {
  std::string name;
  std::vector<std::string> extra_args;     // may use ${port}
  std::map<std::string, std::string> env;  // added to (or replacing) the common env
};

struct StartupOptions {
  std::vector<std::string> argv;           // the target; "${port}" replaced per run
  std::map<std::string, std::string> env;  // values may use ${port}
  std::vector<std::string> before_each;    // run to completion before every start; empty: none
  std::vector<PhaseProbe> phases;          // in the order reports show them
  // Empty: one group named "". Otherwise runs alternate between the variants (A B A B ...),
  // so that a machine getting busier or quieter during the probe affects each alike.
  std::vector<StartupVariant> variants;
  int runs = 10;                                                  // per variant, at least 1
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);    // per run, spawn to last phase
  std::chrono::nanoseconds stop_grace = std::chrono::seconds(5);  // SIGTERM, then SIGKILL
  std::string host = "127.0.0.1";
  std::optional<int> port;  // fixed; see StartOptions::port
  PollPace pace;
};

struct PhaseRuns {
  std::string name;
  // Spawn to phase, in ns, of every run that reached it (1 ns to 1 h, 3 significant digits).
  metrics::Histogram histogram = metrics::Histogram::for_latency_ns();
  std::vector<std::optional<std::chrono::nanoseconds>> per_run;  // by run; nothing: missed
  // Detected minus the target's own time of the phase, for runs where it printed one
  // ("loadgen-phase NAME NS"); positive: noticed late.
  std::vector<std::chrono::nanoseconds> detection_errors;
  int missed = 0;  // runs that did not reach it (the startup.<phase>.failed stat)
};

struct FailedRun {
  int run = 0;                   // 0-based, within its variant
  std::string phase;             // the first phase (as declared) that did not arrive
  std::string reason;            // "the target exited with status 3 before 'ready'" ...
  std::string exit_description;  // when the target ended by itself; "" when loadgen stopped it
  std::optional<int> exit_code;
  std::vector<std::string> stderr_tail;
};

struct VariantRuns {
  std::string name;               // "" without variants
  int runs = 0;                   // runs attempted
  std::vector<PhaseRuns> phases;  // as declared
  std::vector<FailedRun> failed;  // in run order
};

struct StartupResult {
  std::vector<VariantRuns> variants;  // one per variant, in the order given (at least one)
  bool interrupted = false;           // the runs stopped early; what ran is still here
};

// Fails only when the options cannot be run (see check_startup_options). `interrupted` (may
// be null) is polled: the run in progress is stopped and the result holds what ran.
core::Expected<StartupResult> run_startup_probe(const StartupOptions& options,
                                                const std::atomic<bool>* interrupted);

// Problems with the options, all of them; empty when they can be run.
std::vector<std::string> check_startup_options(const StartupOptions& options);

// How far detection was from the truth the target reported, over the runs.
struct DetectionErrorSummary {
  size_t samples = 0;
  std::chrono::nanoseconds median{0};   // signed
  std::chrono::nanoseconds max_abs{0};  // the worst, either way
};
std::optional<DetectionErrorSummary> summarize_detection_errors(
    std::span<const std::chrono::nanoseconds> errors);

}  // namespace loadgen::probes
