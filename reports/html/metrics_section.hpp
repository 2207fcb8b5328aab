#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"

// report.html's "Target metrics" section: how scraping went, the judged series' figures, and a
// chart per series (the SLOs' series first) on the run's time axis, beside loadgen's own p99 or
// rate, so that what the target felt lines up with what loadgen measured.
namespace loadgen::reports::html {

// "" when the run scraped nothing.
std::string target_metrics_section(const run::Result& r);
// The charts' data for the page's JSON block; null when the run scraped nothing.
nlohmann::json target_metrics_data(const run::Result& r);

}  // namespace loadgen::reports::html
