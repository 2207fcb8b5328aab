#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "probes/exposition.hpp"
#include "probes/prometheus_math.hpp"

// The series of a target's metrics endpoint that a run keeps, scrape after scrape. Series are
// chosen by selectors (or, without any, the first `max_series` seen), so that a target exposing
// 100,000 series costs the parse and nothing more: unselected samples are dropped as they are
// read. What is kept is bounded too: rows x cells, thinned (every other scrape dropped) once
// `max_cells` is reached, as the resource sampler thins its timeline.
namespace loadgen::probes {

// How a series is read, from its family's TYPE.
enum class SeriesShape {
  kCounter,    // a cumulative count (`_total`): charted and judged as a rate
  kGauge,      // a value (also untyped and unknown samples)
  kHistogram,  // cumulative buckets, `_count`, `_sum`
  kSummary,    // quantiles as the target computed them, `_count`, `_sum`
};
std::string_view to_string(SeriesShape shape);

using LabelList = std::vector<std::pair<std::string, std::string>>;

// Whether a selector's name names a family, as the user knows it: with or without a counter's
// `_total` (OpenMetrics names the family without it, the text format usually with it).
bool names_family(std::string_view selector_name, std::string_view family);

struct CapturedSeries {
  std::string family;  // as exposed: "refserver_db_query_seconds", "node_cpu_seconds_total"
  LabelList labels;    // sorted by name; without `le` (histograms) and `quantile` (summaries)
  SeriesShape shape = SeriesShape::kGauge;
  std::string unit;    // OpenMetrics # UNIT, when given
  std::string help;
  // Histogram: the buckets' upper bounds, ascending (+Inf last). Summary: its quantiles.
  std::vector<double> bounds;
  // One row per kept scrape (MetricsCapture::times()), `width()` cells each: counter and gauge
  // one value; histogram the cumulative count of each bound, then count and sum; summary each
  // quantile's value, then count and sum. NaN: the series was absent from that scrape.
  std::vector<double> cells;

  size_t width() const { return shape == SeriesShape::kCounter || shape == SeriesShape::kGauge ? 1 : bounds.size() + 2; }
  size_t rows() const { return width() == 0 ? 0 : cells.size() / width(); }
  double at(size_t row, size_t column) const { return cells[row * width() + column]; }
  std::string key() const;  // name{a="b",...}, as a selector would write it
};

struct CaptureOptions {
  std::vector<SeriesSelector> select;  // empty: every series, up to max_series
  size_t max_series = 200;
  size_t max_cells = size_t{4} << 20;  // 32 MiB of doubles
};

class MetricsCapture {
 public:
  explicit MetricsCapture(CaptureOptions options);

  // Reads one scrape taken `t_s` seconds after the capture's zero. A malformed exposition keeps
  // nothing of that scrape and returns where it is malformed.
  std::optional<ExpositionError> add_scrape(double t_s, std::string_view text, ExpositionFormat format);

  const std::vector<double>& times() const { return times_; }
  const std::vector<CapturedSeries>& series() const { return series_; }
  // Series the last scrape exposed that were selected but not kept (beyond max_series).
  size_t series_refused() const { return refused_; }
  size_t samples_last() const { return samples_last_; }  // samples in the last scrape, all of them
  size_t keep_every() const { return keep_every_; }      // 1 until thinned
  size_t scrapes() const { return scrapes_; }            // every scrape read without error
  size_t bytes() const;                                   // memory held by the kept series

 private:
  class Reader;
  struct Pending {
    bool touched = false;
    std::vector<std::pair<double, double>> parts;  // (bound, value): buckets or quantiles
    double value = 0, count = std::numeric_limits<double>::quiet_NaN(), sum = std::numeric_limits<double>::quiet_NaN();
  };
  bool selected_family(std::string_view family) const;
  void commit(double t_s);
  void thin();

  CaptureOptions options_;
  std::vector<std::string> selected_names_;
  std::vector<double> times_;
  std::vector<CapturedSeries> series_;
  std::unordered_map<std::string, size_t> index_;  // key -> series_
  std::vector<Pending> pending_;                    // beside series_, for the scrape being read
  std::unordered_map<std::string, std::string> units_, helps_;
  size_t refused_ = 0, samples_last_ = 0, keep_every_ = 1, scrapes_ = 0;
};

}  // namespace loadgen::probes
