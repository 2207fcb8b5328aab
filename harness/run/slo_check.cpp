#include "harness/run/slo_check.hpp"

#include <cmath>

#include <fmt/format.h>

#include "harness/slo/evaluate.hpp"
#include "harness/slo/expression.hpp"
#include "harness/run/target_metric_view.hpp"
#include "harness/core/units.hpp"

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
  if (e.metric == "capacity") {
    if (!r.capacity) return std::nullopt;
    return e.stat == "max_rate" ? r.capacity->max_rate : r.capacity->first_failing_rate;
  }
  if (e.metric.starts_with("startup.")) return observe_startup(r, e);
  if (e.metric.starts_with("target.")) return observe_target(r, e);
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

// "01:05" or "1:02:05": a moment of the run, since its time zero.
std::string clock_of(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

// The base unit `observed` is in, for readers of result.json.
std::string unit_of(const slo::Expression& e) {
  switch (e.quantity) {
    case slo::Quantity::kDuration: return "ns";
    case slo::Quantity::kRate: return "1/s";
    case slo::Quantity::kCount: return "count";
    case slo::Quantity::kRatio: return "ratio";
    case slo::Quantity::kBytes: return "B";
    case slo::Quantity::kBytesPerHour: return "B/h";
    case slo::Quantity::kMetric: return "";
  }
  return "";
}

SloOutcome outcome_of(const slo::Verdict& v) {
  SloOutcome o;
  o.expression = v.expr.text;
  o.unit = unit_of(v.expr);
  o.observed = v.observed;
  o.observed_text = v.observed ? slo::format_quantity(*v.observed, v.expr.quantity) : "no samples";
  o.pass = v.pass;
  o.detail = v.detail;
  return o;
}

bool scoped(const slo::Expression& e) { return !e.tags.empty(); }

SloOutcome check_scoped(const slo::Expression& e, const ScopedSlos* scopes) {
  const auto seen = scopes ? scopes->observe(e) : ScopedSlos::Observation{};
  const auto verdicts = slo::evaluate(
      {e}, [&](const slo::Expression&) { return seen.value; },
      [&](std::string_view symbol) -> std::optional<double> {
        if (symbol == "target") return seen.target;
        return std::nullopt;
      });
  auto o = outcome_of(verdicts.front());
  o.window = seen.window;
  if (seen.window && o.observed) {
    const auto& w = *seen.window;
    o.detail += fmt::format("; worst {}window {}-{}{}, {} of {} window{} failed", w.partial ? "(partial) " : "",
                            clock_of(w.start_s), clock_of(w.end_s), w.partial ? " (shorter than the window)" : "",
                            w.failed, w.windows, w.windows == 1 ? "" : "s");
  }
  return o;
}

// Each stage's span, from the timeline's one-second intervals.
std::vector<StageSpan> stage_spans(const Result& r) {
  std::vector<StageSpan> spans;
  for (const auto& p : r.timeline) {
    if (!spans.empty() && spans.back().name == p.stage) {
      spans.back().end_s = p.t_s;
      continue;
    }
    spans.push_back({p.stage, p.t_s - p.length_s, p.t_s});
  }
  return spans;
}

SloOutcome check_target_metric(const slo::Expression& e, const Result& r) {
  SloOutcome o;
  o.expression = e.text;
  o.unit = e.stat == "rate" ? "1/s" : "";
  if (!r.target_metrics) {
    o.observed_text = "no samples";
    o.detail = r.shards.empty() ? "the target's metrics were not scraped"
                                : "a merge has no target metrics: judge them on one shard's run (docs/target-metrics.md#limits)";
    return o;
  }
  const auto seen = observe_target_metric(*r.target_metrics, e, r.warmup_s, stage_spans(r));
  if (!seen.value) {
    o.observed_text = "no samples";
    o.detail = seen.problem;
    return o;
  }
  o.observed = seen.value;
  if (seen.seconds) o.unit = "s";
  o.observed_text = seen.seconds ? core::format_duration(core::Nanos{static_cast<int64_t>(std::llround(*seen.value * 1e9))})
                                 : slo::format_quantity(*seen.value, e.quantity);
  o.pass = e.threshold && slo::compare(*seen.value, e.op, *e.threshold);
  std::string threshold_text = e.text.substr(e.text.find_last_of("<>=") + 1);
  threshold_text.erase(0, threshold_text.find_first_not_of(' '));
  o.detail = fmt::format("{}={} ({}), threshold {} {}", e.stat, o.observed_text, seen.series, slo::to_string(e.op),
                         threshold_text);
  o.window = seen.window;
  if (seen.window) {
    const auto& w = *seen.window;
    o.detail += fmt::format("; worst {}window {}-{}, {} of {} window{} failed", w.partial ? "(partial) " : "",
                            clock_of(w.start_s), clock_of(w.end_s), w.failed, w.windows, w.windows == 1 ? "" : "s");
  }
  return o;
}

struct StartupCount {
  int runs = 0, failed = 0;
};

StartupCount failed_startups(const Result& r) {
  StartupCount c;
  if (!r.startup) return c;
  for (const auto& v : r.startup->result.variants) {
    c.runs += v.runs;
    c.failed += static_cast<int>(v.failed.size());
  }
  return c;
}

// An SLO on startup.<phase>.failed says how many failed start-ups the user accepts.
bool slo_speaks_of_failed_startups(const Result& r) {
  return std::any_of(r.slo.begin(), r.slo.end(), [](const SloOutcome& o) {
    const auto e = slo::parse(o.expression);
    return e && e->metric.starts_with("startup.") && e->stat == "failed";
  });
}

void decide_verdict(Result& result) {
  auto& reasons = result.verdict_reasons;
  reasons.clear();
  bool all = !result.interrupted;
  for (const auto& o : result.slo) all = all && o.pass;
  if (result.interrupted) reasons.push_back("the run was interrupted");
  if (const auto failed = failed_startups(result); failed.runs > 0 && failed.failed > 0 &&
                                                   !slo_speaks_of_failed_startups(result)) {
    all = false;
    reasons.push_back(fmt::format("{} of {} start-up runs failed (an SLO such as startup.ready.failed <= N "
                                  "allows failures)",
                                  failed.failed, failed.runs));
  }
  if (result.slo.empty()) {
    // Nothing declared, nothing judged: never a pass. A run that got no answer at all fails.
    const auto& m = result.measured;
    if (m.sent > 0 && m.completed == 0) {
      all = false;
      reasons.push_back(fmt::format("no request succeeded ({} sent, {} errors)", m.sent, m.errors));
    }
    if (all) {
      result.verdict = "none";
      reasons.push_back("no SLOs declared: nothing was judged");
      return;
    }
  }
  result.verdict = all ? "pass" : "fail";
}

}  // namespace

