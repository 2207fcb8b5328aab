#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/slo/expression.hpp"

namespace loadgen::slo {

// One SLO's outcome, for the console, JUnit and Markdown reports.
struct Verdict {
  Expression expr;
  std::optional<double> observed;  // in the quantity's canonical unit; empty: no samples
  bool pass = false;
  std::string detail;  // "p99=212ms, threshold < 200ms", or "no samples"
};

// Evaluates every expression. `observe` returns the run's value for an expression's metric,
// stat and tags (nothing when no sample matched); `resolve_symbol` gives symbolic thresholds
// their value ("target": the scenario's target rate). An expression with no data, or whose
// symbol has no value, fails: a misspelt metric must not pass a CI gate.
std::vector<Verdict> evaluate(
    const std::vector<Expression>& expressions,
    const std::function<std::optional<double>(const Expression&)>& observe,
    const std::function<std::optional<double>(std::string_view symbol)>& resolve_symbol);

}  // namespace loadgen::slo
