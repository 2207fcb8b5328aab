#include "harness/run/target_metric_view.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "probes/prometheus_math.hpp"

namespace loadgen::run {
namespace {

using probes::CapturedSeries;
using probes::SeriesShape;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::array<std::pair<const char*, double>, 3> kChartedQuantiles = {{{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}}};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Each interval between kept scrapes, as one or more series added up: how much each column grew
// (counters, buckets, count, sum) or what it was at the interval's end (gauges, quantiles).
struct Interval {
  double start_s = 0, end_s = 0;
  std::vector<double> grew;  // per column; NaN: not seen at both ends
  // A summary's quantile columns cannot be added: grew holds the highest of the series' values,
  // and this the lowest (empty for other shapes).
  std::vector<double> least;
};

// The increase of column `c` from the last row before `r` that has it, across resets.
std::vector<Interval> intervals_of(const std::vector<const CapturedSeries*>& group, const std::vector<double>& times) {
  std::vector<Interval> out;
  if (group.empty()) return out;
  const size_t width = group.front()->width();
  const bool cumulative = group.front()->shape != SeriesShape::kGauge;
  std::vector<std::vector<double>> last(group.size(), std::vector<double>(width, kNaN));
  // A cumulative series missing from some scrapes: its next increase spans the gap, so the
  // interval starts at the last scrape that had it (else the gap's time would be lost from rates).
  const auto& lead = *group.front();
  const size_t lead_column = lead.shape == SeriesShape::kCounter ? 0 : lead.bounds.size();
  std::optional<size_t> lead_seen;
  for (size_t r = 0; r < times.size(); ++r) {
    double start = r == 0 ? times[r] : times[r - 1];
    if (cumulative && r < lead.rows() && lead_column < width && !std::isnan(lead.at(r, lead_column))) {
      if (lead_seen) start = times[*lead_seen];
      lead_seen = r;
    }
    Interval iv{start, times[r], std::vector<double>(width, kNaN), {}};
    if (group.front()->shape == SeriesShape::kSummary) iv.least.assign(width, kNaN);
    bool any = false;
    for (size_t g = 0; g < group.size(); ++g) {
      const auto& s = *group[g];
      if (r >= s.rows()) continue;
      for (size_t c = 0; c < width; ++c) {
        const double v = s.at(r, c);
        if (!std::isfinite(v) && !std::isinf(v)) continue;
        if (s.shape == SeriesShape::kSummary && c < s.bounds.size()) {
          // Summary quantiles are values, not counts: taken as they are, the highest and the
          // lowest of the series.
          iv.grew[c] = std::isnan(iv.grew[c]) ? v : std::max(iv.grew[c], v);
          iv.least[c] = std::isnan(iv.least[c]) ? v : std::min(iv.least[c], v);
          any = true;
          continue;
        }
        double add = v;
        if (cumulative) {
          add = std::isnan(last[g][c]) ? kNaN : probes::counter_increase(last[g][c], v);
          last[g][c] = v;
        }
        if (std::isnan(add)) continue;
        iv.grew[c] = std::isnan(iv.grew[c]) ? add : iv.grew[c] + add;
        any = true;
      }
    }
    if (any && (r > 0 || !cumulative)) out.push_back(std::move(iv));
  }
  return out;
}

double quantile_of(const std::vector<double>& bounds, const std::vector<double>& grew, double q) {
  std::vector<probes::Bucket> buckets;
  buckets.reserve(bounds.size());
  for (size_t b = 0; b < bounds.size(); ++b) {
    if (!std::isnan(grew[b])) buckets.push_back({bounds[b], grew[b]});
  }
  return probes::histogram_quantile(q, std::move(buckets));
}

bool worse(double a, double b, slo::Comparison op) {
  if (op == slo::Comparison::kGreater || op == slo::Comparison::kGreaterEqual) return a < b;
  return a > b;
}

// One stat of a group of series over some of its intervals.
class Judge {
 public:
  Judge(const std::vector<const CapturedSeries*>& group, const slo::Expression& e) : s_(*group.front()), e_(e) {}

  // Why this stat does not apply to this kind of series, or "".
  std::string unfit() const {
    const auto kind = probes::to_string(s_.shape);
    const bool percentile = e_.percentile.has_value();
    switch (s_.shape) {
      case SeriesShape::kCounter:
        if (e_.stat != "rate" && e_.stat != "max" && e_.stat != "min" && e_.stat != "mean" && e_.stat != "last") {
          return fmt::format("{} is a counter: judge its rate (or the max, min, avg, last of its rate), not {}", s_.family, e_.stat);
        }
        return {};
      case SeriesShape::kGauge:
        if (percentile || e_.stat == "rate") {
          return fmt::format("{} is a {}: judge its max, min, avg or last, not {}", s_.family, kind,
                             percentile ? "a percentile" : "a rate");
        }
        return {};
      case SeriesShape::kHistogram:
        if (!percentile && e_.stat != "rate" && e_.stat != "mean") {
          return fmt::format("{} is a histogram: judge a percentile (p99), its rate or avg, not {}", s_.family, e_.stat);
        }
        return {};
      case SeriesShape::kSummary:
        if (percentile) {
          const double q = *e_.percentile / 100;
          if (std::none_of(s_.bounds.begin(), s_.bounds.end(), [&](double b) { return std::abs(b - q) < 1e-9; })) {
            std::vector<std::string> have;
            for (double b : s_.bounds) have.push_back(fmt::format("p{:g}", b * 100));
            return fmt::format("the summary {} has no quantile {:g} (it has {})", s_.family, q,
                               have.empty() ? "none" : fmt::format("{}", fmt::join(have, ", ")));
          }
          return {};
        }
        if (e_.stat != "rate" && e_.stat != "mean") {
          return fmt::format("{} is a summary: judge one of its quantiles (p99), its rate or avg, not {}", s_.family, e_.stat);
        }
        return {};
    }
    return {};
  }