std::vector<slo::Expression> parse_slos(const std::vector<scenario::SloSpec>& slos) {
  std::vector<slo::Expression> out;
  for (const auto& s : slos) {
    if (auto parsed = slo::parse(s.expression)) out.push_back(std::move(parsed).value());
  }
  return out;
}

void check_slos(const std::vector<scenario::SloSpec>& slos, Result& result, const ScopedSlos* scopes) {
  for (const auto& s : slos) {
    auto parsed = slo::parse(s.expression);
    // The loader validated every expression; one that fails here is reported, not skipped.
    if (!parsed) {
      SloOutcome o;
      o.expression = s.expression;
      o.detail = parsed.error();
      result.slo.push_back(std::move(o));
      continue;
    }
    if (parsed->metric.starts_with("target.metric.")) {
      result.slo.push_back(check_target_metric(*parsed, result));
      continue;
    }
    if (scoped(*parsed)) {
      result.slo.push_back(check_scoped(*parsed, scopes));
      continue;
    }
    const auto verdicts = slo::evaluate(
        {*parsed}, [&](const slo::Expression& e) { return observe(result, e); },
        [&](std::string_view symbol) -> std::optional<double> {
          if (symbol == "target" && result.target_rps > 0) return result.target_rps;
          return std::nullopt;
        });
    auto outcome = outcome_of(verdicts.front());
    if (parsed->metric == "capacity" && result.capacity && result.capacity->unit == "users") outcome.unit = "users";
    if (!outcome.observed && parsed->metric == "target.rss" && parsed->stat == "slope" && result.resources.target) {
      outcome.observed_text = result.resources.target->summary.rss_slope_note;
    }
    result.slo.push_back(std::move(outcome));
  }
  decide_verdict(result);
}


}  // namespace loadgen::run
