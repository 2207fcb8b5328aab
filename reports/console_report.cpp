#include "reports/capacity_text.hpp"
#include "reports/console_report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "reports/probes_text.hpp"
#include "reports/profiles_text.hpp"
#include "reports/target_metrics_text.hpp"
#include "reports/baselines/comparison_text.hpp"
#include "reports/flows_report.hpp"
#include "reports/verdict_text.hpp"

namespace loadgen::reports {
namespace {

std::string ms(double v) { return core::format_duration_ms(v); }

std::string latency_row(const std::string& label, const run::LatencySummary& s) {
  if (s.count == 0) return fmt::format("  {:<28} no samples\n", label);
  return fmt::format("  {:<28} p50 {:>8}  p90 {:>8}  p99 {:>8}  p99.9 {:>8}  max {:>8}\n", label, ms(s.p50_ms),
                     ms(s.p90_ms), ms(s.p99_ms), ms(s.p999_ms), ms(s.max_ms));
}

std::string errors_text(const run::RequestFigures& f) {
  std::string out;
  for (const auto& [kind, count] : f.errors_by_kind) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", kind, count);
  return out;
}

// "4 (h2 3, http/1.1 1)": how many connections, and what each negotiated.
std::string connections_text(const std::map<std::string, uint64_t>& by_protocol) {
  uint64_t opened = 0;
  std::string each;
  for (const auto& [protocol, n] : by_protocol) {
    opened += n;
    each += fmt::format("{}{} {}", each.empty() ? "" : ", ", protocol, n);
  }
  return fmt::format("opened {} ({})", opened, each);
}

std::string names_table(const run::Result& r) {
  std::string out = fmt::format("\n  {:<24} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}\n", "request", "count", "rps",
                                "p50", "p90", "p99", "max", "errors");
  for (const auto& n : r.by_name) {
    out += fmt::format("  {:<24} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}\n", n.name, n.requests.sent,
                       core::format_rate(n.achieved_rps), ms(n.latency.p50_ms), ms(n.latency.p90_ms),
                       ms(n.latency.p99_ms), ms(n.latency.max_ms), n.requests.errors);
  }
  return out;
}

std::string verdict_line(const run::Result& r) {
  const auto why = verdict_reasons(r);
  return fmt::format("\nverdict: {}{}\n", verdict_word(r), why.empty() ? "" : " (" + why + ")");
}

std::string slo_table(const run::Result& r) {
  if (r.shard) return "\n  SLOs: judged on the whole run by loadgen merge\n";
  if (r.slo.empty()) return "\n  no SLOs declared\n";
  size_t width = 40;
  for (const auto& s : r.slo) width = std::max(width, std::min<size_t>(s.expression.size(), 90));
  std::string out = fmt::format("\n  {:<{}} {:>12}  {}\n", "SLO", width, "observed", "result");
  for (const auto& s : r.slo) {
    out += fmt::format("  {:<{}} {:>12}  {}\n", s.expression, width, s.observed_text, s.pass ? "pass" : "FAIL");
    // Nothing observed: say why (a series that never appeared, every scrape failed ...).
    if (!s.observed && !s.pass && !s.detail.empty() && s.detail != "no samples") out += fmt::format("    {}\n", s.detail);
  }
  return out;
}

}  // namespace

// A scenario with only a startup: block has no load to summarise.
std::string startup_only_summary(const run::Result& r) {
  std::string out = fmt::format("\nloadgen: {} (start-up only, {:.1f}s)\n", r.scenario, r.duration_s);
  out += startup_console(r);
  out += slo_table(r);
  for (const auto& w : r.warnings) out += fmt::format("  warning: {}\n", w);
  out += verdict_line(r);
  return out;
}

std::string console_summary(const run::Result& r) {
  if (r.model.empty() && r.startup) return startup_only_summary(r);
  std::string out = fmt::format("\nloadgen: {} ({}, {} threads, {})\n", r.scenario, r.model, r.threads,
                                core::format_duration(std::chrono::milliseconds(static_cast<int64_t>(r.duration_s * 1000))));
  const auto& q = r.requests;
  out += fmt::format("  requests   scheduled {}  sent {}  completed {}  errors {}  dropped {}{}\n", q.scheduled,
                     q.sent, q.completed, q.errors, q.dropped,
                     q.redirects > 0 ? fmt::format("  redirects followed {}", q.redirects) : std::string());
  if (q.errors > 0) out += fmt::format("  errors     {}\n", errors_text(q));
  for (const auto& [kind, codes] : r.h2_error_codes) {
    std::string each;
    for (const auto& [code, n] : codes) each += fmt::format("{}{} {}", each.empty() ? "" : ", ", code, n);
    out += fmt::format("             {} by HTTP/2 error code: {}\n", kind, each);
  }
  for (const auto& [kind, message] : r.first_errors) out += fmt::format("             first {}: {}\n", kind, message);
  if (!r.connections_by_protocol.empty()) out += fmt::format("  connections {}\n", connections_text(r.connections_by_protocol));
  // The schedule counts a flow once, at its start, while achieved counts every HTTP exchange:
  // with flows the two are not comparable, and the line says so.
  const char* target_unit = r.flows.empty() ? "" : " (requests and flow starts)";
  const char* achieved_unit = r.flows.empty() ? "" : " (HTTP exchanges, flow steps included)";
  out += r.target_rps > 0 ? fmt::format("  throughput target {}{}  achieved {}{}\n", core::format_rate(r.target_rps),
                                        target_unit, core::format_rate(r.achieved_rps), achieved_unit)
                          : fmt::format("  throughput achieved {}\n", core::format_rate(r.achieved_rps));
  if (r.warmup_s > 0) out += fmt::format("  (figures below leave out the first {}s of warm-up)\n", r.warmup_s);
  out += latency_row("latency (from intended)", r.latency);
  out += latency_row("service time (from send)", r.service_latency);
  if (r.model == "arrival-rate") out += latency_row("send lag", r.send_lag);
  if (r.target.started_by_loadgen) {
    out += fmt::format("  target     ready after {} (pid {}), then {}\n", ms(r.target.ready_ms), r.target.pid,
                       r.target.exit_description.empty() ? "left running" : r.target.exit_description);
  }
  out += names_table(r);
  out += flows_console_table(r);
  out += startup_console(r);
  out += resources_console(r);
  out += target_metrics_console(r);
  out += profiles_console(r);
  out += capacity_console(r);
  if (r.shard) out += fmt::format("  shard      {} of {}, started {:.3f}s after time zero\n", r.shard->index, r.shard->count, r.shard->start_late_s);
  if (!r.shards.empty()) {
    out += fmt::format("\n  {:<6} {:>10} {:>10} {:>10} {:>12} {:>10}\n", "shard", "sent", "completed", "dropped",
                       "loadgen cpu", "late");
    for (const auto& s : r.shards) {
      out += fmt::format("  {:<6} {:>10} {:>10} {:>10} {:>11.2f}{} {:>9.3f}s\n", s.index, s.measured.sent,
                         s.measured.completed, s.measured.dropped, s.loadgen_cpu_avg, s.saturated ? "!" : " ",
                         s.start_late_s);
    }
  }
  out += slo_table(r);
  if (r.baseline) out += baseline_console(*r.baseline);
  for (const auto& w : r.warnings) out += fmt::format("  warning: {}\n", w);
  out += verdict_line(r);
  return out;
}

}  // namespace loadgen::reports
