// Property tests: the histogram's answers stay within its declared precision of the exact
// answers computed from the sorted raw values, for many seeds and distributions.
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "harness/metrics/histogram.hpp"

namespace loadgen::metrics {
namespace {

using Generator = std::function<int64_t(std::mt19937_64&)>;

struct Distribution {
  const char* name;
  Generator draw;
};

std::vector<Distribution> distributions() {
  return {
      {"uniform", [](std::mt19937_64& rng) {
         return std::uniform_int_distribution<int64_t>(1, 50'000'000)(rng);
       }},
      {"exponential", [](std::mt19937_64& rng) {
         return static_cast<int64_t>(std::exponential_distribution<double>(1.0 / 2e6)(rng)) + 1;
       }},
      {"bimodal_long_tail", [](std::mt19937_64& rng) {
         // 97% fast around 200us, 3% slow with a heavy Pareto-like tail up to minutes.
         if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.97) {
           return static_cast<int64_t>(std::normal_distribution<double>(200'000, 20'000)(rng)) | 1;
         }
         const double u = std::uniform_real_distribution<double>(1e-6, 1)(rng);
         return static_cast<int64_t>(std::min(50e6 / std::pow(u, 1.2), 3e11));
       }},
  };
}

// The exact value at percentile p by the same rank rule the histogram uses.
int64_t exact_at_percentile(const std::vector<int64_t>& sorted, double p) {
  const double requested = std::clamp(std::nextafter(p, -1.0), 0.0, 100.0);
  auto rank = static_cast<int64_t>(std::ceil(requested * static_cast<double>(sorted.size()) / 100.0));
  rank = std::max<int64_t>(rank, 1);
  return sorted[static_cast<size_t>(rank - 1)];
}

class HistogramProperties : public ::testing::TestWithParam<int> {};

TEST_P(HistogramProperties, PercentilesAreWithinPrecisionOfTheSortedAnswer) {
  const int digits = GetParam();
  const double precision = std::pow(10.0, -digits);  // relative error bound per value
  for (const auto& dist : distributions()) {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      SCOPED_TRACE(::testing::Message() << dist.name << " seed " << seed << " digits " << digits);
      std::mt19937_64 rng(seed);
      Histogram h(1, int64_t{3'600'000'000'000}, digits);
      std::vector<int64_t> values(20'000);
      for (auto& v : values) {
        v = std::max<int64_t>(dist.draw(rng), 1);
        ASSERT_TRUE(h.record(v));
      }
      std::sort(values.begin(), values.end());
      for (double p : {1.0, 10.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        const auto exact = static_cast<double>(exact_at_percentile(values, p));
        const auto got = static_cast<double>(h.value_at_percentile(p));
        ASSERT_GE(got, exact) << "p" << p;  // highest equivalent value: never below
        ASSERT_LE(got - exact, exact * precision * 2 + 1) << "p" << p;
      }
      EXPECT_EQ(h.total_count(), static_cast<int64_t>(values.size()));
      EXPECT_EQ(h.min(), h.lowest_equivalent_value(values.front()));
      EXPECT_EQ(h.max(), h.highest_equivalent_value(values.back()));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SignificantDigits, HistogramProperties, ::testing::Values(2, 3, 4));

TEST(HistogramPrecision, EveryValuesEquivalentIsWithinDeclaredPrecision) {
  std::mt19937_64 rng(7);
  for (int digits = 1; digits <= 5; ++digits) {
    Histogram h(1, int64_t{3'600'000'000'000}, digits);
    const double bound = std::pow(10.0, -digits);
    for (int i = 0; i < 50'000; ++i) {
      // Log-uniform over the whole range, so every bucket is exercised.
      const double exponent = std::uniform_real_distribution<double>(0, std::log(3.6e12))(rng);
      const auto v = static_cast<int64_t>(std::exp(exponent));
      const auto lo = static_cast<double>(h.lowest_equivalent_value(v));
      const auto hi = static_cast<double>(h.highest_equivalent_value(v));
      ASSERT_LE(lo, static_cast<double>(v));
      ASSERT_GE(hi, static_cast<double>(v));
      ASSERT_LE((hi - lo) / std::max(1.0, static_cast<double>(v)), bound) << "v=" << v << " digits=" << digits;
    }
  }
}

TEST(HistogramMergeProperty, MergedShardsEqualTheHistogramOfAllValues) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    auto whole = Histogram::for_latency_ns();
    std::vector<Histogram> shards(5, Histogram::for_latency_ns());
    for (int i = 0; i < 10'000; ++i) {
      const auto v = static_cast<int64_t>(std::exponential_distribution<double>(1e-6)(rng));
      whole.record(v);
      shards[rng() % shards.size()].record(v);
    }
    auto merged = Histogram::for_latency_ns();
    for (const auto& s : shards) EXPECT_EQ(merged.add(s), 0);
    ASSERT_EQ(merged.total_count(), whole.total_count());
    for (int64_t i = 0; i < whole.counts_length(); ++i) {
      ASSERT_EQ(merged.count_at_index(i), whole.count_at_index(i)) << "index " << i;
    }
    EXPECT_EQ(merged.min(), whole.min());
    EXPECT_EQ(merged.max(), whole.max());
    EXPECT_DOUBLE_EQ(merged.mean(), whole.mean());
  }
}

}  // namespace
}  // namespace loadgen::metrics
