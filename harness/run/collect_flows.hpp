#pragma once

#include "harness/load/engine.hpp"
#include "harness/run/result.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::run {

// Fills result.flows and result.feeds once the run is over (by_name already summarised),
// with a warning for each feed that ran out or had rows it could not read.
void collect_flows(const scenario::Scenario& sc, const load::Engine& engine, Result& result);

// How long a run waits after the plan for the flows still going.
std::chrono::nanoseconds flow_drain_limit(const scenario::Scenario& sc);

}  // namespace loadgen::run
