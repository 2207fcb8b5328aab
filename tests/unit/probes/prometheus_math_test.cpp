// Selectors, counter resets and histogram_quantile, checked against values Prometheus gives.
#include "probes/prometheus_math.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace loadgen::probes {
namespace {

TEST(Selector, NameAloneOrWithLabelMatchers) {
  const auto s = parse_selector(R"(db_query_seconds{op="select",table="items"})");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->name, "db_query_seconds");
  ASSERT_EQ(s->labels.size(), 2u);
  EXPECT_TRUE(s->matches("db_query_seconds", {{"table", "items"}, {"op", "select"}, {"instance", "a"}}));
  EXPECT_FALSE(s->matches("db_query_seconds", {{"op", "select"}}));
  EXPECT_FALSE(s->matches("db_query_seconds_count", {{"op", "select"}, {"table", "items"}}));
  EXPECT_EQ(s->str(), R"(db_query_seconds{op="select",table="items"})");
  EXPECT_TRUE(parse_selector("up")->matches("up", {{"job", "x"}}));
  EXPECT_EQ(parse_selector(R"(x{path="a\"b"})")->labels[0].second, "a\"b");
  for (const char* bad : {"", "9x", "x{", "x{a=b}", "x{a=\"b\"", "x{=\"b\"}", "x{a=\"b\" c=\"d\"}", "x{a=\"b}"}) {
    EXPECT_FALSE(parse_selector(bad).ok()) << bad;
  }
}

TEST(Counter, AResetCountsFromZeroAsRateDoes) {
  EXPECT_EQ(counter_increase(100, 130), 30);
  EXPECT_EQ(counter_increase(130, 5), 5) << "the target restarted: 5 since";
  EXPECT_EQ(counter_increase(7, 7), 0);
}

// Buckets 0.1 (10), 0.5 (60), 1 (90), +Inf (100).
std::vector<Bucket> example() { return {{0.1, 10}, {0.5, 60}, {1, 90}, {INFINITY, 100}}; }

TEST(HistogramQuantile, InterpolatesWithinTheBucketAsPrometheus) {
  // rank 50 lies in (0.1, 0.5], 40 of its 50: 0.1 + 0.4 * 40/50.
  EXPECT_DOUBLE_EQ(histogram_quantile(0.5, example()), 0.42);
  // rank 5 in the first bucket, from 0: 0.1 * 5/10.
  EXPECT_DOUBLE_EQ(histogram_quantile(0.05, example()), 0.05);
  // rank 90 exactly fills the bucket ending at 1.
  EXPECT_DOUBLE_EQ(histogram_quantile(0.9, example()), 1.0);
  // rank 99 falls in +Inf: the highest finite bound.
  EXPECT_DOUBLE_EQ(histogram_quantile(0.99, example()), 1.0);
  EXPECT_TRUE(std::isinf(histogram_quantile(1.5, example())));
  EXPECT_LT(histogram_quantile(-1, example()), 0);
}

TEST(HistogramQuantile, OrderMonotonicityAndNoData) {
  auto shuffled = example();
  std::swap(shuffled[0], shuffled[3]);
  EXPECT_DOUBLE_EQ(histogram_quantile(0.5, shuffled), 0.42);
  // A scrape that raced an update: 58 below 60 is raised to 60, nothing else moves.
  EXPECT_DOUBLE_EQ(histogram_quantile(0.5, {{0.1, 10}, {0.5, 60}, {1, 58}, {INFINITY, 100}}), 0.42);
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{0.1, 0}, {INFINITY, 0}})));
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{0.1, 3}, {1, 5}}))) << "no +Inf bucket";
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{INFINITY, 5}})));
  EXPECT_DOUBLE_EQ(histogram_quantile(0.5, {{-1, 5}, {INFINITY, 10}}), -1) << "a first bound <= 0 is the answer";
}

}  // namespace
}  // namespace loadgen::probes
