#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "probes/metrics_capture.hpp"
#include "probes/metrics_scraper.hpp"

// What a run scraped from the target's metrics endpoint (probes.metrics): the kept series as
// scraped (cumulative counters and buckets, as the target exposed them), and how scraping went.
// Rates, quantiles and SLO values are derived from these (target_metric_view.hpp).
namespace loadgen::run {

struct TargetMetricsResult {
  std::string url;
  double interval_s = 0;
  std::vector<std::string> selectors;  // what was asked for; empty: everything, up to max_series
  size_t max_series = 0;
  std::vector<double> times;           // each kept scrape, seconds since the load's time zero
  std::vector<probes::CapturedSeries> series;
  probes::ScrapeStats stats;
  size_t series_refused = 0;  // selected series beyond max_series, in the last scrape
  size_t samples_last = 0;    // samples of the last exposition, selected or not
  size_t keep_every = 1;      // > 1: the timeline was thinned to stay within its memory bound
  size_t memory_bytes = 0;    // what the kept series hold
};

}  // namespace loadgen::run
