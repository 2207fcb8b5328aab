#include "reports/capacity_text.hpp"

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/run/capacity_run.hpp"

namespace loadgen::reports {

std::string capacity_level_text(double level, const std::string& unit) {
  return unit == "users" ? fmt::format("{:.0f} users", level) : core::format_rate(level);
}

std::string search_plan_text(const scenario::SearchSpec& s, scenario::LoadModel model) {
  const std::string unit = model == scenario::LoadModel::kVirtualUsers ? "users" : "rps";
  std::string out = fmt::format("from {} to at most {}, {} trials x{}, precision {}, confirm {}",
                                capacity_level_text(s.from, unit), capacity_level_text(s.max, unit),
                                core::format_duration(s.step), s.growth, core::format_percent(s.precision),
                                core::format_duration(s.confirm));
  if (s.warmup.count() > 0) out += fmt::format(", warm-up {} each", core::format_duration(s.warmup));
  if (s.cooldown.count() > 0) out += fmt::format(", cooldown {}", core::format_duration(s.cooldown));
  return out;
}

std::string capacity_console(const run::Result& r) {
  if (!r.capacity) return "";
  const auto& c = *r.capacity;
  std::string out = fmt::format("\n  capacity   {}\n", c.answer);
  out += fmt::format("             {} trials in {:.1f}s; limited by {}\n", c.trials.size(), c.total_s,
                     c.limited_by.empty() ? std::string("-") : fmt::format("{}", fmt::join(c.limited_by, ", ")));
  return out;
}

namespace {

std::string md_cell(const std::string& text) {
  std::string out;
  for (char ch : text) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

std::string optional_ms(double ms) { return core::format_duration_ms(ms); }

}  // namespace

std::string capacity_markdown(const run::Result& r) {
  if (!r.capacity) return "";
  const auto& c = *r.capacity;
  std::string out = fmt::format("\n### Capacity: {}\n\n", md_cell(c.answer));
  out += "| # | Offered | Length | Sent | Achieved | p50 | p99 | Errors | Verdict |\n";
  out += "|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  int i = 0;
  for (const auto& t : c.trials) {
    out += fmt::format("| {}{} | {} | {} | {} | {} | {} | {} | {} | {} |\n", ++i, t.confirm ? " (confirm)" : "",
                       capacity_level_text(t.level, c.unit),
                       core::format_duration(std::chrono::nanoseconds{static_cast<int64_t>(t.duration_s * 1e9)}),
                       core::format_rate(t.sent_rps), core::format_rate(t.achieved_rps), optional_ms(t.p50_ms),
                       optional_ms(t.p99_ms), core::format_percent(t.error_rate),
                       t.pass ? "✅ pass" : "❌ " + md_cell(t.reason));
  }
  return out;
}

}  // namespace loadgen::reports
