#include "harness/run/slo_check.hpp"

#include "harness/slo/evaluate.hpp"
#include "harness/slo/expression.hpp"

#include <algorithm>

namespace loadgen::run {
namespace {

struct Source {
  const metrics::Histogram* corrected = nullptr;
  const RequestFigures* measured = nullptr;
  double rps = 0;
};

std::optional<Source> source_of(const Result& r, const std::string& metric) {
  if (metric == "http") return Source{&r.corrected, &r.measured, r.achieved_rps};
  if (metric == "send_lag") return Source{&r.send_lag_histogram, &r.measured, r.achieved_rps};
  for (const auto& n : r.by_name) {
    if (n.name == metric) return Source{&n.corrected, &n.measured, n.achieved_rps};
  }
  return std::nullopt;
}

std::optional<double> count_stat(const RequestFigures& f, const std::string& stat) {
  if (stat == "count") return static_cast<double>(f.sent);
  if (stat == "errors") return static_cast<double>(f.errors);
  if (stat == "dropped") return static_cast<double>(f.dropped);
  if (stat == "timeouts") {
    const auto it = f.errors_by_kind.find("timeout");
    return it == f.errors_by_kind.end() ? 0.0 : static_cast<double>(it->second);
  }
  if (stat == "error_rate") {
    if (f.sent == 0) return std::nullopt;
    return static_cast<double>(f.errors) / static_cast<double>(f.sent);
  }
  return std::nullopt;
}

std::optional<double> phase_stat(const probes::PhaseRuns& phase, const slo::Expression& e) {
  if (e.stat == "failed") return static_cast<double>(phase.missed);
  const auto& h = phase.histogram;
  if (h.empty()) return std::nullopt;
  if (e.percentile) return static_cast<double>(h.value_at_percentile(*e.percentile));
  if (e.stat == "min") return static_cast<double>(h.min());
  if (e.stat == "max") return static_cast<double>(h.max());
  if (e.stat == "mean") return h.mean();
  return std::nullopt;
}

// startup.<phase>.<stat> must hold for every variant: the value shown is the first variant's
// that breaks the threshold, else the largest.
std::optional<double> observe_startup(const Result& r, const slo::Expression& e) {
  if (!r.startup) return std::nullopt;
  const std::string phase_name = e.metric.substr(std::string_view("startup.").size());
  std::optional<double> shown;
  for (const auto& variant : r.startup->result.variants) {
    for (const auto& phase : variant.phases) {
      if (phase.name != phase_name) continue;
      const auto value = phase_stat(phase, e);
      if (!value) return std::nullopt;  // a variant with no sample cannot show the SLO holds
      if (e.threshold && !slo::compare(*value, e.op, *e.threshold)) return value;
      shown = shown ? std::max(*shown, *value) : *value;
    }
  }
  return shown;
}

std::optional<double> observe_target(const Result& r, const slo::Expression& e) {
  if (!r.resources.target || r.resources.target->summary.samples == 0) return std::nullopt;
  const auto& s = r.resources.target->summary;
  const std::string_view resource = std::string_view(e.metric).substr(std::string_view("target.").size());
  if (resource == "cpu") {
    if (e.percentile) return s.cpu_at_percentile(*e.percentile);
    if (e.stat == "mean") return s.cpu_avg;
    if (e.stat == "max") return s.cpu_max;
    return std::nullopt;
  }
  if (resource == "rss") {
    if (e.stat == "max") return static_cast<double>(s.rss_max);
    if (e.stat == "start") return static_cast<double>(s.rss_start);
    if (e.stat == "end") return static_cast<double>(s.rss_end);
    if (e.stat == "mean") return s.rss_mean;
    if (e.stat == "slope") return s.rss_slope_bytes_per_hour;
    return std::nullopt;
  }
  if (resource == "fds") {
    if (s.fds_max < 0) return std::nullopt;
    return e.stat == "max" ? static_cast<double>(s.fds_max) : s.fds_mean;
  }
  if (resource == "threads") return e.stat == "max" ? static_cast<double>(s.threads_max) : s.threads_mean;
  return std::nullopt;
}

std::optional<double> observe(const Result& r, const slo::Expression& e) {
  if (e.metric.starts_with("startup.")) return observe_startup(r, e);
  if (e.metric.starts_with("target.")) return observe_target(r, e);
  // Stage and window scopes need per-stage histograms, which this run does not keep yet.
  if (!e.tags.empty()) return std::nullopt;
  const auto source = source_of(r, e.metric);
  if (!source) return std::nullopt;
  const auto& h = *source->corrected;
  if (e.percentile) {
    if (h.empty()) return std::nullopt;
    return static_cast<double>(h.value_at_percentile(*e.percentile));
  }
  if (e.stat == "min" || e.stat == "max" || e.stat == "mean" || e.stat == "avg") {
    if (h.empty()) return std::nullopt;
    if (e.stat == "min") return static_cast<double>(h.min());
    if (e.stat == "max") return static_cast<double>(h.max());
    return h.mean();
  }
  if (e.stat == "rps") return source->rps;
  return count_stat(*source->measured, e.stat);
}

}  // namespace

void check_slos(const std::vector<scenario::SloSpec>& slos, Result& result) {
  std::vector<slo::Expression> expressions;
  for (const auto& s : slos) {
    auto parsed = slo::parse(s.expression);
    // The loader validated every expression; one that fails here is reported, not skipped.
    if (!parsed) {
      result.slo.push_back({s.expression, std::nullopt, "", false, parsed.error()});
      continue;
    }
    expressions.push_back(std::move(parsed).value());
  }
  const auto verdicts = slo::evaluate(
      expressions, [&](const slo::Expression& e) { return observe(result, e); },
      [&](std::string_view symbol) -> std::optional<double> {
        if (symbol == "target" && result.target_rps > 0) return result.target_rps;
        return std::nullopt;
      });
  for (const auto& v : verdicts) {
    SloOutcome o;
    o.expression = v.expr.text;
    o.observed = v.observed;
    o.observed_text = v.observed ? slo::format_quantity(*v.observed, v.expr.quantity) : "no samples";
    o.pass = v.pass;
    o.detail = v.detail;
    result.slo.push_back(std::move(o));
  }
  bool all = !result.interrupted;
  for (const auto& o : result.slo) all = all && o.pass;
  result.verdict = all ? "pass" : "fail";
}

}  // namespace loadgen::run
