#include "harness/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace loadgen::metrics {
namespace {

// ceil(log2(2 * 10^S)) for S = 0..5, as integers: floating point could round the wrong way.
constexpr int kSubBucketCountMagnitude[] = {1, 5, 8, 11, 15, 18};

int floor_log2(int64_t v) { return 63 - __builtin_clzll(static_cast<uint64_t>(v)); }

}  // namespace

Histogram::Histogram(int64_t lowest_discernible, int64_t highest_trackable, int significant_digits)
    : lowest_discernible_(lowest_discernible),
      highest_trackable_(highest_trackable),
      significant_digits_(significant_digits) {
  if (lowest_discernible < 1 || lowest_discernible > (int64_t{1} << 40)) {
    throw std::invalid_argument("histogram: lowest discernible value must be in [1, 2^40], got " +
                                std::to_string(lowest_discernible));
  }
  if (highest_trackable / 2 < lowest_discernible) {
    throw std::invalid_argument("histogram: highest trackable value " +
                                std::to_string(highest_trackable) +
                                " must be at least twice the lowest discernible value");
  }
  if (significant_digits < 1 || significant_digits > 5) {
    throw std::invalid_argument("histogram: significant digits must be 1..5, got " +
                                std::to_string(significant_digits));
  }
  sub_bucket_count_magnitude_ = kSubBucketCountMagnitude[significant_digits];
  sub_bucket_half_count_magnitude_ = sub_bucket_count_magnitude_ - 1;
  sub_bucket_count_ = 1 << sub_bucket_count_magnitude_;
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  unit_magnitude_ = floor_log2(lowest_discernible);
  if (unit_magnitude_ + sub_bucket_count_magnitude_ > 62) {
    throw std::invalid_argument("histogram: lowest discernible value and precision do not fit in 63 bits");
  }
  sub_bucket_mask_ = static_cast<int64_t>(sub_bucket_count_ - 1) << unit_magnitude_;

  int64_t smallest_untrackable = static_cast<int64_t>(sub_bucket_count_) << unit_magnitude_;
  int buckets = 1;
  while (smallest_untrackable <= highest_trackable) {
    if (smallest_untrackable > INT64_MAX / 2) {
      ++buckets;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  bucket_count_ = buckets;
  leading_zero_count_base_ = 64 - unit_magnitude_ - sub_bucket_count_magnitude_;
  counts_ = MappedCounts(static_cast<size_t>(bucket_count_ + 1) * static_cast<size_t>(sub_bucket_half_count_));
}

Histogram Histogram::for_latency_ns() { return Histogram(1, int64_t{3'600'000'000'000}, 3); }

bool Histogram::same_layout(const Histogram& other) const noexcept {
  return unit_magnitude_ == other.unit_magnitude_ && sub_bucket_count_ == other.sub_bucket_count_ &&
         bucket_count_ == other.bucket_count_;
}

int64_t Histogram::add(const Histogram& other) {
  out_of_range_ += other.out_of_range_;
  if (same_layout(other)) {
    if (other.total_count_ != 0) counts_.add_all(other.counts_, other.first_used(), other.used_length());
    total_count_ += other.total_count_;
    max_raw_ = std::max(max_raw_, other.max_raw_);
    min_raw_ = std::min(min_raw_, other.min_raw_);
    return 0;
  }
  int64_t dropped = 0;
  other.for_each_nonzero_count([&](int64_t i, int64_t c) {
    if (!record(other.value_from_index(i), c)) dropped += c;
  });
  return dropped;
}

void Histogram::reset() noexcept {
  // Most resets are of intervals in which a name saw nothing on a thread: no system call.
  if (total_count_ != 0 || counts_.may_hold_pages()) counts_.clear(first_used(), used_length());
  total_count_ = 0;
  out_of_range_ = 0;
  max_raw_ = 0;
  min_raw_ = INT64_MAX;
}

int64_t Histogram::value_from_index(int64_t index) const noexcept {
  int64_t bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  int64_t sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << (bucket + unit_magnitude_);
}

int64_t Histogram::lowest_equivalent_value(int64_t value) const noexcept {
  const int bucket = bucket_index(value);
  const int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  return sub_bucket << (bucket + unit_magnitude_);
}

int64_t Histogram::size_of_equivalent_range(int64_t value) const noexcept {
  return int64_t{1} << (unit_magnitude_ + bucket_index(value));
}

int64_t Histogram::highest_equivalent_value(int64_t value) const noexcept {
  return lowest_equivalent_value(value) + size_of_equivalent_range(value) - 1;
}

int64_t Histogram::median_equivalent_value(int64_t value) const noexcept {
  return lowest_equivalent_value(value) + (size_of_equivalent_range(value) >> 1);
}

int64_t Histogram::count_at_value(int64_t value) const noexcept {
  if (value < 0 || value > highest_trackable_) return 0;
  return counts_.get(static_cast<size_t>(counts_index(value)));
}

int64_t Histogram::min() const noexcept {
  // Java's rule: 0 when anything landed in the first bucket (values below the lowest discernible).
  if (total_count_ == 0 || counts_index(min_raw_) == 0) return 0;
  return lowest_equivalent_value(min_raw_);
}

int64_t Histogram::max() const noexcept {
  return max_raw_ == 0 ? 0 : highest_equivalent_value(max_raw_);
}

double Histogram::mean() const noexcept {
  if (total_count_ == 0) return 0.0;
  double sum = 0;
  counts_.for_each_nonzero(first_used(), used_length(), [&](size_t i, int64_t count) {
    sum += static_cast<double>(count) *
           static_cast<double>(median_equivalent_value(value_from_index(static_cast<int64_t>(i))));
  });
  return sum / static_cast<double>(total_count_);
}

double Histogram::stddev() const noexcept {
  if (total_count_ == 0) return 0.0;
  const double m = mean();
  double sum_sq = 0;
  counts_.for_each_nonzero(first_used(), used_length(), [&](size_t i, int64_t count) {
    const double d = static_cast<double>(median_equivalent_value(value_from_index(static_cast<int64_t>(i)))) - m;
    sum_sq += static_cast<double>(count) * d * d;
  });
  return std::sqrt(sum_sq / static_cast<double>(total_count_));
}

namespace {

// Java >= 2.1.10: remove one ulp, multiply before dividing, round up, at least 1.
int64_t count_at_percentile(double percentile, int64_t total) {
  const double requested =
      std::clamp(std::nextafter(percentile, -std::numeric_limits<double>::infinity()), 0.0, 100.0);
  const auto count = static_cast<int64_t>(std::ceil((requested * static_cast<double>(total)) / 100.0));
  return std::max<int64_t>(count, 1);
}

}  // namespace

int64_t Histogram::value_at_percentile(double percentile) const noexcept {
  if (total_count_ == 0) return 0;
  const double one[] = {percentile};
  return values_at_percentiles(one)[0];
}

std::vector<int64_t> Histogram::values_at_percentiles(std::span<const double> ascending) const {
  std::vector<int64_t> out(ascending.size(), 0);
  if (total_count_ == 0) return out;
  std::vector<int64_t> wanted(ascending.size());
  for (size_t k = 0; k < ascending.size(); ++k) wanted[k] = count_at_percentile(ascending[k], total_count_);
  size_t next = 0;
  int64_t cumulative = 0;
  counts_.for_each_nonzero(first_used(), used_length(), [&](size_t i, int64_t count) {
    cumulative += count;
    while (next < ascending.size() && cumulative >= wanted[next]) {
      const int64_t v = value_from_index(static_cast<int64_t>(i));
      out[next] = ascending[next] == 0.0 ? lowest_equivalent_value(v) : highest_equivalent_value(v);
      ++next;
    }
  });
  return out;
}

std::vector<RecordedBucket> Histogram::recorded_buckets() const {
  std::vector<RecordedBucket> out;
  int64_t cumulative = 0;
  counts_.for_each_nonzero(first_used(), used_length(), [&](size_t i, int64_t count) {
    cumulative += count;
    const int64_t v = value_from_index(static_cast<int64_t>(i));
    out.push_back({highest_equivalent_value(v), lowest_equivalent_value(v), count, cumulative});
  });
  return out;
}

std::vector<PercentileRow> Histogram::percentile_distribution(int ticks_per_half_distance) const {
  std::vector<PercentileRow> rows;
  if (total_count_ == 0 || ticks_per_half_distance < 1) return rows;
  const auto total = static_cast<double>(total_count_);
  double level = 0.0;
  int64_t cumulative = 0;
  for (const auto& bucket : recorded_buckets()) {
    cumulative = bucket.cumulative_count;
    const int64_t value = bucket.value;
    // One bucket can reach several levels; each gets its own row, as in Java's iterator.
    while ((100.0 * static_cast<double>(cumulative)) / total >= level) {
      rows.push_back({level, value, cumulative});
      if (cumulative == total_count_) {
        rows.push_back({100.0, value, cumulative});
        return rows;
      }
      const auto halvings = static_cast<int64_t>(std::log(100.0 / (100.0 - level)) / std::log(2.0));
      const double ticks = ticks_per_half_distance * std::pow(2.0, static_cast<double>(halvings + 1));
      level += 100.0 / ticks;
    }
  }
  return rows;
}

void Histogram::set_counts(std::span<const int64_t> counts) {
  if (counts.size() > counts_.size()) {
    throw std::invalid_argument("histogram: more counts than the layout holds");
  }
  reset();  // visits only what was recorded: nothing, for a histogram fresh from a decoder
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) add_at_index(i, counts[i]);
  }
}

}  // namespace loadgen::metrics
