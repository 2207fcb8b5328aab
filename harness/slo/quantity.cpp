// Comparisons and the printing of quantities, shared by the parser, the evaluator and reports.

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/slo/expression.hpp"

namespace loadgen::slo {

std::string to_string(Comparison op) {
  switch (op) {
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
    case Comparison::kEqual:
      return "==";
    case Comparison::kNotEqual:
      return "!=";
  }
  return "?";
}

bool compare(double observed, Comparison op, double threshold) {
  switch (op) {
    case Comparison::kLess:
      return observed < threshold;
    case Comparison::kLessEqual:
      return observed <= threshold;
    case Comparison::kGreater:
      return observed > threshold;
    case Comparison::kGreaterEqual:
      return observed >= threshold;
    case Comparison::kEqual:
      return observed == threshold;
    case Comparison::kNotEqual:
      return observed != threshold;
  }
  return false;
}

std::string format_quantity(double value, Quantity quantity) {
  if (!std::isfinite(value))
    return fmt::format("{}", value);
  // The core formatters print magnitudes; a memory slope may be negative.
  const char* sign = value < 0 ? "-" : "";
  const double magnitude = std::abs(value);
  switch (quantity) {
    case Quantity::kDuration:
      return core::format_duration(core::Nanos{static_cast<int64_t>(std::llround(value))});
    case Quantity::kRate:
      return fmt::format("{}{}", sign, core::format_rate(magnitude));
    case Quantity::kCount:
      return magnitude == std::floor(magnitude) && magnitude < 1e15 ? fmt::format("{:.0f}", value)
                                                                    : fmt::format("{:.4g}", value);
    case Quantity::kRatio:
      return fmt::format("{}{}", sign, core::format_percent(magnitude));
    case Quantity::kBytes:
      return fmt::format("{}{}", sign, core::format_bytes(magnitude));
    case Quantity::kBytesPerHour:
      return fmt::format("{}{}/h", sign, core::format_bytes(magnitude));
    case Quantity::kMetric:
      return fmt::format("{:.4g}", value);
  }
  return fmt::format("{}", value);
}

}  // namespace loadgen::slo
