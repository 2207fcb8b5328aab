#include "targets/refserver/bucket_histogram.hpp"

#include <algorithm>

namespace loadgen::refserver {
namespace {

// The bounds in integer nanoseconds, so that recording compares integers and a value exactly
// on a bound is not lost to rounding.
constexpr auto kBoundsNs = [] {
  std::array<std::int64_t, kLatencyBucketBounds.size()> ns{};
  for (std::size_t i = 0; i < ns.size(); ++i)
    ns[i] = static_cast<std::int64_t>(kLatencyBucketBounds[i] * 1e9 + 0.5);
  return ns;
}();
static_assert(kBoundsNs.front() == 500'000 && kBoundsNs.back() == 10'000'000'000);

// The first bucket whose bound is >= ns; the +Inf bucket past the last bound.
std::size_t bucket_of(std::int64_t ns) {
  return static_cast<std::size_t>(std::lower_bound(kBoundsNs.begin(), kBoundsNs.end(), ns) -
                                  kBoundsNs.begin());
}

}  // namespace

void BucketHistogram::record(std::chrono::nanoseconds value) noexcept {
  const auto ns = std::max<std::int64_t>(0, value.count());
  buckets_[bucket_of(ns)].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

BucketCounts BucketHistogram::counts() const noexcept {
  BucketCounts counts;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    counts.cumulative[i] = running;
  }
  counts.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return counts;
}

BucketCounts bucket_counts_of_ns(const metrics::Histogram& ns) {
  BucketCounts counts;
  ns.for_each_nonzero_count([&](std::int64_t index, std::int64_t count) {
    const auto highest = ns.highest_equivalent_value(ns.value_from_index(index));
    counts.cumulative[bucket_of(highest)] += static_cast<std::uint64_t>(count);
  });
  for (std::size_t i = 1; i < counts.cumulative.size(); ++i)
    counts.cumulative[i] += counts.cumulative[i - 1];
  counts.sum_seconds = ns.mean() * static_cast<double>(ns.total_count()) / 1e9;
  return counts;
}

}  // namespace loadgen::refserver
