#include "harness/metrics/percentile_table.hpp"

#include <gtest/gtest.h>

namespace loadgen::metrics {
namespace {

TEST(PercentileTable, MatchesJavaOutputForOneToFive) {
  Histogram h(1, 3'600'000'000, 3);
  for (int64_t v = 1; v <= 5; ++v) h.record(v);
  const std::string expected =
      "       Value     Percentile TotalCount 1/(1-Percentile)\n"
      "\n"
      "       1.000 0.000000000000          1           1.00\n"
      "       1.000 0.100000000000          1           1.11\n"
      "       1.000 0.200000000000          1           1.25\n"
      "       2.000 0.300000000000          2           1.43\n"
      "       2.000 0.400000000000          2           1.67\n"
      "       3.000 0.500000000000          3           2.00\n"
      "       3.000 0.550000000000          3           2.22\n"
      "       3.000 0.600000000000          3           2.50\n"
      "       4.000 0.650000000000          4           2.86\n"
      "       4.000 0.700000000000          4           3.33\n"
      "       4.000 0.750000000000          4           4.00\n"
      "       4.000 0.775000000000          4           4.44\n"
      "       4.000 0.800000000000          4           5.00\n"
      "       5.000 0.825000000000          5           5.71\n"
      "       5.000 1.000000000000          5\n"
      "#[Mean    =        3.000, StdDeviation   =        1.414]\n"
      "#[Max     =        5.000, Total count    =            5]\n"
      "#[Buckets =           22, SubBuckets     =         2048]\n";
  EXPECT_EQ(format_percentile_table(h, 5, 1.0), expected);
}

TEST(PercentileTable, CsvHasInfinityOnTheLastRow) {
  Histogram h(1, 3'600'000'000, 3);
  h.record(2'000'000);
  const auto csv = format_percentile_csv(h, 5, 1e6);
  EXPECT_EQ(csv,
            "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n"
            "2.001,0.000000000000,1,1.00\n"
            "2.001,1.000000000000,1,Infinity\n");
}

TEST(FixedHalfUp, RoundsTheShortestDecimalFormHalfUpLikeJava) {
  EXPECT_EQ(format_fixed_half_up(1.0625, 3), "1.063");  // printf says 1.062
  EXPECT_EQ(format_fixed_half_up(1.2345, 3), "1.235");
  EXPECT_EQ(format_fixed_half_up(0.15, 1), "0.2");
  EXPECT_EQ(format_fixed_half_up(9.9996, 3), "10.000");
  EXPECT_EQ(format_fixed_half_up(0.825, 12), "0.825000000000");
  EXPECT_EQ(format_fixed_half_up(12.0, 0), "12");
  EXPECT_EQ(format_fixed_half_up(-2.5, 0), "-3");
  EXPECT_EQ(format_fixed_half_up(1e-7, 3), "0.000");
  EXPECT_EQ(format_fixed_half_up(123456789012.0, 3), "123456789012.000");
}

}  // namespace
}  // namespace loadgen::metrics
