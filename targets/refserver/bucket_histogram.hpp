#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "harness/metrics/histogram.hpp"

// Latency histograms as Prometheus judges them: a count per fixed upper bound (le, "less than
// or equal"), one layout for every refserver latency so that SLOs compare like with like.
namespace loadgen::refserver {

// Upper bounds in seconds, ascending; +Inf follows implicitly.
inline constexpr std::array<double, 14> kLatencyBucketBounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

inline constexpr std::size_t kLatencyBucketCount = kLatencyBucketBounds.size() + 1;

// A histogram's counts at one moment, as an exposition writes them.
struct BucketCounts {
  // Values <= each bound, then all values (+Inf): the last is the count.
  std::array<std::uint64_t, kLatencyBucketCount> cumulative{};
  double sum_seconds = 0;

  std::uint64_t count() const { return cumulative.back(); }
};

// Recording is two relaxed atomic adds and no allocation: every request on every thread
// records. A reader sees each counter exactly, but not all of them at one instant.
class BucketHistogram {
 public:
  // A negative duration (a clock oddity) counts as 0.
  void record(std::chrono::nanoseconds value) noexcept;

  // The count is the sum of the buckets, so the +Inf bucket always equals it.
  BucketCounts counts() const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kLatencyBucketCount> buckets_{};  // not cumulative
  std::atomic<std::uint64_t> sum_ns_{0};
};

// The same counts from an HDR histogram of nanoseconds. An HDR bucket's values are
// indistinguishable, so each bucket counts under the first bound at or above its highest
// value: a value just below a bound (within the HDR resolution, 0.1% at 3 significant digits)
// may count only from the next bound on, but no value is ever counted under a bound it might
// exceed. The sum is count x mean, as exact as the HDR buckets.
BucketCounts bucket_counts_of_ns(const metrics::Histogram& ns);

}  // namespace loadgen::refserver
