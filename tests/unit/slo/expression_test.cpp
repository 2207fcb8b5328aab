#include "harness/slo/expression.hpp"

#include <gtest/gtest.h>

namespace loadgen::slo {
namespace {

Expression parsed(std::string_view text) {
  auto e = parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error());
  return e.ok() ? *e : Expression{};
}

TEST(SloParse, LatencyPercentile) {
  const auto e = parsed("http.p99 < 200ms");
  EXPECT_EQ(e.text, "http.p99 < 200ms");
  EXPECT_EQ(e.metric, "http");
  EXPECT_EQ(e.stat, "p99");
  ASSERT_TRUE(e.percentile);
  EXPECT_DOUBLE_EQ(*e.percentile, 99);
  EXPECT_EQ(e.op, Comparison::kLess);
  EXPECT_EQ(e.quantity, Quantity::kDuration);
  ASSERT_TRUE(e.threshold);
  EXPECT_DOUBLE_EQ(*e.threshold, 200e6);
  EXPECT_TRUE(e.tags.empty());
  EXPECT_TRUE(e.symbolic_threshold.empty());
}

TEST(SloParse, PercentilesWithAFractionAreOneStat) {
  auto e = parsed("http.p99.9 <= 2s");
  EXPECT_EQ(e.metric, "http");
  EXPECT_EQ(e.stat, "p99.9");
  EXPECT_DOUBLE_EQ(*e.percentile, 99.9);
  e = parsed("list_items.p99.99 < 1s");
  EXPECT_EQ(e.metric, "list_items");
  EXPECT_DOUBLE_EQ(*e.percentile, 99.99);
  EXPECT_DOUBLE_EQ(*parsed("http.p0 > 1us").percentile, 0);
  EXPECT_DOUBLE_EQ(*parsed("http.p100 < 5s").percentile, 100);
  EXPECT_DOUBLE_EQ(*parsed("http.p50 < 50ms").percentile, 50);
}

TEST(SloParse, MultiSegmentMetricsEndInTheStat) {
  auto e = parsed("startup.ready.p99 < 1s");
  EXPECT_EQ(e.metric, "startup.ready");
  EXPECT_EQ(e.stat, "p99");
  EXPECT_DOUBLE_EQ(*e.threshold, 1e9);
  e = parsed("target.rss.max < 500MB");
  EXPECT_EQ(e.metric, "target.rss");
  EXPECT_EQ(e.stat, "max");
  EXPECT_EQ(e.quantity, Quantity::kBytes);
  EXPECT_DOUBLE_EQ(*e.threshold, 500e6);
  e = parsed("startup.full.failed == 0");
  EXPECT_EQ(e.quantity, Quantity::kCount);
}

TEST(SloParse, TagsAfterTheStatOrAfterTheMetric) {
  for (const char* text : {"http.p99{stage=spike} < 500ms", "http{stage=spike}.p99 < 500ms",
                           "http.p99 {stage = spike} < 500ms"}) {
    const auto e = parsed(text);
    EXPECT_EQ(e.metric, "http") << text;
    EXPECT_EQ(e.stat, "p99") << text;
    EXPECT_EQ(e.tags, (std::map<std::string, std::string>{{"stage", "spike"}})) << text;
  }
  const auto e = parsed("startup.ready{window=1m,name=boot}.p50 < 1s");
  EXPECT_EQ(e.metric, "startup.ready");
  EXPECT_EQ(e.tags.at("window"), "1m");
  EXPECT_EQ(e.tags.at("name"), "boot");
  EXPECT_EQ(parsed("http.p99{stage=stage 2} < 1s").tags.at("stage"), "stage 2");
}

TEST(SloParse, RequestStatsAndTheirQuantities) {
  EXPECT_EQ(parsed("http.rps >= 450").quantity, Quantity::kRate);
  EXPECT_DOUBLE_EQ(*parsed("http.rps >= 450").threshold, 450);
  EXPECT_DOUBLE_EQ(*parsed("http.rps >= 1.5k").threshold, 1500);
  EXPECT_DOUBLE_EQ(*parsed("http.rps > 6000/m").threshold, 100);
  for (const std::string stat : {"count", "errors", "dropped", "timeouts"}) {
    const auto e = parsed("http." + stat + " == 0");
    EXPECT_EQ(e.stat, stat);
    EXPECT_EQ(e.quantity, Quantity::kCount);
    EXPECT_DOUBLE_EQ(*e.threshold, 0);
  }
  auto e = parsed("http.error_rate < 0.1%");
  EXPECT_EQ(e.quantity, Quantity::kRatio);
  EXPECT_DOUBLE_EQ(*e.threshold, 0.001);
  EXPECT_DOUBLE_EQ(*parsed("http.error_rate < 0.001").threshold, 0.001);
  for (const std::string stat : {"min", "max", "mean"}) {
    EXPECT_EQ(parsed("http." + stat + " < 1s").quantity, Quantity::kDuration) << stat;
  }
  EXPECT_EQ(parsed("send_lag.p99 < 10ms").metric, "send_lag");
}

TEST(SloParse, AliasesAreNormalised) {
  auto e = parsed("http.avg < 20ms");
  EXPECT_EQ(e.stat, "mean");
  EXPECT_FALSE(e.percentile);
  e = parsed("http.med < 20ms");
  EXPECT_EQ(e.stat, "p50");
  EXPECT_DOUBLE_EQ(*e.percentile, 50);
  e = parsed("target.cpu.avg < 30%");
  EXPECT_EQ(e.stat, "mean");
  EXPECT_EQ(e.text, "target.cpu.avg < 30%");
}

TEST(SloParse, TargetResources) {
  auto e = parsed("target.cpu.avg < 30%");
  EXPECT_EQ(e.metric, "target.cpu");
  EXPECT_EQ(e.quantity, Quantity::kRatio);
  EXPECT_DOUBLE_EQ(*e.threshold, 0.3);
  EXPECT_DOUBLE_EQ(*parsed("target.cpu.max < 150%").threshold, 1.5);  // more than one core
  EXPECT_EQ(parsed("target.cpu.p95 < 80%").quantity, Quantity::kRatio);
  e = parsed("target.rss.slope < 10MB/h");
  EXPECT_EQ(e.quantity, Quantity::kBytesPerHour);
  EXPECT_DOUBLE_EQ(*e.threshold, 10e6);
  EXPECT_DOUBLE_EQ(*parsed("target.rss.slope < 1KB/s").threshold, 3.6e6);
  EXPECT_DOUBLE_EQ(*parsed("target.rss.slope < -1MB/h").threshold, -1e6);
  for (const std::string stat : {"start", "end", "mean"}) {
    EXPECT_EQ(parsed("target.rss." + stat + " < 1GiB").quantity, Quantity::kBytes) << stat;
  }
  EXPECT_EQ(parsed("target.fds.max < 1000").quantity, Quantity::kCount);
  EXPECT_EQ(parsed("target.threads.mean <= 64").quantity, Quantity::kCount);
}

TEST(SloParse, TargetMetricNameLabelsAndScopes) {
  auto e = parsed("target.metric.db_query_seconds.p99 < 100ms");
  EXPECT_EQ(e.metric, "target.metric.db_query_seconds");
  EXPECT_EQ(e.stat, "p99");
  ASSERT_TRUE(e.percentile);
  EXPECT_DOUBLE_EQ(*e.percentile, 99);
  EXPECT_EQ(e.quantity, Quantity::kMetric);
  ASSERT_TRUE(e.threshold);
  EXPECT_EQ(*e.threshold, 0.1) << "a duration is in seconds, Prometheus's base unit";
  EXPECT_TRUE(e.labels.empty());
  EXPECT_TRUE(e.tags.empty());

  // Labels in the order written; stage and window are scopes, not labels.
  e = parsed(R"(target.metric.http_request_duration_seconds{route="/items",method=GET,stage=peak,window=30s}.p99.9 <= 250ms)");
  EXPECT_EQ(e.metric, "target.metric.http_request_duration_seconds");
  EXPECT_EQ(e.labels, (std::vector<std::pair<std::string, std::string>>{{"route", "/items"}, {"method", "GET"}}));
  EXPECT_EQ(e.tags, (std::map<std::string, std::string>{{"stage", "peak"}, {"window", "30s"}}));
  EXPECT_EQ(e.stat, "p99.9");
  EXPECT_DOUBLE_EQ(*e.percentile, 99.9);
  EXPECT_EQ(e.op, Comparison::kLessEqual);
  EXPECT_EQ(*e.threshold, 0.25);

  // Quoted values unescape \\, \" and \n; a quoted value may hold , } = and blanks.
  e = parsed(R"(target.metric.x{zone="a\"b\\c\nd", path = "/a,b}=c d"}.max < 1)");
  EXPECT_EQ(e.labels,
            (std::vector<std::pair<std::string, std::string>>{{"zone", "a\"b\\c\nd"}, {"path", "/a,b}=c d"}}));
  // Scopes may follow the stat instead.
  e = parsed("target.metric.x.p99{stage=peak} < 1s");
  EXPECT_EQ(e.metric, "target.metric.x");
  EXPECT_EQ(e.tags, (std::map<std::string, std::string>{{"stage", "peak"}}));
  EXPECT_TRUE(e.labels.empty());
  // Labels after the name and the scope after the stat.
  e = parsed(R"(target.metric.x{pool="a"}.max{stage=soak,window=1m} < 5)");
  EXPECT_EQ(e.labels, (std::vector<std::pair<std::string, std::string>>{{"pool", "a"}}));
  EXPECT_EQ(e.tags, (std::map<std::string, std::string>{{"stage", "soak"}, {"window", "1m"}}));
  EXPECT_EQ(e.stat, "max");
  // name= is a tag, as for every metric (a scenario refuses it on a target metric), not a label.
  e = parsed("target.metric.x{route=/a,name=list}.p99 < 1s");
  EXPECT_EQ(e.tags, (std::map<std::string, std::string>{{"name", "list"}}));
  EXPECT_EQ(e.labels, (std::vector<std::pair<std::string, std::string>>{{"route", "/a"}}));
  // A Prometheus name may hold ':' (recording rules).
  EXPECT_EQ(parsed("target.metric.job:requests:rate5m.last < 10").metric, "target.metric.job:requests:rate5m");
}

