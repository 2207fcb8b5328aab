#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// A run compared with its baseline: one check per request name (and "http" for all of
// them) and per metric, each with a confidence interval. Filled by reports/baselines.
namespace loadgen::run {

struct BaselineCheck {
  std::string scope;             // "http" (every request) or a request name
  std::string metric;            // "p50", "p99", "rps", "error_rate"
  std::optional<double> base;    // ms for p50/p99, per second for rps, a fraction for error_rate
  std::optional<double> current;
  bool relative = true;          // change and tolerance relative to base; else absolute (error_rate)
  double change = 0;             // +0.12: 12% higher (relative) or 0.12 higher (absolute)
  double ci_low = 0, ci_high = 0;  // 95% confidence interval of change
  double p_value = 1;            // Mann-Whitney U over the per-second figures
  bool significant = false;
  std::optional<double> tolerance;  // empty: off (shown, never fails)
  size_t base_seconds = 0, current_seconds = 0;  // per-second figures compared
  // "ok" (within tolerance), "regression" (worse beyond tolerance and significant),
  // "noise" (worse beyond tolerance, not significant), "improved" (better beyond tolerance
  // and significant), "no data".
  std::string verdict;
  bool failed() const { return verdict == "regression"; }
};

// A profiled stage in both runs: the functions whose share of the samples changed most.
struct FunctionShareChange {
  std::string function;
  double before = 0, after = 0;  // total share, 0..1
};
struct ProfileChange {
  std::string stage;
  uint64_t base_samples = 0, current_samples = 0;
  std::vector<FunctionShareChange> changes;  // largest |after - before| first
};

struct BaselineComparison {
  std::string file;         // the baseline as given
  std::string scenario;     // the baseline's scenario and when it ran
  std::string started_at;
  std::vector<BaselineCheck> checks;
  std::vector<std::string> notes;  // a different scenario, names on one side only ...
  std::vector<ProfileChange> profiles;  // stages profiled in both runs
  bool regression() const {
    for (const auto& c : checks) {
      if (c.failed()) return true;
    }
    return false;
  }
};

}  // namespace loadgen::run
