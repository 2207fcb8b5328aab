#include <gtest/gtest.h>

#include "harness/slo/expression.hpp"

namespace loadgen::slo {
namespace {

std::string error_of(std::string_view text) {
  auto e = parse(text);
  return e.ok() ? "(parsed)" : e.error();
}

// Exact messages: each error class, with the 1-based column it points at.
TEST(SloErrors, Percentiles) {
  EXPECT_EQ(error_of("http.p101 < 1s"), "column 6: 'p101' is not a percentile (p0..p100)");
  EXPECT_EQ(error_of("http.p100.5 < 1s"), "column 6: 'p100.5' is not a percentile (p0..p100)");
  EXPECT_EQ(error_of("http.p(99) < 1s"), "column 6: write p99, not p(99)");
}

TEST(SloErrors, ThresholdUnits) {
  EXPECT_EQ(error_of("http.p99 < 200"), "column 12: 200 needs a unit, e.g. 200ms");
  EXPECT_EQ(error_of("http.p99 < 5MB"), "column 12: p99 is a duration; 5MB is a size");
  EXPECT_EQ(error_of("http.rps >= 5ms"), "column 13: rps is a rate; 5ms is a duration");
  EXPECT_EQ(error_of("http.dropped < 5%"), "column 16: dropped is a count; 5% is a percentage");
  EXPECT_EQ(error_of("target.rss.max < 500"), "column 18: 500 needs a unit, e.g. 500MB");
  EXPECT_EQ(error_of("target.rss.slope < 10MB"),
            "column 20: slope is a size per hour; 10MB is a size (write 10MB/h)");
  EXPECT_EQ(error_of("target.cpu.avg < 30"),
            "column 18: write CPU as a percentage, e.g. 30% (100% is one core)");
  EXPECT_EQ(
      error_of("http.p99 < 200 parsecs"),
      "column 12: unknown duration unit ' parsecs' in '200 parsecs' (use ns, us, ms, s, m, h)");
  EXPECT_EQ(error_of("http.p99 < fast"),
            "column 12: 'fast' is not a threshold (a number with a unit, e.g. 200ms, 1k, 0.1%, "
            "500MB)");
  EXPECT_EQ(error_of("http.p99 < target"),
            "column 12: 'target' is a threshold only for rps (e.g. http.rps >= target)");
}

TEST(SloErrors, ImpossibleComparisons) {
  EXPECT_EQ(error_of("http.p99 < -5ms"), "column 12: thresholds cannot be negative ('-5ms')");
  EXPECT_EQ(error_of("http.error_rate < 150%"),
            "column 19: 150% is more than 100%: error_rate can never exceed 100%");
  EXPECT_EQ(error_of("http.error_rate < 5"),
            "column 19: 5 is more than 1 (100%); write 5% for a percentage");
  EXPECT_EQ(error_of("http.p99 < 0ms"),
            "column 12: 'p99 < 0ms' can never hold (p99 is never below 0)");
  EXPECT_EQ(error_of("http.dropped >= 0"),
            "column 17: 'dropped >= 0' always holds (dropped is never below 0)");
  EXPECT_EQ(error_of("http.error_rate > 100%"),
            "column 19: 'error_rate > 100%' can never hold (error_rate is at most 100%)");
  EXPECT_EQ(error_of("http.error_rate <= 1"),
            "column 20: 'error_rate <= 1' always holds (error_rate is at most 100%)");
  // Still possible: equal to zero, at most zero, a falling memory slope.
  EXPECT_TRUE(parse("http.dropped <= 0").ok());
  EXPECT_TRUE(parse("target.rss.slope < 0MB/h").ok());
}

TEST(SloErrors, Operators) {
  EXPECT_EQ(error_of("http.p99 = 200ms"), "column 10: use '==' to compare, not '='");
  EXPECT_EQ(error_of("http.p99 =< 200ms"), "column 10: write '<=', not '=<'");
  EXPECT_EQ(error_of("http.p99"),
            "column 9: expected a comparison (<, <=, >, >=, ==, !=) after 'p99'");
  EXPECT_EQ(error_of("http.p99 ~ 1s"),
            "column 10: expected a comparison (<, <=, >, >=, ==, !=), not '~'");
  EXPECT_EQ(error_of("http.p99 <"), "column 11: missing threshold after '<', e.g. < 200ms");
}

TEST(SloErrors, MetricsAndStats) {
  EXPECT_EQ(error_of(""), "column 1: expected a metric and a stat, e.g. http.p99 < 200ms");
  EXPECT_EQ(error_of("http < 1s"), "column 1: 'http' needs a stat, e.g. http.p99 or http.rps");
  EXPECT_EQ(error_of("http. < 1s"), "column 6: expected a name after '.'");
  EXPECT_EQ(error_of("http.latency < 1s"),
            "column 6: 'latency' is not a stat of http (use p<N>, min, max, mean (avg), med, rps, "
            "count, errors, dropped, timeouts, error_rate)");
  EXPECT_EQ(error_of("send_lag.rps > 1"),
            "column 10: 'rps' is not a stat of send_lag (use p<N>, min, max, mean (avg), med)");
  EXPECT_EQ(error_of("target.disk.max < 5GB"),
            "column 8: 'target.disk' is not a target metric (use target.cpu, target.rss, "
            "target.fds, target.threads or target.metric.<name>)");
  EXPECT_EQ(error_of("target.max < 5GB"),
            "column 1: write target.<resource>.<stat>, e.g. target.rss.max (target.cpu, "
            "target.rss, target.fds, target.threads or target.metric.<name>)");
  EXPECT_EQ(error_of("target.rss.p99 < 5MB"),
            "column 12: 'p99' is not a stat of target.rss (use max, start, end, mean (avg), "
            "slope)");
  EXPECT_EQ(error_of("startup.p99 < 1s"),
            "column 1: write startup.<phase>.<stat>, e.g. startup.ready.p99");
}

TEST(SloErrors, Tags) {
  EXPECT_EQ(error_of("http.p99{region=eu} < 1s"),
            "column 10: unknown tag 'region' (use stage, window or name)");
  EXPECT_EQ(error_of("http.p99{stage:spike} < 1s"),
            "column 15: write stage=value, not stage:value");
  EXPECT_EQ(error_of("http.p99{window=soon} < 1s"),
            "column 17: 'soon' is not a duration (e.g. 250ms, 30s, 1m30s)");
  EXPECT_EQ(error_of("http.p99{window=0s} < 1s"), "column 17: a window must be longer than 0s");
  EXPECT_EQ(error_of("http.p99{stage=} < 1s"), "column 16: tag 'stage' needs a value");
  EXPECT_EQ(error_of("http.p99{stage=a,stage=b} < 1s"), "column 18: tag 'stage' is given twice");
  EXPECT_EQ(error_of("http.p99{stage=a < 1s"), "column 9: '{' is not closed by '}'");
  EXPECT_EQ(error_of("http{stage=a}.p99{window=1m} < 1s"),
            "column 18: give tags once, e.g. http.p99{stage=spike,window=1m}");
  EXPECT_EQ(error_of("startup{stage=a}.ready.p99 < 1s"),
            "column 8: tags go right after the metric or the stat, e.g. http.p99{stage=spike}");
}

TEST(SloErrors, TargetMetrics) {
  EXPECT_EQ(error_of("target.metric.x.p99 < 1s"), "(parsed)");
  EXPECT_EQ(error_of(R"(target.metric.x{a!="b"}.p99 < 1s)"),
            "column 18: only label=value matches a series ('!=' is not supported)");
  EXPECT_EQ(error_of(R"(target.metric.x{a=~"b.*"}.p99 < 1s)"),
            "column 18: only label=value matches a series ('=~' is not supported)");
  EXPECT_EQ(error_of(R"(target.metric.x{a="b} < 1s)"), "column 19: the label value's '\"' is not closed");
  EXPECT_EQ(error_of(R"(target.metric.x{a="1",b="2",a="3"}.p99 < 1s)"), "column 29: label 'a' is given twice");
  EXPECT_EQ(error_of(R"(target.metric.x{a="\t"}.p99 < 1s)"),
            R"(column 21: a label value escapes only \\, \" and \n)");
  EXPECT_EQ(error_of("target.metric.x{a=}.p99 < 1s"), "column 19: label 'a' needs a value");
  EXPECT_EQ(error_of("target.metric.x{a}.p99 < 1s"), "column 18: expected '=' after 'a'");
  EXPECT_EQ(error_of("target.metric.x{stage=a,stage=b}.p99 < 1s"), "column 25: tag 'stage' is given twice");
  EXPECT_EQ(error_of(R"(target.metric.x.p99{route="/a"} < 1s)"),
            "column 21: label 'route' goes right after the metric's name, e.g. target.metric.x{route=...}.p99");
  EXPECT_EQ(error_of(R"(target.metric.x{a="1"}.p99{b="2"} < 1s)"),
            "column 28: label 'b' goes right after the metric's name, e.g. target.metric.x{b=...}.p99");
  EXPECT_EQ(error_of("target.metric.x{a=b}.p99{window=1m}{stage=a} < 1s"),
            "column 36: expected a comparison (<, <=, >, >=, ==, !=), not '{'");
  EXPECT_EQ(error_of("target.metric.x{stage=a}.p99{stage=b} < 1s"),
            "column 30: tag 'stage' is given twice");
  EXPECT_EQ(error_of("target.metric.p99 < 1s"),
            "column 8: write target.metric.<name>.<stat>, e.g. target.metric.db_query_seconds.p99");
  EXPECT_EQ(error_of("target.metric.a.b.p99 < 1s"),
            "column 8: write target.metric.<name>.<stat>, e.g. target.metric.db_query_seconds.p99");
  EXPECT_EQ(error_of("target.metric.x.median < 1"),
            "column 17: 'median' is not a stat of target.metric.x (use p<N> (histograms, summaries), rate "
            "(counters), max, min, avg (mean), last)");
  EXPECT_EQ(error_of("target.metric.x.p101 < 1"), "column 17: 'p101' is not a percentile (p0..p100)");
  EXPECT_EQ(error_of("target.metric.x.max < 10MB/h"),
            "column 23: max is a value in the metric's unit; 10MB/h is a size per hour");
  EXPECT_EQ(error_of("target.metric.x.max < 10 apples"),
            "column 23: '10 apples' is not a number, a duration (100ms) or a size (1GB)");
  EXPECT_EQ(error_of("target.metric.x.rate >= target"),
            "column 25: 'target' is a threshold only for rps (e.g. http.rps >= target)");
}

}  // namespace
}  // namespace loadgen::slo
