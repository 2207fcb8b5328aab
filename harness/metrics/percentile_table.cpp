#include "harness/metrics/percentile_table.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace loadgen::metrics {
namespace {

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::string format_fixed_half_up(double value, int decimals) {
  if (!std::isfinite(value)) return value > 0 ? "Infinity" : (value < 0 ? "-Infinity" : "NaN");
  std::array<char, 400> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(value), std::chars_format::fixed);
  std::string digits(buf.data(), end);  // shortest round-trip form, e.g. "1.0625"
  auto dot = digits.find('.');
  if (dot == std::string::npos) {
    dot = digits.size();
    digits += '.';
  }
  const size_t want = dot + 1 + static_cast<size_t>(decimals);
  if (digits.size() < want) digits.append(want - digits.size(), '0');
  if (digits.size() > want) {
    const bool round_up = digits[want] >= '5';
    digits.resize(want);
    if (round_up) {
      // Carry leftwards over the digits, skipping the point.
      int i = static_cast<int>(digits.size()) - 1;
      for (; i >= 0; --i) {
        if (digits[static_cast<size_t>(i)] == '.') continue;
        if (digits[static_cast<size_t>(i)] == '9') {
          digits[static_cast<size_t>(i)] = '0';
        } else {
          ++digits[static_cast<size_t>(i)];
          break;
        }
      }
      if (i < 0) digits.insert(digits.begin(), '1');
    }
  }
  if (decimals == 0) digits.pop_back();  // the '.'
  const bool negative = std::signbit(value) && digits.find_first_not_of("0.") != std::string::npos;
  return negative ? "-" + digits : digits;
}

std::string format_percentile_table(const Histogram& h, int ticks, double ratio) {
  const int s = h.significant_digits();
  std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile", "TotalCount",
                                "1/(1-Percentile)");
  for (const auto& row : h.percentile_distribution(ticks)) {
    const double p = row.percentile / 100.0;
    out += pad_left(format_fixed_half_up(static_cast<double>(row.value) / ratio, s), 12);
    out += ' ' + format_fixed_half_up(p, 12);
    out += ' ' + pad_left(std::to_string(row.cumulative_count), 10);
    if (row.percentile != 100.0) out += ' ' + pad_left(format_fixed_half_up(1.0 / (1.0 - p), 2), 14);
    out += '\n';
  }
  out += fmt::format("#[Mean    = {}, StdDeviation   = {}]\n",
                     pad_left(format_fixed_half_up(h.mean() / ratio, s), 12),
                     pad_left(format_fixed_half_up(h.stddev() / ratio, s), 12));
  out += fmt::format("#[Max     = {}, Total count    = {:>12}]\n",
                     pad_left(format_fixed_half_up(static_cast<double>(h.max()) / ratio, s), 12),
                     h.total_count());
  out += fmt::format("#[Buckets = {:>12}, SubBuckets     = {:>12}]\n", h.bucket_count(), h.sub_bucket_count());
  return out;
}

std::string format_percentile_csv(const Histogram& h, int ticks, double ratio) {
  const int s = h.significant_digits();
  std::string out = "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n";
  for (const auto& row : h.percentile_distribution(ticks)) {
    const double p = row.percentile / 100.0;
    out += format_fixed_half_up(static_cast<double>(row.value) / ratio, s) + ',' +
           format_fixed_half_up(p, 12) + ',' + std::to_string(row.cumulative_count) + ',' +
           (row.percentile != 100.0 ? format_fixed_half_up(1.0 / (1.0 - p), 2) : "Infinity") + '\n';
  }
  return out;
}

}  // namespace loadgen::metrics
