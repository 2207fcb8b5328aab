#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "harness/metrics/mapped_counts.hpp"

// An HDR (high dynamic range) histogram of non-negative integer values, written from
// ../shared/reference/hdr-spec.md so that its layout, percentile rule and encoding match the
// reference Java HdrHistogram 2.1.x exactly. One writer; see IntervalRecorder for a
// concurrent reader. Values are whatever unit the caller picks; loadgen records nanoseconds.
namespace loadgen::metrics {

// One bucket of recorded values, as the iterators visit it.
struct RecordedBucket {
  int64_t value;              // highest value equivalent to the bucket (what percentiles report)
  int64_t lowest_equivalent;  // lowest value that lands in this bucket
  int64_t count;              // values in this bucket
  int64_t cumulative_count;   // values in this bucket and all lower ones
};

// One row of a percentile distribution (HdrHistogram's PercentileIterator).
struct PercentileRow {
  double percentile;         // the tick level in [0, 100]
  int64_t value;             // highest equivalent value of the bucket reaching that level
  int64_t cumulative_count;  // values at or below `value`
};

class Histogram {
 public:
  // Throws std::invalid_argument unless 1 <= lowest <= 2^40, highest >= 2 * lowest, and
  // 1 <= significant_digits <= 5 (and the layout fits in 63 bits).
  Histogram(int64_t lowest_discernible, int64_t highest_trackable, int significant_digits);

  // 1 ns to 1 hour at 3 significant digits: loadgen's latency histogram (33,792 counts, held
  // committed page by page as values arrive: a few KiB for an interval of one name on one thread).
  static Histogram for_latency_ns();

  // Adds `count` occurrences of `value`. A value below 0 or above highest_trackable() is not
  // placed in a bucket: it is counted in out_of_range_count() and false is returned.
  bool record(int64_t value, int64_t count = 1) noexcept {
    // One unsigned compare covers both ends (a negative value is a huge unsigned one).
    if (static_cast<uint64_t>(value) > static_cast<uint64_t>(highest_trackable_)) [[unlikely]] {
      out_of_range_ += count;
      return false;
    }
    total_count_ += count;
    max_raw_ = std::max(max_raw_, value);
    min_raw_ = std::min(min_raw_, value);
    // Last: its address waits for the page pointer, and nothing above should wait behind it.
    counts_.add(static_cast<size_t>(counts_index(value)), count);
    return true;
  }

  // Adds every count of `other`. Same layout: element-wise; otherwise each bucket is
  // re-recorded at its lowest equivalent value. Returns how many values did not fit (they
  // are added to out_of_range_count(), as are other's own out-of-range values).
  int64_t add(const Histogram& other);

  // Forgets every value; the layout is kept.
  void reset() noexcept;

  // The highest equivalent value below which `percentile` % of values fall (p0: the lowest
  // equivalent of the smallest value). Java >= 2.1.10 rounding. 0 when empty.
  int64_t value_at_percentile(double percentile) const noexcept;
  // Several percentiles in one pass over the counts; `ascending` must be sorted.
  std::vector<int64_t> values_at_percentiles(std::span<const double> ascending) const;

  int64_t count_at_value(int64_t value) const noexcept;  // 0 for out-of-range values
  int64_t total_count() const noexcept { return total_count_; }
  int64_t out_of_range_count() const noexcept { return out_of_range_; }
  bool empty() const noexcept { return total_count_ == 0; }
  int64_t min() const noexcept;  // lowest equivalent of the smallest value, 0 when empty
  int64_t max() const noexcept;  // highest equivalent of the largest value, 0 when empty
  double mean() const noexcept;  // over bucket medians, as Java; 0 when empty
  double stddev() const noexcept;  // population standard deviation; 0 when empty

  // Every non-empty bucket in ascending order.
  std::vector<RecordedBucket> recorded_buckets() const;
  // The percentile distribution with `ticks_per_half_distance` rows per halving of the
  // distance to 100% (5 in wrk2 and HistogramLogProcessor). Empty when the histogram is.
  std::vector<PercentileRow> percentile_distribution(int ticks_per_half_distance) const;

