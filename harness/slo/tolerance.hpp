#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

// How much worse a run may be than its baseline before the comparison fails: per metric,
// "p99=10%" (latency up to 10% higher), "rps=5%" (throughput up to 5% lower),
// "error_rate=0.1%" (up to 0.1 percentage points more errors), or "off".
namespace loadgen::slo {

// The metrics a baseline comparison judges, in report order.
const std::vector<std::string>& baseline_metrics();  // p50, p99, rps, error_rate

struct Tolerances {
  // A fraction (0.10 == 10%); empty: the metric is shown but never fails.
  std::map<std::string, std::optional<double>> by_metric;
  static Tolerances defaults();  // p50 10%, p99 15%, rps 5%, error_rate 0.1%
};

// One value: "10%", "0.1", "off". The error says what is expected.
core::Expected<std::optional<double>> parse_tolerance(std::string_view value);
// Checks a metric name; the error lists the valid ones (with a did-you-mean when close).
std::optional<std::string> check_tolerance_metric(std::string_view metric);
// "p99=10%,rps=5%": applied over `into`.
core::Expected<Tolerances> parse_tolerances(std::string_view text, Tolerances into);

}  // namespace loadgen::slo
