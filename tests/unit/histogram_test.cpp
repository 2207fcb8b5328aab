#include "harness/metrics/histogram.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace loadgen::metrics {
namespace {

Histogram spec_histogram() { return Histogram(1, 3'600'000'000, 3); }

TEST(HistogramLayout, MatchesTheSpecForOneMicrosecondToOneHour) {
  auto h = spec_histogram();
  EXPECT_EQ(h.sub_bucket_count(), 2048);
  EXPECT_EQ(h.bucket_count(), 22);
  EXPECT_EQ(h.counts_length(), 23552);
}

TEST(HistogramLayout, SubBucketMagnitudePerSignificantDigits) {
  EXPECT_EQ(Histogram(1, 3'600'000'000, 1).sub_bucket_count(), 1 << 5);
  EXPECT_EQ(Histogram(1, 3'600'000'000, 2).sub_bucket_count(), 1 << 8);
  EXPECT_EQ(Histogram(1, 3'600'000'000, 4).sub_bucket_count(), 1 << 15);
  EXPECT_EQ(Histogram(1, 3'600'000'000, 5).sub_bucket_count(), 1 << 18);
  EXPECT_EQ(Histogram(1, 3'600'000'000, 2).counts_length(), 3328);
  EXPECT_EQ(Histogram(1, 3'600'000'000, 4).counts_length(), 311296);
}

TEST(HistogramLayout, NanosecondLatencyHistogramFitsUnder300KBWhenFull) {
  auto h = Histogram::for_latency_ns();
  EXPECT_EQ(h.bucket_count(), 32);
  EXPECT_EQ(h.counts_length(), 33792);
  for (int64_t i = 0; i < h.counts_length(); i += 64) h.record(h.value_from_index(i));  // every page
  EXPECT_LT(h.footprint_bytes(), 300'000u);
  EXPECT_GT(h.footprint_bytes(), 260'000u);  // the top page lies above one hour: never touched
}

TEST(HistogramLayout, LowestIsRoundedDownToAPowerOfTwo) {
  Histogram h(1000, 3'600'000'000'000, 3);
  EXPECT_EQ(h.counts_length(), 24576);
  EXPECT_EQ(h.lowest_equivalent_value(1000), 512);
}

TEST(HistogramLayout, RejectsImpossibleConfigurations) {
  EXPECT_THROW(Histogram(0, 1000, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1, 3), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1000, 0), std::invalid_argument);
  EXPECT_THROW(Histogram(1, 1000, 6), std::invalid_argument);
  EXPECT_THROW(Histogram((int64_t{1} << 40) + 1, INT64_MAX, 3), std::invalid_argument);
}

struct EquivalenceRow {
  int64_t value, index, lowest, highest, median;
};

TEST(HistogramIndexing, GoldenEquivalenceTable) {
  auto h = spec_histogram();
  const EquivalenceRow rows[] = {
      {0, 0, 0, 0, 0},
      {1, 1, 1, 1, 1},
      {2047, 2047, 2047, 2047, 2047},
      {2048, 2048, 2048, 2049, 2049},
      {2049, 2048, 2048, 2049, 2049},
      {3000, 2524, 3000, 3001, 3001},
      {4095, 3071, 4094, 4095, 4095},
      {4096, 3072, 4096, 4099, 4098},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.value);
    EXPECT_EQ(h.counts_index(r.value), r.index);
    EXPECT_EQ(h.lowest_equivalent_value(r.value), r.lowest);
    EXPECT_EQ(h.highest_equivalent_value(r.value), r.highest);
    EXPECT_EQ(h.median_equivalent_value(r.value), r.median);
  }
  EXPECT_EQ(h.lowest_equivalent_value(10000), 10000);
  EXPECT_EQ(h.highest_equivalent_value(10000), 10007);
  EXPECT_EQ(h.median_equivalent_value(10000), 10004);
  EXPECT_EQ(h.lowest_equivalent_value(123456789), 123404288);
  EXPECT_EQ(h.highest_equivalent_value(123456789), 123469823);
  EXPECT_EQ(h.median_equivalent_value(123456789), 123437056);
  EXPECT_EQ(h.counts_index(3'600'000'000), 23220);
}

TEST(HistogramIndexing, ValueFromIndexInvertsCountsIndex) {
  auto h = spec_histogram();
  for (int64_t i = 0; i < h.counts_length(); ++i) {
    const int64_t v = h.value_from_index(i);
    if (v > h.highest_trackable()) break;
    ASSERT_EQ(h.counts_index(v), i) << "value " << v;
  }
}

TEST(HistogramPercentiles, GoldenOneToTenThousand) {
  auto h = spec_histogram();
  for (int64_t v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(0), 1);
  EXPECT_EQ(h.value_at_percentile(50), 5003);
  EXPECT_EQ(h.value_at_percentile(90), 9007);
  EXPECT_EQ(h.value_at_percentile(99), 9903);
  EXPECT_EQ(h.value_at_percentile(99.9), 9991);
  EXPECT_EQ(h.value_at_percentile(100), 10007);
  EXPECT_EQ(h.max(), 10007);
  EXPECT_EQ(h.min(), 1);
  EXPECT_NEAR(h.mean(), 5000.898, 1e-6);
  EXPECT_NEAR(h.stddev(), 2886.892667, 1e-5);
  const double ps[] = {0, 50, 90, 99, 99.9, 100};
  EXPECT_EQ(h.values_at_percentiles(ps), (std::vector<int64_t>{1, 5003, 9007, 9903, 9991, 10007}));
}

TEST(HistogramPercentiles, UsesJavaRoundingNotNearest) {
  auto h = spec_histogram();
  for (int64_t v = 1; v <= 5; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(25), 2);  // C rounds to nearest and says 1
  EXPECT_EQ(h.value_at_percentile(20), 1);
  EXPECT_EQ(h.value_at_percentile(50), 3);
}

TEST(HistogramStatistics, MeanAndStddevUseBucketMedians) {
  auto h = spec_histogram();
  for (int64_t v : {1, 1, 5, 3000}) h.record(v);
  EXPECT_DOUBLE_EQ(h.mean(), 752.0);
  EXPECT_NEAR(h.stddev(), 1298.461782, 1e-6);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 3001);
  EXPECT_EQ(h.total_count(), 4);
  EXPECT_EQ(h.count_at_value(1), 2);
  EXPECT_EQ(h.count_at_value(3001), 1);
  EXPECT_EQ(h.count_at_value(2), 0);
}

TEST(HistogramStatistics, EmptyHistogramAnswersZero) {
  auto h = spec_histogram();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.value_at_percentile(99), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_TRUE(h.percentile_distribution(5).empty());
}

TEST(HistogramRecording, OutOfRangeValuesAreCountedNotDropped) {
  Histogram h(1, 1000, 3);
  const int64_t top = h.highest_equivalent_value(1000);
  EXPECT_TRUE(h.record(1000));
  EXPECT_FALSE(h.record(top + 5000));
  EXPECT_FALSE(h.record(-1));
  EXPECT_FALSE(h.record(1'000'000, 7));
  EXPECT_EQ(h.total_count(), 1);
  EXPECT_EQ(h.out_of_range_count(), 9);
}

TEST(HistogramRecording, RecordNAddsCounts) {
  auto h = spec_histogram();
  h.record(100, 5);
  h.record(0, 3);
  EXPECT_EQ(h.total_count(), 8);
  EXPECT_EQ(h.count_at_value(100), 5);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.value_at_percentile(100), 100);
}

TEST(HistogramRecording, ResetForgetsEverything) {
  auto h = spec_histogram();
  h.record(42, 3);
  h.record(-5);
  h.reset();
  EXPECT_EQ(h.total_count(), 0);
  EXPECT_EQ(h.out_of_range_count(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.count_at_value(42), 0);
}

TEST(HistogramMerge, DifferentLayoutsReRecordAtLowestEquivalent) {
  Histogram fine(1, 3'600'000'000, 3);
  Histogram coarse(1, 3'600'000'000, 2);
  for (int64_t v : {1, 100, 5000, 123456}) coarse.record(v);
  EXPECT_EQ(fine.add(coarse), 0);
  EXPECT_EQ(fine.total_count(), 4);
  EXPECT_EQ(fine.count_at_value(coarse.lowest_equivalent_value(123456)), 1);
}

TEST(HistogramMerge, ValuesThatDoNotFitAreReported) {
  Histogram small(1, 10'000, 3);
  Histogram big(1, 3'600'000'000, 3);
  big.record(5);
  big.record(1'000'000, 2);
  EXPECT_EQ(small.add(big), 2);
  EXPECT_EQ(small.total_count(), 1);
  EXPECT_EQ(small.out_of_range_count(), 2);
}

TEST(HistogramIteration, RecordedBucketsAreAscendingWithCumulativeCounts) {
  auto h = spec_histogram();
  for (int64_t v : {3000, 1, 5, 1}) h.record(v);
  const auto buckets = h.recorded_buckets();
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].value, 1);
  EXPECT_EQ(buckets[0].count, 2);
  EXPECT_EQ(buckets[1].value, 5);
  EXPECT_EQ(buckets[2].value, 3001);
  EXPECT_EQ(buckets[2].lowest_equivalent, 3000);
  EXPECT_EQ(buckets[2].cumulative_count, 4);
}

TEST(HistogramIteration, PercentileDistributionMatchesJavaRows) {
  auto h = spec_histogram();
  for (int64_t v = 1; v <= 5; ++v) h.record(v);
  const auto rows = h.percentile_distribution(5);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front().percentile, 0.0);
  EXPECT_EQ(rows.front().value, 1);
  // The last bucket gives its first row, then the closing row at 100%.
  ASSERT_GE(rows.size(), 3u);
  EXPECT_DOUBLE_EQ(rows[rows.size() - 2].percentile, 82.5);
  EXPECT_EQ(rows[rows.size() - 2].value, 5);
  EXPECT_EQ(rows.back().percentile, 100.0);
  EXPECT_EQ(rows.back().cumulative_count, 5);
}

}  // namespace
}  // namespace loadgen::metrics