  // Value equivalence: values in the same bucket are indistinguishable.
  int64_t lowest_equivalent_value(int64_t value) const noexcept;
  int64_t highest_equivalent_value(int64_t value) const noexcept;
  int64_t median_equivalent_value(int64_t value) const noexcept;
  int64_t size_of_equivalent_range(int64_t value) const noexcept;

  // Layout, for encoders and tests.
  int64_t lowest_discernible() const noexcept { return lowest_discernible_; }
  int64_t highest_trackable() const noexcept { return highest_trackable_; }
  int significant_digits() const noexcept { return significant_digits_; }
  int bucket_count() const noexcept { return bucket_count_; }
  int sub_bucket_count() const noexcept { return sub_bucket_count_; }
  int64_t counts_length() const noexcept { return static_cast<int64_t>(counts_.size()); }
  int64_t count_at_index(int64_t index) const noexcept { return counts_.get(static_cast<size_t>(index)); }
  int64_t value_from_index(int64_t index) const noexcept;
  int64_t counts_index(int64_t value) const noexcept {
    const int bucket = bucket_index(value);
    const int sub_bucket = static_cast<int>(value >> (bucket + unit_magnitude_));
    return (static_cast<int64_t>(bucket + 1) << sub_bucket_half_count_magnitude_) +
           (sub_bucket - sub_bucket_half_count_);
  }
  bool same_layout(const Histogram& other) const noexcept;
  // The raw largest value recorded (not rounded to its bucket), 0 when empty.
  int64_t max_recorded_raw() const noexcept { return max_raw_; }

  // Calls f(index, count) for each non-zero count, in ascending index order.
  template <typename F>
  void for_each_nonzero_count(F&& f) const {
    if (total_count_ == 0) return;
    counts_.for_each_nonzero(first_used(), used_length(), [&](size_t i, int64_t c) { f(static_cast<int64_t>(i), c); });
  }

  // For decoders: adds `count` (> 0) at counts index `index` (< counts_length()), totals kept.
  void add_at_index(size_t index, int64_t count) noexcept {
    counts_.add(index, count);
    total_count_ += count;
    const int64_t v = value_from_index(static_cast<int64_t>(index));
    max_raw_ = std::max(max_raw_, highest_equivalent_value(v));
    min_raw_ = std::min(min_raw_, v);
  }

  // Sets counts from a decoder. `counts` must have counts_length() entries or fewer.
  void set_counts(std::span<const int64_t> counts);

  // Bytes held by this histogram: what it recorded decides (MappedCounts), not its range.
  size_t footprint_bytes() const { return sizeof(*this) - sizeof(counts_) + counts_.footprint_bytes(); }

 private:
  int bucket_index(int64_t value) const noexcept {
    return leading_zero_count_base_ - __builtin_clzll(static_cast<uint64_t>(value | sub_bucket_mask_));
  }
  // Counts past the bucket of the largest value are all zero: loops over the counts (reset,
  // add, mean, the bucket iterators) stop there. Latency rarely reaches past a few hundred ms, so this is a
  // few thousand of the layout's ~34,000 counts, visited once a second per name and thread.
  size_t used_length() const noexcept { return static_cast<size_t>(counts_index(max_raw_)) + 1; }
  // Likewise below the smallest value's bucket: [first_used(), used_length()) holds every count.
  size_t first_used() const noexcept {
    return total_count_ == 0 ? 0 : static_cast<size_t>(counts_index(min_raw_));
  }

  int64_t lowest_discernible_;
  int64_t highest_trackable_;
  int significant_digits_;
  int unit_magnitude_ = 0;
  int sub_bucket_count_magnitude_ = 0;
  int sub_bucket_half_count_magnitude_ = 0;
  int sub_bucket_count_ = 0;
  int sub_bucket_half_count_ = 0;
  int64_t sub_bucket_mask_ = 0;
  int bucket_count_ = 0;
  int leading_zero_count_base_ = 0;

  MappedCounts counts_{0};
  int64_t total_count_ = 0;
  int64_t out_of_range_ = 0;
  int64_t max_raw_ = 0;
  int64_t min_raw_ = INT64_MAX;  // the raw smallest value recorded, INT64_MAX when empty
};

}  // namespace loadgen::metrics