  // NaN: nothing to judge in these intervals.
  double value(const std::vector<Interval>& ivs, size_t begin, size_t end) const {
    if (begin >= end) return kNaN;
    const size_t width = s_.width();
    const size_t count_col = s_.bounds.size(), sum_col = count_col + 1;
    if (s_.shape == SeriesShape::kGauge || (s_.shape == SeriesShape::kCounter && e_.stat != "rate")) {
      return over_points(ivs, begin, end);
    }
    std::vector<double> total(width, kNaN);
    double span = 0;
    double worst_quantile = kNaN;
    const double q = e_.percentile.value_or(0) / 100;
    for (size_t i = begin; i < end; ++i) {
      span += ivs[i].end_s - ivs[i].start_s;
      for (size_t c = 0; c < width; ++c) {
        if (std::isnan(ivs[i].grew[c])) continue;
        total[c] = std::isnan(total[c]) ? ivs[i].grew[c] : total[c] + ivs[i].grew[c];
      }
      if (s_.shape == SeriesShape::kSummary && e_.percentile) {
        const bool low_is_worse = e_.op == slo::Comparison::kGreater || e_.op == slo::Comparison::kGreaterEqual;
        for (size_t b = 0; b < s_.bounds.size(); ++b) {
          const double v = low_is_worse ? ivs[i].least[b] : ivs[i].grew[b];
          if (std::abs(s_.bounds[b] - q) < 1e-9 && !std::isnan(v) && (std::isnan(worst_quantile) || worse(v, worst_quantile, e_.op))) {
            worst_quantile = v;
          }
        }
      }
    }
    if (s_.shape == SeriesShape::kCounter) return span > 0 && !std::isnan(total[0]) ? total[0] / span : kNaN;
    if (e_.stat == "rate") return span > 0 && !std::isnan(total[count_col]) ? total[count_col] / span : kNaN;
    if (e_.stat == "mean") {
      return total[count_col] > 0 ? total[sum_col] / total[count_col] : kNaN;
    }
    if (s_.shape == SeriesShape::kSummary) return worst_quantile;
    return quantile_of(s_.bounds, total, q);
  }

 private:
  // A gauge's values, or a counter's per-interval rates: max, min, mean, last.
  double over_points(const std::vector<Interval>& ivs, size_t begin, size_t end) const {
    double acc = kNaN, sum = 0, last = kNaN;
    size_t n = 0;
    for (size_t i = begin; i < end; ++i) {
      double v = ivs[i].grew[0];
      if (std::isnan(v)) continue;
      if (s_.shape == SeriesShape::kCounter) {
        const double dt = ivs[i].end_s - ivs[i].start_s;
        if (dt <= 0) continue;
        v /= dt;
      }
      if (std::isnan(acc) || (e_.stat == "max" ? v > acc : v < acc)) acc = v;
      sum += v;
      ++n;
      last = v;
    }
    if (n == 0) return kNaN;
    if (e_.stat == "mean") return sum / static_cast<double>(n);
    if (e_.stat == "last") return last;
    return acc;
  }

