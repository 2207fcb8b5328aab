#include "reports/baselines/compare.hpp"
#include "reports/baselines/profile_changes.hpp"

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/slo/change_stats.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

// Fewer per-second figures than this judge nothing: with 3 against 3 even a complete
// separation is not significant for Mann-Whitney.
constexpr size_t kMinSeconds = 4;

// The measured seconds of one scope.
struct Seconds {
  std::vector<double> count, errors, p50, p99, length;
};

struct Figures {
  std::string scenario, started_at;
  double target_rps = 0;
  Seconds all;
  std::vector<std::string> names;  // in the run's order
  std::map<std::string, Seconds> by_name;
};

double number(const json& j, const char* key, double fallback = 0) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

double at(const json& column, size_t i) {
  return column.is_array() && i < column.size() && column[i].is_number() ? column[i].get<double>() : 0;
}

// A member without operator[] on a const document (which asserts on a missing key).
const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

Figures figures_of(const json& r) {
  Figures f;
  f.scenario = r.value("scenario", "");
  f.started_at = r.value("started_at", "");
  if (const auto t = r.find("throughput"); t != r.end() && t->is_object()) f.target_rps = number(*t, "target_rps");
  const double warmup = number(r, "warmup_s");
  const double planned = number(r, "planned_duration_s");
  const auto& timeline = member(r, "timeline");
  if (!timeline.is_array()) return f;
  // Which seconds count: after warm-up, and not the drain after the plan ended.
  std::vector<size_t> measured;
  for (size_t i = 0; i < timeline.size(); ++i) {
    const double length = number(timeline[i], "length_s", 1);
    const double start = number(timeline[i], "t_s") - length;
    if (start < warmup - 1e-6 || (planned > 0 && start >= planned - 1e-6)) continue;
    measured.push_back(i);
    const auto& p = timeline[i];
    f.all.length.push_back(length);
    f.all.count.push_back(std::round(number(p, "rps") * length));
    f.all.errors.push_back(number(p, "errors"));
    f.all.p50.push_back(number(p, "p50_ms"));
    f.all.p99.push_back(number(p, "p99_ms"));
  }
  const auto& by_name = member(r, "by_name");
  if (!by_name.is_object()) return f;
  for (const auto& [name, n] : by_name.items()) {
    f.names.push_back(name);
    Seconds s;
    const auto& t = member(n, "timeline");
    const auto& count = member(t, "count");
    if (!count.is_array() || count.size() != timeline.size()) {
      f.by_name[name] = s;  // an older result without per-name seconds: nothing to judge
      continue;
    }
    for (size_t i : measured) {
      s.length.push_back(f.all.length[s.length.size()]);
      s.count.push_back(at(count, i));
      s.errors.push_back(at(member(t, "errors"), i));
      s.p50.push_back(at(member(t, "p50_ms"), i));
      s.p99.push_back(at(member(t, "p99_ms"), i));
    }
    f.by_name[name] = std::move(s);
  }
  return f;
}

slo::Sample sample_of(const Seconds& s, const std::string& metric) {
  slo::Sample out;
  for (size_t i = 0; i < s.count.size(); ++i) {
    if (metric == "rps") {
      out.values.push_back(s.length[i] > 0 ? s.count[i] / s.length[i] : 0);
    } else if (s.count[i] > 0) {
      if (metric == "error_rate") {
        out.values.push_back(s.errors[i]);
        out.weights.push_back(s.count[i]);
      } else {
        out.values.push_back(metric == "p50" ? s.p50[i] : s.p99[i]);
      }
    }
  }
  return out;
}

