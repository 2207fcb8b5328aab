#include "harness/run/target_metrics.hpp"

#include <algorithm>

#include "harness/slo/expression.hpp"

namespace loadgen::run {

probes::CaptureOptions capture_options(const scenario::MetricsSpec& spec, const std::vector<scenario::SloSpec>& slos) {
  probes::CaptureOptions options;
  options.max_series = static_cast<size_t>(spec.max_series);
  for (const auto& text : spec.select) {
    if (auto sel = probes::parse_selector(text)) options.select.push_back(*sel);
  }
  std::vector<probes::SeriesSelector> named;
  for (const auto& s : slos) {
    auto e = slo::parse(s.expression);
    if (!e || !e->metric.starts_with("target.metric.")) continue;
    named.push_back({e->metric.substr(std::string_view("target.metric.").size()), e->labels});
  }
  // With a select: list the SLOs' series are added to it; without one they are all that is kept
  // (when there are any), so a large exposition costs only what is judged.
  for (auto& sel : named) {
    const bool already = std::any_of(options.select.begin(), options.select.end(),
                                     [&](const probes::SeriesSelector& s) { return s.str() == sel.str(); });
    if (!already) options.select.push_back(std::move(sel));
  }
  return options;
}

std::string scrape_url_of(const scenario::MetricsSpec& spec, const std::string& base_url, int port) {
  const std::string url = spec.url.expand([port](std::string_view name) -> std::optional<std::string> {
    if (name == "port" && port > 0) return std::to_string(port);
    return std::nullopt;
  });
  if (!url.starts_with("/")) return url;
  std::string base = base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + url;
}

MetricsWatch::MetricsWatch(const scenario::MetricsSpec& spec, std::string url, const std::vector<scenario::SloSpec>& slos,
                           const scenario::TlsSpec& tls) {
  url_ = url;
  interval_s_ = std::chrono::duration<double>(spec.interval).count();
  probes::ScraperOptions options;
  options.url = std::move(url);
  options.interval = spec.interval;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(spec.timeout);
  options.capture = capture_options(spec, slos);
  options.tls = {tls.verify, tls.ca_file, tls.cert, tls.key};
  for (const auto& sel : options.capture.select) selectors_.push_back(sel.str());
  max_series_ = options.capture.max_series;
  scraper_ = std::make_unique<probes::MetricsScraper>(std::move(options));
}

void MetricsWatch::start() { scraper_->start(); }

TargetMetricsResult MetricsWatch::finish(std::chrono::steady_clock::time_point zero) {
  scraper_->stop();
  TargetMetricsResult r;
  const auto& capture = scraper_->capture();
  r.stats = scraper_->stats();
  r.url = url_;
  r.interval_s = interval_s_;
  const double offset = std::chrono::duration<double>(scraper_->started() - zero).count();
  for (double t : capture.times()) r.times.push_back(t + offset);
  r.series = capture.series();
  r.selectors = selectors_;
  r.max_series = max_series_;
  r.series_refused = capture.series_refused();
  r.samples_last = capture.samples_last();
  r.keep_every = capture.keep_every();
  r.memory_bytes = capture.bytes();
  return r;
}

}  // namespace loadgen::run
