#include "reports/html/metrics_section.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/run/target_metric_view.hpp"
#include "harness/slo/expression.hpp"
#include "reports/html/html_escape.hpp"
#include "reports/target_metrics_text.hpp"

namespace loadgen::reports::html {
namespace {

using nlohmann::json;

// More charts than this and the page is a wall: the rest are listed in the table.
constexpr size_t kMaxMetricCharts = 12;

bool series_in_seconds(const probes::CapturedSeries& s) {
  return s.family.ends_with("_seconds") || s.unit == "seconds";
}

// Which series get a chart: those an SLO names first, then the others in scrape order.
std::vector<size_t> charted_series(const run::Result& r) {
  const auto& m = *r.target_metrics;
  std::vector<size_t> order;
  std::vector<bool> taken(m.series.size(), false);
  for (const auto& o : r.slo) {
    auto e = slo::parse(o.expression);
    if (!e || !e->metric.starts_with("target.metric.")) continue;
    const std::string name = e->metric.substr(std::string_view("target.metric.").size());
    const probes::SeriesSelector sel{name, e->labels};
    for (size_t i = 0; i < m.series.size(); ++i) {
      if (taken[i] || !probes::names_family(name, m.series[i].family) || !sel.matches(name, m.series[i].labels)) continue;
      taken[i] = true;
      order.push_back(i);
    }
  }
  for (size_t i = 0; i < m.series.size(); ++i) {
    if (!taken[i]) order.push_back(i);
  }
  if (order.size() > kMaxMetricCharts) order.resize(kMaxMetricCharts);
  return order;
}

json rounded(const std::vector<double>& values, double scale) {
  json out = json::array();
  for (double v : values) out.push_back(std::isfinite(v) ? json(std::round(v * scale * 1e4) / 1e4) : json(nullptr));
  return out;
}

std::string caption_of(const probes::CapturedSeries& s) {
  const char* reading = s.shape == probes::SeriesShape::kHistogram ? "p50 / p90 / p99 of each interval"
                        : s.shape == probes::SeriesShape::kSummary ? "its quantiles as the target computed them"
                        : s.shape == probes::SeriesShape::kCounter ? "increase per second"
                                                                   : "value";
  return fmt::format("<code>{}</code> ({}: {})", escape(s.key()), probes::to_string(s.shape), reading);
}

}  // namespace

std::string target_metrics_section(const run::Result& r) {
  if (!r.target_metrics) return {};
  const auto& m = *r.target_metrics;
  const auto& st = m.stats;
  std::string out =
      "<section id=\"metrics\" class=\"report-section\" data-section=\"metrics\">\n<h2>Target metrics</h2>\n";
  out += fmt::format("<p>Scraped <code>{}</code> every {}: {} scrapes, {} failed; {} series kept{}.</p>\n", escape(m.url),
                     core::format_duration(core::Nanos{static_cast<int64_t>(m.interval_s * 1e9)}), st.attempts,
                     st.failures, m.series.size(),
                     m.series_refused > 0 ? fmt::format(" ({} more refused by max_series {})", m.series_refused, m.max_series)
                                          : std::string());
  if (!st.first_error.empty()) out += fmt::format("<p class=\"warning\">First failed scrape: {}</p>\n", escape(st.first_error));
  const auto judged = judged_series(r);
  if (!judged.empty()) {
    out += "<table class=\"figures\">\n<tr><th>series an SLO judges</th><th>after warm-up</th></tr>\n";
    for (const auto& j : judged) {
      out += fmt::format("<tr><td><code>{}</code></td><td>{}</td></tr>\n", escape(j.selector), escape(j.figures));
    }
    out += "</table>\n";
  }
  const auto charted = charted_series(r);
  out += "<div class=\"chart-row\">\n";
  for (size_t k = 0; k < charted.size(); ++k) {
    out += fmt::format(
        "<figure class=\"chart\"><div class=\"plot\" data-chart=\"metric-{}\"></div><figcaption>{}</figcaption></figure>\n", k,
        caption_of(m.series[charted[k]]));
  }
  out += "</div>\n";
  if (m.series.size() > charted.size()) {
    out += fmt::format("<p class=\"muted\">{} more series in result.json (<code>target_metrics</code>).</p>\n",
                       m.series.size() - charted.size());
  }
  return out + "</section>\n";
}

json target_metrics_data(const run::Result& r) {
  if (!r.target_metrics) return nullptr;
  const auto& m = *r.target_metrics;
  json charts = json::array();
  for (size_t i : charted_series(r)) {
    const auto& s = m.series[i];
    const auto timeline = run::timeline_of(s, m.times);
    const bool seconds = series_in_seconds(s);
    json quantiles = json::object();
    // Seconds are charted in ms, beside loadgen's latency.
    for (const auto& [name, values] : timeline.quantiles) quantiles[name] = rounded(values, seconds ? 1e3 : 1.0);
    const bool gauge_in_seconds = seconds && s.shape == probes::SeriesShape::kGauge;
    charts.push_back({{"series", s.key()},
                      {"type", std::string(probes::to_string(s.shape))},
                      {"ms", seconds},
                      {"t", rounded(timeline.t_s, 1.0)},
                      {"value", rounded(timeline.value, gauge_in_seconds ? 1e3 : 1.0)},
                      {"quantiles", quantiles}});
  }
  return {{"charts", charts}};
}

}  // namespace loadgen::reports::html
