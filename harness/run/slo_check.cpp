#include "harness/run/slo_check.hpp"

#include "harness/slo/evaluate.hpp"
#include "harness/slo/expression.hpp"

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

std::optional<double> observe(const Result& r, const slo::Expression& e) {
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
