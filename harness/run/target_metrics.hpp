#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/run/target_metrics_result.hpp"
#include "harness/scenario/scenario.hpp"
#include "probes/metrics_scraper.hpp"

// probes.metrics as a run uses it: which series to keep, where to scrape, and the scraper
// running beside the load for the length of a trial.
namespace loadgen::run {

// The series to keep: `select:`, plus every series a target.metric SLO names; with neither,
// every series up to max_series.
probes::CaptureOptions capture_options(const scenario::MetricsSpec& spec, const std::vector<scenario::SloSpec>& slos);

// The endpoint: a path is taken on the (bound) base URL; a whole URL has ${port} bound.
std::string scrape_url_of(const scenario::MetricsSpec& spec, const std::string& base_url, int port);

class MetricsWatch {
 public:
  // `tls`: target.tls, which an https:// metrics endpoint is trusted by as the target is.
  MetricsWatch(const scenario::MetricsSpec& spec, std::string url, const std::vector<scenario::SloSpec>& slos,
               const scenario::TlsSpec& tls = {});
  void start();  // scrapes at once, then every interval
  // Stops (after a last scrape) and returns what was kept, times relative to `zero` (the load's start).
  TargetMetricsResult finish(std::chrono::steady_clock::time_point zero);

 private:
  std::string url_;
  double interval_s_ = 0;
  std::vector<std::string> selectors_;
  size_t max_series_;
  std::unique_ptr<probes::MetricsScraper> scraper_;
};

}  // namespace loadgen::run
