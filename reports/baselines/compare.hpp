#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/baseline_result.hpp"
#include "harness/slo/tolerance.hpp"

// Compares a run with its baseline, both as result.json documents (a baseline file is a
// subset of one). For every request name and for all of them ("http"): p50 and p99 (median
// of the per-second values), rps (mean of the per-second rates) and the error rate (errors
// over requests). Only seconds after warm-up and before the plan ended are compared. A check
// is a regression when the change is worse than its tolerance and significant: the 95%
// bootstrap interval over the seconds excludes no change and a Mann-Whitney U test agrees
// (p < 0.05; harness/slo/change_stats.hpp).
namespace loadgen::reports {

run::BaselineComparison compare_runs(const nlohmann::json& base, const nlohmann::json& current,
                                     const slo::Tolerances& tolerances, const std::string& base_file);

}  // namespace loadgen::reports
