#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/run/slo_window.hpp"
#include "harness/run/target_metrics_result.hpp"
#include "harness/slo/expression.hpp"

// A scraped series read the way Prometheus reads it: a counter as its per-second rate between
// scrapes (an increase across a reset counts from zero, as rate() does), a gauge as its values, a
// histogram as the bucket increases of each interval with quantiles interpolated by
// histogram_quantile's rule, a summary as the quantiles the target computed.
namespace loadgen::run {

struct SeriesTimeline {
  std::vector<double> t_s;    // the end of each interval (a gauge: each scrape), since time zero
  // counter: increase per second; gauge: the value; histogram and summary: observations per second
  std::vector<double> value;
  // histogram: p50, p90, p99 of each interval's observations (NaN: none); summary: each of its
  // quantiles as exposed ("0.99")
  std::vector<std::pair<std::string, std::vector<double>>> quantiles;
};
SeriesTimeline timeline_of(const probes::CapturedSeries& series, const std::vector<double>& times);

// target.metric.<name>{labels}.<stat> over the run after warm-up, a stage, or every window.
// Several series matching the labels are added up (as sum() would); a summary's quantiles
// cannot be added, so the worst of them is taken.
struct MetricObservation {
  std::optional<double> value;
  std::string problem;             // why there is no value: "no series ... in 12 scrapes"
  std::optional<SloWindow> window; // {window=...}: the worst window
  std::string series;              // which series were judged: "x{a=\"b\"}" or "3 series of x"
  bool seconds = false;            // the metric is in seconds (its observed value reads as a duration)
};

// `stages`: (stage name, start, end) in seconds since time zero, from the run's timeline.
struct StageSpan {
  std::string name;
  double start_s = 0, end_s = 0;
};
MetricObservation observe_target_metric(const TargetMetricsResult& metrics, const slo::Expression& e,
                                        double warmup_s, const std::vector<StageSpan>& stages);

}  // namespace loadgen::run
