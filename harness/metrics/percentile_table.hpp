#pragma once

#include <string>

#include "harness/metrics/histogram.hpp"

namespace loadgen::metrics {

// The percentile distribution as Java's outputPercentileDistribution prints it (and so as
// HistogramLogProcessor and the .hgrm files do), character for character: a
// "Value Percentile TotalCount 1/(1-Percentile)" table, then the Mean/StdDeviation, Max/Total
// count and Buckets/SubBuckets footer. Values are divided by `value_ratio` (1e6: ns as ms)
// and printed with as many decimals as the histogram has significant digits.
std::string format_percentile_table(const Histogram& histogram, int ticks_per_half_distance = 5,
                                    double value_ratio = 1e6);
// The same rows as CSV, as HistogramLogProcessor -csv prints them.
std::string format_percentile_csv(const Histogram& histogram, int ticks_per_half_distance = 5,
                                  double value_ratio = 1e6);

// Java's Formatter rounds the shortest decimal form of a double half-up ("%.3f" of 1.0625 is
// 1.063, where printf gives 1.062); this does the same so our tables diff clean against Java.
std::string format_fixed_half_up(double value, int decimals);

}  // namespace loadgen::metrics