  const CapturedSeries& s_;
  const slo::Expression& e_;
};

std::string selector_text(const slo::Expression& e) {
  probes::SeriesSelector sel{e.metric.substr(std::string_view("target.metric.").size()), e.labels};
  return sel.str();
}

}  // namespace

SeriesTimeline timeline_of(const CapturedSeries& series, const std::vector<double>& times) {
  SeriesTimeline out;
  const auto ivs = intervals_of({&series}, times);
  const size_t count_col = series.bounds.size();
  if (series.shape == SeriesShape::kHistogram) {
    for (const auto& [name, q] : kChartedQuantiles) out.quantiles.emplace_back(name, std::vector<double>{});
  } else if (series.shape == SeriesShape::kSummary) {
    for (double b : series.bounds) out.quantiles.emplace_back(fmt::format("{}", b), std::vector<double>{});
  }
  for (const auto& iv : ivs) {
    const double dt = iv.end_s - iv.start_s;
    double v = kNaN;
    switch (series.shape) {
      case SeriesShape::kGauge: v = iv.grew[0]; break;
      case SeriesShape::kCounter: v = dt > 0 ? iv.grew[0] / dt : kNaN; break;
      default: v = dt > 0 ? iv.grew[count_col] / dt : kNaN; break;
    }
    if (std::isnan(v)) continue;
    out.t_s.push_back(iv.end_s);
    out.value.push_back(v);
    if (series.shape == SeriesShape::kHistogram) {
      for (size_t k = 0; k < kChartedQuantiles.size(); ++k) {
        out.quantiles[k].second.push_back(quantile_of(series.bounds, iv.grew, kChartedQuantiles[k].second));
      }
    } else if (series.shape == SeriesShape::kSummary) {
      for (size_t b = 0; b < series.bounds.size(); ++b) out.quantiles[b].second.push_back(iv.grew[b]);
    }
  }
  return out;
}

MetricObservation observe_target_metric(const TargetMetricsResult& metrics, const slo::Expression& e,
                                        double warmup_s, const std::vector<StageSpan>& stages) {
  MetricObservation out;
  const std::string name = e.metric.substr(std::string_view("target.metric.").size());
  const std::string wanted = selector_text(e);
  std::vector<const CapturedSeries*> group;
  for (const auto& s : metrics.series) {
    if (!probes::names_family(name, s.family)) continue;
    const bool labels_match = std::all_of(e.labels.begin(), e.labels.end(), [&](const auto& l) {
      return std::find(s.labels.begin(), s.labels.end(), l) != s.labels.end();
    });
    if (labels_match) group.push_back(&s);
  }
  if (group.empty()) {
    const auto& st = metrics.stats;
    out.problem = fmt::format("no series {} appeared in {} scrape{} of {}", wanted, metrics.times.size(),
                              metrics.times.size() == 1 ? "" : "s", metrics.url);
    if (st.failures > 0) out.problem += fmt::format(" ({} of {} scrapes failed; first: {})", st.failures, st.attempts, st.first_error);
    return out;
  }
  const auto& first = *group.front();
  for (const auto* s : group) {
    if (s->shape != first.shape || s->bounds != first.bounds) {
      out.problem = fmt::format("the series matching {} differ in type or buckets ({} and {}): name one with its labels",
                                wanted, first.key(), s->key());
      return out;
    }
  }
  out.series = group.size() == 1 ? first.key() : fmt::format("{} series of {}, added up", group.size(), wanted);
  out.seconds = e.stat != "rate" && first.shape != SeriesShape::kCounter &&
                (ends_with(first.family, "_seconds") || first.unit == "seconds");
  const Judge judge(group, e);
  if (auto why = judge.unfit(); !why.empty()) {
    out.problem = why;
    return out;
  }
  // The intervals judged: after warm-up, inside the stage when one is named.
  const std::string stage = e.tags.contains("stage") ? e.tags.at("stage") : "";
  const auto stage_at = [&](double t) -> std::string_view {
    for (const auto& s : stages) {
      if (t > s.start_s && t <= s.end_s) return s.name;
    }
    return {};
  };
  std::vector<Interval> judged;
  for (auto& iv : intervals_of(group, metrics.times)) {
    const bool gauge_like = first.shape == SeriesShape::kGauge;
    const double at = gauge_like ? iv.end_s : (iv.start_s + iv.end_s) / 2;
    if (at < 0 || at < warmup_s) continue;
    if (!stage.empty() && stage_at(at) != stage) continue;
    judged.push_back(std::move(iv));
  }
  const auto no_samples = [&] {
    return fmt::format("{} had no samples{}{}", out.series, stage.empty() ? "" : " in stage " + stage,
                       warmup_s > 0 ? " after warm-up" : "");
  };
  if (!e.tags.contains("window")) {
    const double v = judge.value(judged, 0, judged.size());
    if (std::isnan(v)) out.problem = no_samples();
    else out.value = v;
    return out;
  }
  // Every window of W seconds, sliding by one interval; the worst one is the value.
  const auto parsed = core::parse_duration(e.tags.at("window"));
  const double width_s = parsed ? static_cast<double>(parsed->count()) / 1e9 : 1.0;
  SloWindow w;
  double worst = kNaN;
  const auto judge_window = [&](size_t begin, size_t end, bool partial) {
    const double v = judge.value(judged, begin, end);
    if (std::isnan(v)) return;
    ++w.windows;
    const bool holds = e.threshold && slo::compare(v, e.op, *e.threshold);
    if (!holds) ++w.failed;
    if (std::isnan(worst) || worse(v, worst, e.op)) {
      worst = v;
      w.start_s = judged[begin].start_s;
      w.end_s = judged[end - 1].end_s;
      w.partial = partial;
    }
  };
  const double first_start = judged.empty() ? 0 : judged.front().start_s;
  size_t begin = 0;
  bool any_full = false;
  for (size_t end = 0; end < judged.size(); ++end) {
    const double until = judged[end].end_s;
    if (until - first_start + 1e-6 < width_s) continue;
    while (begin < end && until - judged[begin + 1].start_s + 1e-6 >= width_s) ++begin;
    any_full = true;
    judge_window(begin, end + 1, false);
  }
  if (!any_full) judge_window(0, judged.size(), true);
  if (std::isnan(worst)) {
    out.problem = no_samples();
    return out;
  }
  out.value = worst;
  out.window = w;
  return out;
}

}  // namespace loadgen::run