// FNV-1a: a seed per check that is the same on every platform.
uint64_t seed_of(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

run::BaselineCheck check(const std::string& scope, const std::string& metric, const Seconds& base,
                         const Seconds& current, const slo::Tolerances& tolerances) {
  run::BaselineCheck c;
  c.scope = scope;
  c.metric = metric;
  c.relative = metric != "error_rate";
  const auto t = tolerances.by_metric.find(metric);
  if (t != tolerances.by_metric.end()) c.tolerance = t->second;
  const auto b = sample_of(base, metric);
  const auto n = sample_of(current, metric);
  c.base_seconds = b.values.size();
  c.current_seconds = n.values.size();
  const auto summary = metric == "rps"          ? slo::Summary::kMean
                       : metric == "error_rate" ? slo::Summary::kRatioOfSums
                                                : slo::Summary::kMedian;
  if (!b.values.empty()) c.base = slo::summarize(b, summary);
  if (!n.values.empty()) c.current = slo::summarize(n, summary);
  if (b.values.size() < kMinSeconds || n.values.size() < kMinSeconds) {
    c.verdict = "no data";
    return c;
  }
  const auto change = slo::compare_samples(b, n, summary, c.relative ? slo::ChangeKind::kRelative : slo::ChangeKind::kAbsolute,
                                           seed_of(scope + "/" + metric));
  if (!change.defined) {
    c.verdict = "no data";
    return c;
  }
  c.change = change.change;
  c.ci_low = change.ci_low;
  c.ci_high = change.ci_high;
  c.p_value = change.p_value;
  c.significant = change.significant;
  const bool worse = metric == "rps" ? c.change < 0 : c.change > 0;
  const bool beyond = c.tolerance && std::abs(c.change) > *c.tolerance + 1e-12;
  if (beyond && worse) {
    c.verdict = c.significant ? "regression" : "noise";
  } else if (beyond && c.significant) {
    c.verdict = "improved";
  } else {
    c.verdict = "ok";
  }
  return c;
}

// Two capacity searches: one confirmed figure each, no per-second sample to bootstrap. A drop
// beyond the tolerance is a regression when the new search saw a level fail that the old one
// confirmed (evidence, not a rounding of the bisection); otherwise it is noise.
std::optional<run::BaselineCheck> capacity_check(const json& base, const json& current,
                                                 const slo::Tolerances& tolerances) {
  const auto* b = base.contains("capacity") && base["capacity"].is_object() ? &base["capacity"] : nullptr;
  const auto* n = current.contains("capacity") && current["capacity"].is_object() ? &current["capacity"] : nullptr;
  if (b == nullptr || n == nullptr) return std::nullopt;
  run::BaselineCheck c;
  c.scope = "capacity";
  c.metric = "max_rate";
  const auto t = tolerances.by_metric.find("capacity");
  if (t != tolerances.by_metric.end()) c.tolerance = t->second;
  const auto value = [](const json& j, const char* key) -> std::optional<double> {
    return j.contains(key) && j[key].is_number() ? std::optional<double>(j[key].get<double>()) : std::nullopt;
  };
  c.base = value(*b, "max_rate");
  c.current = value(*n, "max_rate");
  if (!c.base || !c.current || *c.base <= 0) {
    c.verdict = "no data";
    return c;
  }
  c.change = *c.current / *c.base - 1;
  c.ci_low = c.ci_high = c.change;
  const auto new_fail = value(*n, "first_failing_rate");
  c.significant = new_fail && *new_fail <= *c.base;
  c.p_value = c.significant ? 0 : 1;
  const bool beyond = c.tolerance && std::abs(c.change) > *c.tolerance + 1e-12;
  if (beyond && c.change < 0) {
    c.verdict = c.significant ? "regression" : "noise";
  } else if (beyond) {
    c.verdict = "improved";
  } else {
    c.verdict = "ok";
  }
  return c;
}

}  // namespace

run::BaselineComparison compare_runs(const json& base_json, const json& current_json, const slo::Tolerances& tolerances,
                                     const std::string& base_file) {
  const auto base = figures_of(base_json);
  const auto current = figures_of(current_json);
  run::BaselineComparison out;
  out.file = base_file;
  out.scenario = base.scenario;
  out.started_at = base.started_at;
  if (base.scenario != current.scenario) {
    out.notes.push_back(fmt::format("the baseline is of scenario '{}', this run of '{}'", base.scenario, current.scenario));
  }
  if (base.target_rps > 0 && current.target_rps > 0 && std::abs(current.target_rps / base.target_rps - 1) > 0.01) {
    out.notes.push_back(fmt::format("the planned rate differs: {} in the baseline, {} now", core::format_rate(base.target_rps),
                                    core::format_rate(current.target_rps)));
  }
  if (auto c = capacity_check(base_json, current_json, tolerances)) out.checks.push_back(std::move(*c));
  for (const auto& metric : slo::baseline_metrics()) out.checks.push_back(check("http", metric, base.all, current.all, tolerances));
  for (const auto& name : current.names) {
    const auto b = base.by_name.find(name);
    if (b == base.by_name.end()) {
      out.notes.push_back(fmt::format("request '{}' has no baseline", name));
      continue;
    }
    for (const auto& metric : slo::baseline_metrics()) {
      out.checks.push_back(check(name, metric, b->second, current.by_name.at(name), tolerances));
    }
  }
  for (const auto& name : base.names) {
    if (!current.by_name.contains(name)) out.notes.push_back(fmt::format("request '{}' of the baseline did not run", name));
  }
  out.profiles = compare_profiles(base_json, current_json, out.notes);
  return out;
}

}  // namespace loadgen::reports
