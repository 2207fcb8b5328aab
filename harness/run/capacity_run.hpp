#pragma once

#include <functional>

#include "harness/run/capacity_result.hpp"
#include "harness/run/result.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/scenario.hpp"

// Runs a load.search: trials (one plan each, a constant level) against one target, kept
// started for the whole search, each judged by every SLO of the scenario but capacity.*;
// CapacitySearch chooses the levels.
namespace loadgen::run {

// Called as each trial finishes (for the console); `index` counts from 1.
using TrialListener = std::function<void(const CapacityTrial& trial, int index)>;

// The final result holds the figures of the last trial run (the confirming one when there
// was one), `capacity` with every trial and the answer, and every SLO judged: capacity.* on
// the answer, the others over that trial. Its verdict is "pass" only when a capacity was
// confirmed and every SLO holds. Interrupted: the trials so far, `interrupted` set.
Result run_capacity_search(const scenario::Scenario& sc, const RunOptions& options, RunFailure& failure,
                           const TrialListener& on_trial);

// A trial's summary line: "400/s for 10s: achieved 399.8/s, p99 4.52ms, errors 0%: PASS".
std::string trial_line(const CapacityTrial& trial, const std::string& unit);

}  // namespace loadgen::run
