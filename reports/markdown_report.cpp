#include "reports/capacity_text.hpp"
#include "reports/markdown_report.hpp"

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "reports/baselines/comparison_text.hpp"
#include "reports/probes_text.hpp"
#include "reports/profiles_text.hpp"
#include "reports/target_metrics_text.hpp"
#include "reports/verdict_text.hpp"

namespace loadgen::reports {
namespace {

std::string dur(double v) { return core::format_duration_ms(v); }

// Pipes would end a table cell early.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string slo_markdown(const run::Result& r) {
  if (r.slo.empty()) return "No SLOs declared.\n";
  std::string out = "| SLO | Observed | Result |\n|---|---:|:---:|\n";
  for (const auto& s : r.slo) {
    out += fmt::format("| `{}` | {} | {} |\n", cell(s.expression), cell(s.observed_text), s.pass ? "✅ pass" : "❌ fail");
  }
  return out;
}

std::string latency_table(const run::Result& r) {
  std::string out = "| Request | Count | Rate | p50 | p90 | p99 | p99.9 | Max | Errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  auto row = [&](const std::string& name, const run::RequestFigures& f, double rps, const run::LatencySummary& l) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", cell(name), f.sent, core::format_rate(rps),
                       dur(l.p50_ms), dur(l.p90_ms), dur(l.p99_ms), dur(l.p999_ms), dur(l.max_ms), f.errors);
  };
  row("**all**", r.requests, r.achieved_rps, r.latency);
  for (const auto& n : r.by_name) row(n.name, n.requests, n.achieved_rps, n.latency);
  return out;
}

}  // namespace

std::string markdown_summary(const run::Result& r) {
  const bool pass = r.verdict == "pass";
  bool slos_held = true;
  for (const auto& s : r.slo) slos_held = slos_held && s.pass;
  const bool regressed = r.baseline && r.baseline->regression();
  std::string why = !slos_held ? (regressed ? "SLOs failed, regression against the baseline" : "SLOs failed")
                    : regressed ? "regression against the baseline"
                                : "";
  const auto reasons = verdict_reasons(r);
  if (!reasons.empty()) why += (why.empty() ? "" : "; ") + reasons;
  const char* mark = pass ? "✅" : r.verdict == "none" || r.verdict == "shard" ? "➖" : "❌";
  std::string out = fmt::format("## {} loadgen `{}`: {}\n\n", mark, cell(r.scenario),
                                pass ? (r.baseline ? "every SLO held, no regression" : "every SLO held") : cell(why));
  out += capacity_markdown(r);
  out += slo_markdown(r);
  if (r.baseline) out += "\n" + baseline_markdown(*r.baseline);
  if (r.model.empty() && r.startup) {  // a start-up-only scenario: no load to summarise
    out += startup_markdown(r);
    for (const auto& w : r.warnings) out += fmt::format("\n> ⚠️ {}\n", cell(w));
    return out;
  }
  out += fmt::format("\n**Throughput** {} achieved", core::format_rate(r.achieved_rps));
  if (r.target_rps > 0) out += fmt::format(" of {} planned", core::format_rate(r.target_rps));
  out += fmt::format(" · **requests** {} sent, {} errors, {} dropped · **duration** {:.1f}s", r.requests.sent,
                     r.requests.errors, r.requests.dropped, r.duration_s);
  if (!r.connections_by_protocol.empty()) {
    std::string each;
    for (const auto& [protocol, n] : r.connections_by_protocol) each += fmt::format("{}{} {}", each.empty() ? "" : ", ", protocol, n);
    out += fmt::format(" · **connections** {}", each);
  }
  out += "\n\n";
  out += "Latency is measured from each request's intended start (no coordinated omission).\n\n";
  out += latency_table(r);
  if (!r.requests.errors_by_kind.empty()) {
    out += "\n<details><summary>Errors by kind</summary>\n\n| Kind | Count | First message |\n|---|---:|---|\n";
    for (const auto& [kind, count] : r.requests.errors_by_kind) {
      const auto it = r.first_errors.find(kind);
      std::string by_code;  // HTTP/2: the error codes that ended them
      if (const auto codes = r.h2_error_codes.find(kind); codes != r.h2_error_codes.end()) {
        for (const auto& [code, n] : codes->second) by_code += fmt::format("{}{} {}", by_code.empty() ? "" : ", ", code, n);
      }
      out += fmt::format("| {} | {}{} | {} |\n", kind, count, by_code.empty() ? "" : " (" + by_code + ")",
                         it == r.first_errors.end() ? "" : cell(it->second));
    }
    out += "\n</details>\n";
  }
  out += startup_markdown(r) + resources_markdown(r) + target_metrics_markdown(r) + profiles_markdown(r);
  for (const auto& w : r.warnings) out += fmt::format("\n> ⚠️ {}\n", cell(w));
  return out;
}

}  // namespace loadgen::reports
