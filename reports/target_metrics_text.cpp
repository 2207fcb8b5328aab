#include "reports/target_metrics_text.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/run/target_metric_view.hpp"
#include "harness/slo/expression.hpp"

namespace loadgen::reports {
namespace {

std::string scrape_line(const run::TargetMetricsResult& m) {
  const auto& st = m.stats;
  const double attempts = st.attempts > 0 ? static_cast<double>(st.attempts) : 1.0;
  std::string line = fmt::format("{} every {}: {} scrape{}, {} failed; {} series kept", m.url,
                                 core::format_duration(core::Nanos{static_cast<int64_t>(m.interval_s * 1e9)}),
                                 st.attempts, st.attempts == 1 ? "" : "s", st.failures, m.series.size());
  if (m.series_refused > 0) line += fmt::format(" ({} more refused: max_series {})", m.series_refused, m.max_series);
  if (!st.format.empty()) {
    line += fmt::format("; {} of {}, {} per scrape, {} CPU", core::format_bytes(static_cast<double>(st.bytes_last)), st.format,
                        core::format_duration_ms(st.scrape_s_total * 1e3 / attempts),
                        core::format_duration_ms(st.cpu_s_total * 1e3 / attempts));
  }
  return line;
}

// The stats worth showing for the series an SLO names, by its type, over the run after warm-up.
std::string figures_of(const run::TargetMetricsResult& m, const slo::Expression& slo_expr, double warmup_s) {
  slo::Expression e;
  e.metric = slo_expr.metric;
  e.labels = slo_expr.labels;
  e.quantity = slo::Quantity::kMetric;
  const auto value = [&](std::string stat, std::optional<double> percentile) {
    e.stat = std::move(stat);
    e.percentile = percentile;
    return run::observe_target_metric(m, e, warmup_s, {});
  };
  const auto shown = [](const run::MetricObservation& o) {
    if (!o.value) return std::string("-");
    if (o.seconds) return core::format_duration(core::Nanos{static_cast<int64_t>(std::llround(*o.value * 1e9))});
    return fmt::format("{:.4g}", *o.value);
  };
  const auto rate = value("rate", std::nullopt);
  const auto last = value("last", std::nullopt);
  const std::string& which = rate.value ? rate.series : last.series;
  const std::string several = which.find("added up") != std::string::npos
                                  ? " (" + which.substr(0, which.find(" series")) + " series added up)"
                                  : "";
  if (rate.value) {
    auto p50 = value("p50", 50.0);
    if (!p50.problem.empty() && !p50.value) return fmt::format("rate {:.4g}/s{}", *rate.value, several);  // a counter
    return fmt::format("rate {:.4g}/s, p50 {}, p90 {}, p99 {}{}", *rate.value, shown(p50), shown(value("p90", 90.0)),
                       shown(value("p99", 99.0)), several);
  }
  if (last.value) {
    return fmt::format("avg {}, min {}, max {}, last {}{}", shown(value("mean", std::nullopt)), shown(value("min", std::nullopt)),
                       shown(value("max", std::nullopt)), shown(last), several);
  }
  return rate.problem.empty() ? last.problem : rate.problem;
}

}  // namespace

std::vector<JudgedSeries> judged_series(const run::Result& r) {
  std::vector<JudgedSeries> out;
  if (!r.target_metrics) return out;
  std::set<std::string> seen;
  for (const auto& o : r.slo) {
    auto e = slo::parse(o.expression);
    if (!e || !e->metric.starts_with("target.metric.")) continue;
    probes::SeriesSelector sel{e->metric.substr(std::string_view("target.metric.").size()), e->labels};
    if (!seen.insert(sel.str()).second) continue;
    out.push_back({sel.str(), figures_of(*r.target_metrics, *e, r.warmup_s)});
  }
  return out;
}

std::string target_metrics_console(const run::Result& r) {
  if (!r.target_metrics) return {};
  const auto& m = *r.target_metrics;
  std::string out = fmt::format("\n  target metrics (scraped)\n  {}\n", scrape_line(m));
  if (!m.stats.first_error.empty()) out += fmt::format("  first failed scrape: {}\n", m.stats.first_error);
  for (const auto& j : judged_series(r)) out += fmt::format("  {}  {}\n", j.selector, j.figures);
  return out;
}

std::string target_metrics_markdown(const run::Result& r) {
  if (!r.target_metrics) return {};
  const auto& m = *r.target_metrics;
  std::string out = fmt::format("\n**Target metrics** {}\n", scrape_line(m));
  if (!m.stats.first_error.empty()) out += fmt::format("\nFirst failed scrape: {}\n", m.stats.first_error);
  const auto judged = judged_series(r);
  if (!judged.empty()) {
    out += "\n| series | after warm-up |\n|---|---|\n";
    for (const auto& j : judged) out += fmt::format("| `{}` | {} |\n", j.selector, j.figures);
  }
  return out;
}

}  // namespace loadgen::reports
