// The statistics behind baseline comparisons, on samples whose truth is known.
#include "harness/slo/change_stats.hpp"

#include <random>

#include <gtest/gtest.h>

#include "harness/slo/tolerance.hpp"

namespace loadgen::slo {
namespace {

// Per-second p99s of a noisy machine: lognormal around `median_ms`.
Sample noisy_seconds(double median_ms, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> jitter(0.0, 0.15);
  Sample s;
  for (size_t i = 0; i < n; ++i) s.values.push_back(median_ms * jitter(rng));
  return s;
}

TEST(ChangeStats, AShiftIsDetectedAndTheIntervalHoldsIt) {
  const auto base = noisy_seconds(20, 30, 1);
  const auto slower = noisy_seconds(26, 30, 2);  // truly 30% slower
  const auto c = compare_samples(base, slower, Summary::kMedian, ChangeKind::kRelative);
  ASSERT_TRUE(c.defined);
  EXPECT_TRUE(c.significant);
  EXPECT_GT(c.ci_low, 0.0);
  EXPECT_LE(c.ci_low, 0.30);
  EXPECT_GE(c.ci_high, 0.30);
  EXPECT_LT(c.p_value, 0.001);
}

TEST(ChangeStats, TheIntervalCoversTheTrueShiftMostOfTheTime) {
  int covered = 0;
  constexpr int kTrials = 40;
  for (int t = 0; t < kTrials; ++t) {
    const auto base = noisy_seconds(20, 40, 100 + static_cast<uint64_t>(t));
    const auto current = noisy_seconds(22, 40, 900 + static_cast<uint64_t>(t));  // +10%
    const auto c = compare_samples(base, current, Summary::kMedian, ChangeKind::kRelative, 7, 1000);
    covered += c.ci_low <= 0.10 && 0.10 <= c.ci_high ? 1 : 0;
  }
  EXPECT_GE(covered, 34) << "a 95% interval should miss rarely";  // binomial(40, .95): P(<34) < 1%
}

TEST(ChangeStats, IdenticalSamplesAreNotAChange) {
  const auto base = noisy_seconds(20, 30, 5);
  const auto c = compare_samples(base, base, Summary::kMedian, ChangeKind::kRelative);
  EXPECT_DOUBLE_EQ(c.change, 0.0);
  EXPECT_FALSE(c.significant);
  EXPECT_LT(c.ci_low, 0.0);
  EXPECT_GT(c.ci_high, 0.0);
  EXPECT_GT(c.p_value, 0.9);
}

TEST(ChangeStats, TwoRunsOfTheSameDistributionAreRarelySignificant) {
  int significant = 0;
  for (uint64_t t = 0; t < 40; ++t) {
    const auto c = compare_samples(noisy_seconds(20, 30, 300 + t), noisy_seconds(20, 30, 600 + t), Summary::kMedian,
                                   ChangeKind::kRelative, 7, 1000);
    significant += c.significant ? 1 : 0;
  }
  EXPECT_LE(significant, 6);  // about 5% expected
}

TEST(ChangeStats, FixedSeedReproduces) {
  const auto a = noisy_seconds(20, 30, 1), b = noisy_seconds(21, 30, 2);
  const auto x = compare_samples(a, b, Summary::kMedian, ChangeKind::kRelative);
  const auto y = compare_samples(a, b, Summary::kMedian, ChangeKind::kRelative);
  EXPECT_EQ(x.ci_low, y.ci_low);
  EXPECT_EQ(x.ci_high, y.ci_high);
}

TEST(ChangeStats, RatioOfSumsForErrorRates) {
  Sample base, current;
  for (int i = 0; i < 20; ++i) {
    base.values.push_back(i % 10 == 0 ? 1 : 0);  // 2 errors in 2000 requests
    base.weights.push_back(100);
    current.values.push_back(5);  // 100 errors in 2000 requests
    current.weights.push_back(100);
  }
  const auto c = compare_samples(base, current, Summary::kRatioOfSums, ChangeKind::kAbsolute);
  EXPECT_NEAR(c.base, 0.001, 1e-12);
  EXPECT_NEAR(c.current, 0.05, 1e-12);
  EXPECT_NEAR(c.change, 0.049, 1e-12);
  EXPECT_TRUE(c.significant);
  const auto none = compare_samples(base, base, Summary::kRatioOfSums, ChangeKind::kAbsolute);
  EXPECT_FALSE(none.significant);
}

TEST(ChangeStats, LongSeriesAreBlockedAndStillJudged) {
  const auto base = noisy_seconds(20, 86'400, 11);
  const auto slower = noisy_seconds(20.6, 86'400, 12);  // +3% over a day
  const auto c = compare_samples(base, slower, Summary::kMean, ChangeKind::kRelative, 1, 500);
  EXPECT_TRUE(c.significant);
  EXPECT_NEAR(c.change, 0.03, 0.005);
}

TEST(ChangeStats, EmptyOrZeroBaseIsUndefined) {
  EXPECT_FALSE(compare_samples({}, noisy_seconds(1, 3, 1), Summary::kMean, ChangeKind::kRelative).defined);
  Sample zero{{0, 0, 0}, {}};
  EXPECT_FALSE(compare_samples(zero, noisy_seconds(1, 3, 1), Summary::kMean, ChangeKind::kRelative).defined);
}

TEST(MannWhitney, KnownValues) {
  // Completely separated samples of 5 and 5: U = 0, exact two-sided p = 0.0079; the normal
  // approximation with continuity correction gives 0.012.
  EXPECT_NEAR(mann_whitney_p({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}), 0.0122, 0.0005);
  EXPECT_DOUBLE_EQ(mann_whitney_p({1, 1, 1}, {1, 1, 1}), 1.0);
}

TEST(Tolerances, ParseAndDefaults) {
  auto t = parse_tolerances("p99=20%,rps=off", Tolerances::defaults());
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_DOUBLE_EQ(*t->by_metric.at("p99"), 0.20);
  EXPECT_FALSE(t->by_metric.at("rps"));
  EXPECT_DOUBLE_EQ(*t->by_metric.at("p50"), 0.10);
  EXPECT_EQ(parse_tolerances("p98=10%", {}).error(), "'p98' is not a compared metric (use p50, p99, rps, error_rate, capacity)");
  EXPECT_EQ(parse_tolerances("p99=10", {}).error(), "p99: tolerance '10' is a percentage such as 10% (or off)");
  EXPECT_EQ(parse_tolerances("p99", {}).error(), "'p99': write metric=percentage, e.g. p99=10%");
}

}  // namespace
}  // namespace loadgen::slo
