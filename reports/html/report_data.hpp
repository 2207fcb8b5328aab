#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/metrics/histogram.hpp"
#include "harness/run/result.hpp"

// The data block report.html's charts draw from: columns rather than rows (one array per
// series, as uPlot takes them), figures rounded to what a chart can show, so a 24-hour soak
// (86,400 seconds) stays a few MB and parses in tens of milliseconds.
namespace loadgen::reports::html {

nlohmann::json report_data(const run::Result& result);

// The percentile spectrum on HdrHistogram's log axis: x = 1/(1-p) on a shared grid of 20
// points per decade, from 1 (p0) up to the largest count; each histogram's values in ms at
// those x while x <= its count, then its max once (where its line ends), then null.
struct Spectrum {
  std::vector<double> x;
  std::vector<std::vector<std::optional<double>>> values_ms;  // one per histogram, aligned with x
};
Spectrum percentile_spectrum(const std::vector<const metrics::Histogram*>& histograms);

}  // namespace loadgen::reports::html
