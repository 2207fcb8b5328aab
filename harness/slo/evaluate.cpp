#include "harness/slo/evaluate.hpp"

#include <cmath>

#include <fmt/format.h>

namespace loadgen::slo {
namespace {

Verdict evaluate_one(
    const Expression& expr, const std::function<std::optional<double>(const Expression&)>& observe,
    const std::function<std::optional<double>(std::string_view symbol)>& resolve_symbol) {
  Verdict verdict{expr, observe(expr), false, ""};
  // NaN (a mean of nothing) is no data too, and would compare false against any threshold.
  if (!verdict.observed || std::isnan(*verdict.observed)) {
    verdict.observed.reset();
    verdict.detail = "no samples";
    return verdict;
  }
  const std::string observed =
      fmt::format("{}={}", expr.stat, format_quantity(*verdict.observed, expr.quantity));
  const std::string op = to_string(expr.op);
  std::optional<double> threshold = expr.threshold;
  if (!threshold) {
    threshold = resolve_symbol(expr.symbolic_threshold);
    if (!threshold) {
      verdict.detail = fmt::format("{}, no value for '{}'", observed, expr.symbolic_threshold);
      return verdict;
    }
    verdict.detail = fmt::format("{}, threshold {} {} ({})", observed, op, expr.symbolic_threshold,
                                 format_quantity(*threshold, expr.quantity));
  } else {
    verdict.detail = fmt::format("{}, threshold {} {}", observed, op,
                                 format_quantity(*threshold, expr.quantity));
  }
  verdict.pass = compare(*verdict.observed, expr.op, *threshold);
  return verdict;
}

}  // namespace

std::vector<Verdict> evaluate(
    const std::vector<Expression>& expressions,
    const std::function<std::optional<double>(const Expression&)>& observe,
    const std::function<std::optional<double>(std::string_view symbol)>& resolve_symbol) {
  std::vector<Verdict> verdicts;
  verdicts.reserve(expressions.size());
  for (const auto& expr : expressions)
    verdicts.push_back(evaluate_one(expr, observe, resolve_symbol));
  return verdicts;
}

}  // namespace loadgen::slo
