#include "harness/slo/tolerance.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::slo {

const std::vector<std::string>& baseline_metrics() {
  static const std::vector<std::string> metrics = {"p50", "p99", "rps", "error_rate"};
  return metrics;
}

Tolerances Tolerances::defaults() {
  // p99 moves more than p50 between honest reruns on a shared machine.
  return {{{"p50", 0.10}, {"p99", 0.15}, {"rps", 0.05}, {"error_rate", 0.001}, {"capacity", 0.10}}};
}

core::Expected<std::optional<double>> parse_tolerance(std::string_view value) {
  using R = core::Expected<std::optional<double>>;
  if (value == "off") return std::optional<double>{};
  if (value.empty() || value.back() != '%') {
    return R::failure(fmt::format("tolerance '{}' is a percentage such as 10% (or off)", value));
  }
  auto ratio = core::parse_ratio(value);
  if (!ratio || *ratio < 0) {
    return R::failure(fmt::format("tolerance '{}' is a percentage such as 10% (or off)", value));
  }
  return std::optional<double>{*ratio};
}

std::optional<std::string> check_tolerance_metric(std::string_view metric) {
  const auto& known = baseline_metrics();
  if (std::find(known.begin(), known.end(), metric) != known.end() || metric == "capacity") return std::nullopt;
  return fmt::format("'{}' is not a compared metric (use {}, capacity)", metric, fmt::join(known, ", "));
}

core::Expected<Tolerances> parse_tolerances(std::string_view text, Tolerances into) {
  using R = core::Expected<Tolerances>;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return R::failure(fmt::format("'{}': write metric=percentage, e.g. p99=10%", item));
    }
    const auto metric = item.substr(0, eq);
    if (auto problem = check_tolerance_metric(metric)) return R::failure(*problem);
    auto value = parse_tolerance(item.substr(eq + 1));
    if (!value) return R::failure(fmt::format("{}: {}", metric, value.error()));
    into.by_metric[std::string(metric)] = *value;
  }
  return into;
}

}  // namespace loadgen::slo
