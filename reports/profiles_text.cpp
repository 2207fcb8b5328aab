#include "reports/profiles_text.hpp"

#include <fmt/format.h>

namespace loadgen::reports {
namespace {

constexpr size_t kConsoleFunctions = 5;
constexpr size_t kMarkdownFunctions = 10;

std::string percent(double share) { return fmt::format("{:.1f}%", share * 100); }

std::string stage_head(const run::StageProfile& p) {
  return fmt::format("{} ({:.0f}s-{:.0f}s, {} Hz, {})", p.stage, p.start_s, p.end_s, p.frequency, p.call_graph);
}

// Function names can be long C++ signatures: the console keeps their start.
std::string shortened(const std::string& name, size_t width) {
  return name.size() <= width ? name : name.substr(0, width - 3) + "...";
}

const run::ProfileChange* change_of(const run::Result& r, const std::string& stage) {
  if (!r.baseline) return nullptr;
  for (const auto& c : r.baseline->profiles) {
    if (c.stage == stage) return &c;
  }
  return nullptr;
}

}  // namespace

std::string profiles_console(const run::Result& r) {
  if (r.profiles.empty()) return {};
  std::string out = "\n  profiles of the target (perf)\n";
  for (const auto& p : r.profiles) {
    if (p.status != "ok") {
      out += fmt::format("  {}: no profile ({}): {}\n", p.stage, p.status, p.reason);
      continue;
    }
    out += fmt::format("  {}: {} samples -> {}\n", stage_head(p), p.samples, p.folded_file);
    for (const auto& f : probes::top_by_self(p.functions, kConsoleFunctions)) {
      out += fmt::format("    self {:>6} total {:>6}  {}\n", percent(f.self_share), percent(f.total_share), shortened(f.function, 90));
    }
    if (const auto* c = change_of(r, p.stage)) {
      for (const auto& s : c->changes) {
        if (&s - c->changes.data() >= static_cast<std::ptrdiff_t>(kConsoleFunctions)) break;
        out += fmt::format("    vs baseline {:>+7.1f} pts ({} -> {})  {}\n", (s.after - s.before) * 100, percent(s.before),
                           percent(s.after), shortened(s.function, 80));
      }
    }
  }
  return out;
}

std::string profiles_markdown(const run::Result& r) {
  if (r.profiles.empty()) return {};
  std::string out = "\n### Profiles (perf)\n";
  for (const auto& p : r.profiles) {
    if (p.status != "ok") {
      out += fmt::format("\n**{}**: no profile ({}): {}\n", p.stage, p.status, p.reason);
      continue;
    }
    out += fmt::format("\n**{}**: {} samples, `{}`\n\n| self | total | function |\n|---:|---:|---|\n", stage_head(p), p.samples,
                       p.folded_file);
    for (const auto& f : probes::top_by_self(p.functions, kMarkdownFunctions)) {
      out += fmt::format("| {} | {} | `{}` |\n", percent(f.self_share), percent(f.total_share), f.function);
    }
    if (const auto* c = change_of(r, p.stage); c && !c->changes.empty()) {
      out += "\nLargest changes of total share against the baseline:\n\n| baseline | now | change | function |\n|---:|---:|---:|---|\n";
      for (size_t i = 0; i < c->changes.size() && i < kMarkdownFunctions; ++i) {
        const auto& s = c->changes[i];
        out += fmt::format("| {} | {} | {:+.1f} pts | `{}` |\n", percent(s.before), percent(s.after), (s.after - s.before) * 100,
                           s.function);
      }
    }
  }
  return out;
}

}  // namespace loadgen::reports
