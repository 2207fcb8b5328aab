#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"
#include "harness/slo/expression.hpp"
#include "harness/slo/stats.hpp"

// The right-hand side of an SLO expression: a number whose unit must fit the stat's quantity.
// Internal to the SLO parser.
namespace loadgen::slo {

struct Threshold {
  std::optional<double> value;  // in the quantity's canonical unit
  std::string symbol;           // "target"
};

// Parses `text` (trimmed, non-empty) as a threshold for `stat` of a `family` metric. Messages
// name both sides when they do not fit: "p99 is a duration; 5MB is a size".
core::Expected<Threshold> parse_threshold(std::string_view text, Family family,
                                          const StatInfo& stat);

// Rejects comparisons that can never hold or always hold, given the bounds of the quantity
// (nothing is below 0; an error rate is at most 100%).
std::optional<std::string> impossible(Family family, const StatInfo& stat, Comparison op,
                                      double threshold, std::string_view text);

}  // namespace loadgen::slo