TEST(SloParse, TargetMetricStatsAndThresholds) {
  for (const std::string stat : {"rate", "max", "min", "mean", "last"}) {
    const auto e = parsed("target.metric.x." + stat + " < 5");
    EXPECT_EQ(e.stat, stat);
    EXPECT_FALSE(e.percentile) << stat;
    EXPECT_EQ(e.quantity, Quantity::kMetric) << stat;
    EXPECT_EQ(*e.threshold, 5) << stat;
  }
  EXPECT_EQ(parsed("target.metric.x.avg < 5").stat, "mean");
  auto e = parsed("target.metric.x.med < 5");
  EXPECT_EQ(e.stat, "p50");
  EXPECT_DOUBLE_EQ(*e.percentile, 50);
  // Sizes in bytes (MB is 10^6, MiB 2^20), durations in seconds, plain numbers as they are.
  EXPECT_EQ(*parsed("target.metric.heap_bytes.max < 2MB").threshold, 2e6);
  EXPECT_EQ(*parsed("target.metric.heap_bytes.max < 1.5MiB").threshold, 1.5 * 1048576);
  EXPECT_EQ(*parsed("target.metric.x.p50 < 2s").threshold, 2);
  EXPECT_EQ(*parsed("target.metric.x.p50 < 1m30s").threshold, 90);
  EXPECT_EQ(*parsed("target.metric.x.p50 < 250us").threshold, 250e-6);
  EXPECT_EQ(*parsed("target.metric.x.rate < 1.5k").threshold, 1500);
  EXPECT_EQ(*parsed("target.metric.x.last <= 0.25").threshold, 0.25);
  EXPECT_EQ(*parsed("target.metric.x.rate < 5%").threshold, 0.05);
  // A gauge may be negative, so may its threshold; and 0 bounds nothing.
  e = parsed("target.metric.temperature.min > -3");
  EXPECT_EQ(e.op, Comparison::kGreater);
  EXPECT_EQ(*e.threshold, -3);
  EXPECT_EQ(*parsed("target.metric.x.min >= -1.5s").threshold, -1.5);
  EXPECT_EQ(*parsed("target.metric.x.last < 0").threshold, 0);
  EXPECT_EQ(format_quantity(0.000123456, Quantity::kMetric), "0.0001235");
  EXPECT_EQ(format_quantity(1500, Quantity::kMetric), "1500");
}

