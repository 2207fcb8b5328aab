#pragma once

#include <nlohmann/json.hpp>

#include "harness/run/target_metrics_result.hpp"

// The `target_metrics` section of result.json: how scraping went, and each kept series' timeline
// as loadgen reads it (a counter's rate per second, a gauge's values, a histogram's observations
// per second and p50/p90/p99 per interval, a summary's quantiles). Times in seconds since the
// load's time zero.
namespace loadgen::reports {

nlohmann::json target_metrics_json(const run::TargetMetricsResult& metrics);

}  // namespace loadgen::reports
