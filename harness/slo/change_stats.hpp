#pragma once

#include <cstdint>
#include <vector>

// Is the change between two runs real? Each run is summarised by its per-second figures
// (p99 of each second, requests in each second ...), so the spread between seconds tells
// how noisy the machine was. The change of a summary (median, mean, ratio of sums) gets a
// 95% bootstrap confidence interval, resampling seconds with a fixed seed so that the same
// inputs always give the same answer; a Mann-Whitney U test gives a second, rank-based
// opinion. A change is significant when both agree: the interval excludes zero and p < 0.05.
namespace loadgen::slo {

enum class Summary {
  kMedian,       // of the values: latency percentiles per second
  kMean,         // of the values: requests per second
  kRatioOfSums,  // sum(values) / sum(weights): errors / requests
};

// How a change is expressed: relative to the base (+0.25 == 25% more), or as the plain
// difference (for ratios such as an error rate: +0.001 == 0.1 percentage points).
enum class ChangeKind { kRelative, kAbsolute };

struct Sample {
  std::vector<double> values;
  std::vector<double> weights;  // kRatioOfSums only; same length as values
};

struct Change {
  double base = 0;     // the summary of each side
  double current = 0;
  double change = 0;   // current against base, as the ChangeKind says
  double ci_low = 0;   // 95% bootstrap interval of `change`
  double ci_high = 0;
  double p_value = 1;  // Mann-Whitney U, two-sided, normal approximation with tie correction
  bool significant = false;  // the interval excludes zero and p_value < 0.05
  bool defined = false;      // false: a side is empty, or a relative change of a zero base
};

double summarize(const Sample& sample, Summary summary);

// The bootstrap resamples each side's seconds with replacement `resamples` times. Series
// longer than 1000 seconds are first merged into consecutive blocks (means, or sums for a
// ratio) of equal length, which keeps the cost flat on a 24-hour soak and respects the
// correlation between neighbouring seconds.
Change compare_samples(const Sample& base, const Sample& current, Summary summary, ChangeKind kind,
                       uint64_t seed = 0x5eed, int resamples = 2000);

// Two-sided p-value that the two samples come from the same distribution.
double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace loadgen::slo
