#include "reports/target_metrics_json.hpp"

#include <cmath>

#include "harness/run/target_metric_view.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

// JSON has no NaN or infinity: a missing point is null, a bound of +Inf the string "+Inf".
json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json numbers(const std::vector<double>& values) {
  json out = json::array();
  for (double v : values) out.push_back(number_or_null(v));
  return out;
}

json series_json(const probes::CapturedSeries& s, const std::vector<double>& times) {
  const auto timeline = run::timeline_of(s, times);
  json labels = json::object();
  for (const auto& [k, v] : s.labels) labels[k] = v;
  json bounds = json::array();
  for (double b : s.bounds) bounds.push_back(std::isinf(b) ? json("+Inf") : json(b));
  json quantiles = json::object();
  for (const auto& [name, values] : timeline.quantiles) quantiles[name] = numbers(values);
  const bool values_are_rates = s.shape != probes::SeriesShape::kGauge;
  return {{"series", s.key()},
          {"name", s.family},
          {"labels", labels},
          {"type", std::string(probes::to_string(s.shape))},
          {"unit", s.unit},
          {"help", s.help},
          {"bounds", bounds},
          {"t_s", numbers(timeline.t_s)},
          {values_are_rates ? "per_s" : "value", numbers(timeline.value)},
          {"quantiles", quantiles}};
}

}  // namespace

json target_metrics_json(const run::TargetMetricsResult& m) {
  const auto& st = m.stats;
  json series = json::array();
  for (const auto& s : m.series) series.push_back(series_json(s, m.times));
  const double attempts = st.attempts > 0 ? static_cast<double>(st.attempts) : 1.0;
  return {{"url", m.url},
          {"interval_s", m.interval_s},
          {"format", st.format},
          {"selectors", m.selectors},
          {"max_series", m.max_series},
          {"scrapes", st.attempts},
          {"scrape_failures", st.failures},
          {"first_error", st.first_error.empty() ? json(nullptr) : json(st.first_error)},
          {"last_error", st.last_error.empty() ? json(nullptr) : json(st.last_error)},
          {"scrape_ms_avg", st.scrape_s_total * 1e3 / attempts},
          {"scrape_ms_max", st.scrape_s_max * 1e3},
          {"scrape_cpu_ms_avg", st.cpu_s_total * 1e3 / attempts},
          {"exposition_bytes_last", st.bytes_last},
          {"samples_last", m.samples_last},
          {"series_kept", m.series.size()},
          {"series_refused", m.series_refused},
          {"thinned_every", m.keep_every},
          {"memory_bytes", m.memory_bytes},
          {"series", series}};
}

}  // namespace loadgen::reports
