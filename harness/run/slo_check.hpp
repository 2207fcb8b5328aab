#pragma once

#include <vector>

#include "harness/run/result.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::run {

// Evaluates the scenario's SLOs against what was measured, fills result.slo and
// result.verdict ("pass" only when every SLO held and the run was not interrupted).
void check_slos(const std::vector<scenario::SloSpec>& slos, Result& result);

}  // namespace loadgen::run