TEST(SloParse, EveryOperator) {
  EXPECT_EQ(parsed("http.p99 < 1s").op, Comparison::kLess);
  EXPECT_EQ(parsed("http.p99 <= 1s").op, Comparison::kLessEqual);
  EXPECT_EQ(parsed("http.p99 > 1s").op, Comparison::kGreater);
  EXPECT_EQ(parsed("http.p99 >= 1s").op, Comparison::kGreaterEqual);
  EXPECT_EQ(parsed("http.errors == 0").op, Comparison::kEqual);
  EXPECT_EQ(parsed("http.errors != 3").op, Comparison::kNotEqual);
}

TEST(SloParse, SymbolicTargetRate) {
  const auto e = parsed("http.rps >= target");
  EXPECT_FALSE(e.threshold);
  EXPECT_EQ(e.symbolic_threshold, "target");
  EXPECT_EQ(e.quantity, Quantity::kRate);
}

TEST(SloParse, BlanksAreOptionalAndTrimmed) {
  EXPECT_EQ(parsed("http.p99<200ms").text, "http.p99<200ms");
  const auto e = parsed("   http.p99   <=   1m30s  ");
  EXPECT_EQ(e.text, "http.p99   <=   1m30s");
  EXPECT_DOUBLE_EQ(*e.threshold, 90e9);
}

