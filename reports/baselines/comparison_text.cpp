#include "reports/baselines/comparison_text.hpp"

#include <cmath>

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

std::string signed_change(const run::BaselineCheck& c, double v) {
  if (c.relative) return fmt::format("{:+.1f}%", v * 100);
  return fmt::format("{:+.2f}pp", v * 100);  // percentage points of an error rate
}

std::string scope_metric(const run::BaselineCheck& c) { return c.scope + "." + c.metric; }

std::string verdict_mark(const std::string& verdict) {
  if (verdict == "regression") return "❌ regression";
  if (verdict == "noise") return "〰️ not significant";
  if (verdict == "improved") return "🟢 improved";
  if (verdict == "no data") return "– no data";
  return "✅ ok";
}

// Pipes would end a table cell early.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string baseline_value(const run::BaselineCheck& c, std::optional<double> value) {
  if (!value) return "-";
  if (c.metric == "rps" || c.metric == "max_rate") return core::format_rate(*value);
  if (c.metric == "error_rate") return core::format_percent(*value);
  return core::format_duration_ms(*value);
}

std::string baseline_change(const run::BaselineCheck& c) {
  return c.verdict == "no data" ? "-" : signed_change(c, c.change);
}

std::string baseline_interval(const run::BaselineCheck& c) {
  if (c.verdict == "no data") return "-";
  return signed_change(c, c.ci_low) + " .. " + signed_change(c, c.ci_high);
}

std::string baseline_tolerance(const run::BaselineCheck& c) {
  if (!c.tolerance) return "off";
  return signed_change(c, c.metric == "rps" || c.metric == "max_rate" ? -*c.tolerance : *c.tolerance);
}

std::string baseline_console(const run::BaselineComparison& b) {
  std::string out = fmt::format("\nbaseline: {} (scenario {}, ran {})\n", b.file, b.scenario, b.started_at);
  out += fmt::format("  {:<28} {:>10} {:>10} {:>9} {:>21} {:>9}  {}\n", "metric", "base", "new", "change", "95% CI",
                     "tolerance", "verdict");
  for (const auto& c : b.checks) {
    out += fmt::format("  {:<28} {:>10} {:>10} {:>9} {:>21} {:>9}  {}\n", scope_metric(c), baseline_value(c, c.base),
                       baseline_value(c, c.current), baseline_change(c), baseline_interval(c), baseline_tolerance(c),
                       c.verdict == "regression" ? "REGRESSION" : c.verdict);
  }
  for (const auto& n : b.notes) out += fmt::format("  note: {}\n", n);
  size_t regressions = 0;
  for (const auto& c : b.checks) regressions += c.failed() ? 1 : 0;
  out += regressions == 0 ? "  no regression beyond tolerance\n"
                          : fmt::format("  {} regression{} beyond tolerance\n", regressions, regressions == 1 ? "" : "s");
  return out;
}

std::string baseline_markdown(const run::BaselineComparison& b) {
  std::string out = fmt::format("### Change against baseline `{}` ({})\n\n", cell(b.file), cell(b.started_at));
  out += "| Metric | Base | New | Change | 95% CI | Tolerance | Verdict |\n|---|---:|---:|---:|---:|---:|:---|\n";
  for (const auto& c : b.checks) {
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", cell(scope_metric(c)), baseline_value(c, c.base),
                       baseline_value(c, c.current), baseline_change(c), baseline_interval(c), baseline_tolerance(c),
                       verdict_mark(c.verdict));
  }
  for (const auto& n : b.notes) out += fmt::format("\n> ℹ️ {}\n", cell(n));
  out += "\nFigures are medians (p50, p99) or means (rps) of the per-second values after warm-up; a regression is "
         "worse than its tolerance and significant (the interval excludes no change and Mann-Whitney p < 0.05).\n";
  return out;
}

json baseline_json(const run::BaselineComparison& b) {
  json checks = json::array();
  for (const auto& c : b.checks) {
    const auto opt = [](std::optional<double> v) { return v ? json(*v) : json(nullptr); };
    checks.push_back({{"scope", c.scope},
                      {"metric", c.metric},
                      {"base", opt(c.base)},
                      {"new", opt(c.current)},
                      {"change", c.change},
                      {"change_kind", c.relative ? "relative" : "absolute"},
                      {"ci95", {c.ci_low, c.ci_high}},
                      {"p_value", c.p_value},
                      {"significant", c.significant},
                      {"tolerance", opt(c.tolerance)},
                      {"seconds", {{"base", c.base_seconds}, {"new", c.current_seconds}}},
                      {"verdict", c.verdict}});
  }
  json profiles = json::array();
  for (const auto& p : b.profiles) {
    json changes = json::array();
    for (const auto& c : p.changes) changes.push_back({{"function", c.function}, {"base_share", c.before}, {"new_share", c.after}});
    profiles.push_back({{"stage", p.stage}, {"base_samples", p.base_samples}, {"new_samples", p.current_samples}, {"changes", changes}});
  }
  return {{"file", b.file},           {"scenario", b.scenario}, {"started_at", b.started_at},
          {"regression", b.regression()}, {"checks", checks},   {"notes", b.notes}, {"profiles", profiles}};
}

run::BaselineComparison baseline_from_json(const json& j) {
  run::BaselineComparison b;
  b.file = j.value("file", "");
  b.scenario = j.value("scenario", "");
  b.started_at = j.value("started_at", "");
  b.notes = j.value("notes", std::vector<std::string>{});
  for (const auto& p : j.value("profiles", json::array())) {
    run::ProfileChange change;
    change.stage = p.value("stage", "");
    change.base_samples = p.value("base_samples", uint64_t{0});
    change.current_samples = p.value("new_samples", uint64_t{0});
    for (const auto& c : p.value("changes", json::array())) {
      change.changes.push_back({c.value("function", ""), c.value("base_share", 0.0), c.value("new_share", 0.0)});
    }
    b.profiles.push_back(std::move(change));
  }
  const auto opt = [](const json& c, const char* key) -> std::optional<double> {
    const auto it = c.find(key);
    return it != c.end() && it->is_number() ? std::optional<double>(it->get<double>()) : std::nullopt;
  };
  for (const auto& c : j.value("checks", json::array())) {
    run::BaselineCheck k;
    k.scope = c.value("scope", "");
    k.metric = c.value("metric", "");
    k.base = opt(c, "base");
    k.current = opt(c, "new");
    k.change = c.value("change", 0.0);
    k.relative = c.value("change_kind", "relative") == "relative";
    const auto ci = c.value("ci95", std::vector<double>{});
    if (ci.size() == 2) {
      k.ci_low = ci[0];
      k.ci_high = ci[1];
    }
    k.p_value = c.value("p_value", 1.0);
    k.significant = c.value("significant", false);
    k.tolerance = opt(c, "tolerance");
    if (const auto s = c.find("seconds"); s != c.end() && s->is_object()) {
      k.base_seconds = s->value("base", size_t{0});
      k.current_seconds = s->value("new", size_t{0});
    }
    k.verdict = c.value("verdict", "");
    b.checks.push_back(std::move(k));
  }
  return b;
}

}  // namespace loadgen::reports
