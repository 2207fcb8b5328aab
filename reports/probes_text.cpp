#include "reports/probes_text.hpp"

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::reports {
namespace {

constexpr size_t kShownTailLines = 3;

std::string ms_of_ns(double ns) { return core::format_duration_ms(ns / 1e6); }

struct PhaseRow {
  std::string reached, p50, p90, p99, max;
};

PhaseRow row_of(const probes::PhaseRuns& p, int runs) {
  const auto& h = p.histogram;
  PhaseRow row;
  row.reached = fmt::format("{}/{}", h.total_count(), runs);
  if (h.empty()) {
    row.p50 = row.p90 = row.p99 = row.max = "-";
    return row;
  }
  const double ps[] = {50, 90, 99};
  const auto v = h.values_at_percentiles(ps);
  row.p50 = ms_of_ns(static_cast<double>(v[0]));
  row.p90 = ms_of_ns(static_cast<double>(v[1]));
  row.p99 = ms_of_ns(static_cast<double>(v[2]));
  row.max = ms_of_ns(static_cast<double>(h.max()));
  return row;
}

std::string variant_label(const probes::VariantRuns& v) { return v.name.empty() ? "" : v.name + " "; }

std::string cores_percent(double cores) { return fmt::format("{:.1f}%", cores * 100); }

std::string slope_text(const probes::ResourceSummary& s) {
  if (!s.rss_slope_bytes_per_hour) return "n/a (" + s.rss_slope_note + ")";
  const double slope = *s.rss_slope_bytes_per_hour;
  return fmt::format("{}{}/h", slope < 0 ? "-" : "+", core::format_bytes(std::abs(slope)));
}

std::string process_line(const std::string& who, const run::ProcessResources& p) {
  const auto& s = p.summary;
  std::string out = fmt::format("  {:<8} cpu avg {} p95 {} max {} of a core ({} of the machine)\n", who,
                                cores_percent(s.cpu_avg), cores_percent(s.cpu_p95), cores_percent(s.cpu_max),
                                cores_percent(s.cpu_avg_machine));
  out += fmt::format("  {:<8} rss start {} max {} end {}, slope {}; threads max {}; fds max {}\n", "",
                     core::format_bytes(static_cast<double>(s.rss_start)), core::format_bytes(static_cast<double>(s.rss_max)),
                     core::format_bytes(static_cast<double>(s.rss_end)), slope_text(s), s.threads_max,
                     s.fds_max < 0 ? std::string("n/a") : std::to_string(s.fds_max));
  return out;
}

}  // namespace

std::string startup_console(const run::Result& r) {
  if (!r.startup) return {};
  const auto& st = r.startup->result;
  std::string out = r.startup->from_startup_block ? "\n  start-up (spawn to phase, over runs)\n"
                                                  : "\n  start-up of the target (spawn to phase)\n";
  out += fmt::format("  {:<24} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "phase", "reached", "p50", "p90", "p99", "max");
  for (const auto& v : st.variants) {
    for (const auto& p : v.phases) {
      const auto row = row_of(p, v.runs);
      out += fmt::format("  {:<24} {:>9} {:>9} {:>9} {:>9} {:>9}\n", variant_label(v) + p.name, row.reached, row.p50,
                         row.p90, row.p99, row.max);
    }
    for (const auto& f : v.failed) {
      out += fmt::format("  failed: {}run {}: {}\n", variant_label(v), f.run + 1, f.reason);
      const size_t from = f.stderr_tail.size() > kShownTailLines ? f.stderr_tail.size() - kShownTailLines : 0;
      for (size_t i = from; i < f.stderr_tail.size(); ++i) out += fmt::format("      | {}\n", f.stderr_tail[i]);
    }
  }
  if (st.interrupted) out += "  (interrupted: the runs above are those that ran)\n";
  return out;
}

std::string resources_console(const run::Result& r) {
  if (!r.resources.any()) return {};
  std::string out = "\n  resources (sampled from /proc)\n";
  if (r.resources.target) out += process_line("target", *r.resources.target);
  if (r.resources.loadgen) out += process_line("loadgen", *r.resources.loadgen);
  return out;
}

std::string startup_markdown(const run::Result& r) {
  if (!r.startup) return {};
  std::string out = "\n**Start-up** (spawn to phase)\n\n| Phase | Reached | p50 | p90 | p99 | Max |\n|---|---:|---:|---:|---:|---:|\n";
  for (const auto& v : r.startup->result.variants) {
    for (const auto& p : v.phases) {
      const auto row = row_of(p, v.runs);
      out += fmt::format("| {}{} | {} | {} | {} | {} | {} |\n", variant_label(v), p.name, row.reached, row.p50, row.p90,
                         row.p99, row.max);
    }
  }
  return out;
}

std::string resources_markdown(const run::Result& r) {
  if (!r.resources.target) return {};
  const auto& s = r.resources.target->summary;
  return fmt::format(
      "\n**Target resources** CPU avg {} / max {} of a core · RSS max {}, slope {} · threads max {}\n",
      cores_percent(s.cpu_avg), cores_percent(s.cpu_max), core::format_bytes(static_cast<double>(s.rss_max)),
      slope_text(s), s.threads_max);
}

}  // namespace loadgen::reports