TEST(SloCompare, AllOperators) {
  EXPECT_TRUE(compare(1, Comparison::kLess, 2));
  EXPECT_FALSE(compare(2, Comparison::kLess, 2));
  EXPECT_TRUE(compare(2, Comparison::kLessEqual, 2));
  EXPECT_TRUE(compare(3, Comparison::kGreater, 2));
  EXPECT_TRUE(compare(2, Comparison::kGreaterEqual, 2));
  EXPECT_TRUE(compare(2, Comparison::kEqual, 2));
  EXPECT_TRUE(compare(1, Comparison::kNotEqual, 2));
  EXPECT_EQ(to_string(Comparison::kGreaterEqual), ">=");
  EXPECT_EQ(to_string(Comparison::kNotEqual), "!=");
}

TEST(SloFormat, HumanUnitsPerQuantity) {
  EXPECT_EQ(format_quantity(212e6, Quantity::kDuration), "212ms");
  EXPECT_EQ(format_quantity(1.5e9, Quantity::kDuration), "1.5s");
  EXPECT_EQ(format_quantity(0.0012, Quantity::kRatio), "0.12%");
  EXPECT_EQ(format_quantity(12'345, Quantity::kRate), "12.3k/s");
  EXPECT_EQ(format_quantity(3, Quantity::kCount), "3");
  EXPECT_EQ(format_quantity(2.5, Quantity::kCount), "2.5");
  EXPECT_EQ(format_quantity(12.5 * 1048576, Quantity::kBytes), "12.5MiB");
  EXPECT_EQ(format_quantity(-2 * 1048576.0, Quantity::kBytesPerHour), "-2MiB/h");
}

}  // namespace
}  // namespace loadgen::slo
