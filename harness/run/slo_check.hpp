#pragma once

#include <vector>

#include "harness/run/result.hpp"
#include "harness/run/slo_scopes.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::run {

// Evaluates the scenario's SLOs against what was measured, fills result.slo, result.verdict
// and result.verdict_reasons. "pass" only when every SLO held, the run was not interrupted,
// and no start-up run failed (unless an SLO on startup.<phase>.failed allows it); with no
// SLOs the verdict is "none" (nothing judged), or "fail" when no request succeeded.
// SLOs with stage, window or name tags are judged from `scoped`, which watched the run;
// without it they have no samples.
void check_slos(const std::vector<scenario::SloSpec>& slos, Result& result,
                const ScopedSlos* scoped = nullptr);

// The parsed expressions of `slos` (those that parse), e.g. to build a ScopedSlos.
std::vector<slo::Expression> parse_slos(const std::vector<scenario::SloSpec>& slos);

}  // namespace loadgen::run
