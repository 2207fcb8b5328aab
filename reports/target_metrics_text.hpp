#pragma once

#include <string>
#include <vector>

#include "harness/run/result.hpp"

// The target's scraped metrics in the console summary and summary.md: how scraping went, and a
// line for each series an SLO judges (its rate and percentiles, or its values, after warm-up).
// Empty when the run scraped nothing.
namespace loadgen::reports {

std::string target_metrics_console(const run::Result& r);
std::string target_metrics_markdown(const run::Result& r);

// Each series an SLO names, with its figures after warm-up ("rate 120/s, p50 1.2ms, ...").
struct JudgedSeries {
  std::string selector;  // "db_query_seconds{query=\"list_items\"}"
  std::string figures;
};
std::vector<JudgedSeries> judged_series(const run::Result& r);

}  // namespace loadgen::reports
