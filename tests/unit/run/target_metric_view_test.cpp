// target.metric SLOs and charts, from scraped series: counter rates across resets, gauge
// values, histogram quantiles over summed bucket increases, summary quantiles, stage and window
// scopes, and the messages when there is nothing to judge.
#include "harness/run/target_metric_view.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/prometheus_math.hpp"

namespace loadgen::run {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Scrapes (time, exposition text) read into a capture, as a run would keep them.
TargetMetricsResult scraped(const std::vector<std::pair<double, std::string>>& scrapes) {
  probes::MetricsCapture capture(probes::CaptureOptions{});
  for (const auto& [t, text] : scrapes) {
    const auto error = capture.add_scrape(t, text, probes::ExpositionFormat::kPrometheusText);
    EXPECT_FALSE(error) << error->str();
  }
  TargetMetricsResult r;
  r.url = "http://127.0.0.1:8080/metrics";
  r.interval_s = 1;
  r.times = capture.times();
  r.series = capture.series();
  return r;
}

// One counter `req_total`, scraped at each (time, value).
TargetMetricsResult counter(const std::vector<std::pair<double, double>>& points) {
  std::vector<std::pair<double, std::string>> scrapes;
  for (const auto& [t, v] : points) scrapes.emplace_back(t, fmt::format("# TYPE req_total counter\nreq_total {}\n", v));
  return scraped(scrapes);
}

slo::Expression expr(std::string_view text) {
  auto e = slo::parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error());
  return e.ok() ? *e : slo::Expression{};
}

MetricObservation observe(const TargetMetricsResult& m, std::string_view text, double warmup_s = 0,
                          const std::vector<StageSpan>& stages = {}) {
  return observe_target_metric(m, expr(text), warmup_s, stages);
}

double value_of(const TargetMetricsResult& m, std::string_view text, double warmup_s = 0,
                const std::vector<StageSpan>& stages = {}) {
  const auto seen = observe(m, text, warmup_s, stages);
  EXPECT_TRUE(seen.value) << text << ": " << seen.problem;
  EXPECT_EQ(seen.problem, "") << text;
  return seen.value.value_or(std::nan(""));
}

// Intervals of 1s, 2s and 1s: 10, 20 and 30 requests, so 10/s, 10/s and 30/s.
TEST(TargetMetricView, ACounterIsJudgedByItsRate) {
  const auto m = counter({{0, 0}, {1, 10}, {3, 30}, {4, 60}});
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.rate < 100"), 60.0 / 4) << "increase over the time span";
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req.rate < 100"), 15) << "named without _total";
  // max, min, avg and last are of the per-interval rates.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.max < 100"), 30);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.min > 1"), 10);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.avg < 100"), (10.0 + 10 + 30) / 3);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.last < 100"), 30);
  const auto seen = observe(m, "target.metric.req_total.rate < 100");
  EXPECT_EQ(seen.series, "req_total");
  EXPECT_FALSE(seen.seconds);
  EXPECT_FALSE(seen.window);

  const auto t = timeline_of(m.series.at(0), m.times);
  EXPECT_EQ(t.t_s, (std::vector<double>{1, 3, 4}));
  EXPECT_EQ(t.value, (std::vector<double>{10, 10, 30}));
  EXPECT_TRUE(t.quantiles.empty());
}

TEST(TargetMetricView, ACounterResetCountsFromZero) {
  // 100 -> 5: the target restarted; 5 requests since, not -95.
  const auto m = counter({{0, 0}, {1, 50}, {2, 100}, {3, 5}, {4, 55}});
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.rate < 100"), (50.0 + 50 + 5 + 50) / 4);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.min > 1"), 5);
  EXPECT_EQ(timeline_of(m.series.at(0), m.times).value, (std::vector<double>{50, 50, 5, 50}));
}

TargetMetricsResult gauge(const std::vector<std::pair<double, double>>& points) {
  std::vector<std::pair<double, std::string>> scrapes;
  for (const auto& [t, v] : points) scrapes.emplace_back(t, fmt::format("# TYPE queue_depth gauge\nqueue_depth {}\n", v));
  return scraped(scrapes);
}

TEST(TargetMetricView, AGaugeIsJudgedByItsValues) {
  const auto m = gauge({{0, 5}, {1, 9}, {2, 2}, {3, 4}});
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.max < 10"), 9);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.min > 1"), 2);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.avg < 10"), 5);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.mean < 10"), 5);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.last < 10"), 4);
  // A gauge is read at each scrape: after a warm-up of 1.5s, the scrapes at 2 and 3.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.max < 10", 1.5), 4);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.queue_depth.avg < 10", 1.5), 3);
  const auto t = timeline_of(m.series.at(0), m.times);
  EXPECT_EQ(t.t_s, (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(t.value, (std::vector<double>{5, 9, 2, 4}));
  // A gauge has no rate nor percentile.
  EXPECT_EQ(observe(m, "target.metric.queue_depth.rate < 10").problem,
            "queue_depth is a gauge: judge its max, min, avg or last, not a rate");
  const auto p = observe(m, "target.metric.queue_depth.p99 < 10");
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.problem, "queue_depth is a gauge: judge its max, min, avg or last, not a percentile");
}

// Buckets 0.1, 0.2, 0.5, 1, +Inf. First second: 100 observations, all <= 0.1 (sum 5). Second
// second: 50 in (0.1, 0.2], 40 in (0.2, 0.5], 10 in (0.5, 1] (sum 7.5 + 14 + 7.5 = 29).
std::string latency(std::vector<double> cumulative, double sum) {
  const char* le[] = {"0.1", "0.2", "0.5", "1", "+Inf"};
  std::string text = "# TYPE lat_seconds histogram\n";
  for (size_t i = 0; i < 5; ++i) text += fmt::format("lat_seconds_bucket{{le=\"{}\"}} {}\n", le[i], cumulative[i]);
  return text + fmt::format("lat_seconds_count {}\nlat_seconds_sum {}\n", cumulative[4], sum);
}

TargetMetricsResult latencies() {
  return scraped({{0, latency({0, 0, 0, 0, 0}, 0)},
                  {1, latency({100, 100, 100, 100, 100}, 5)},
                  {2, latency({100, 150, 190, 200, 200}, 34)}});
}

TEST(TargetMetricView, HistogramQuantilesAreOfTheSummedBucketIncreases) {
  const auto m = latencies();
  // Summed increases: <=0.1: 100, <=0.2: 150, <=0.5: 190, <=1: 200, +Inf: 200.
  // p99: rank 198 lies in (0.5, 1], 8 of its 10: 0.5 + 0.5 * 8/10 = 0.9.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p99 < 1s"), 0.9);
  // p50: rank 100 is the whole first bucket: 0.1. p90: rank 180 in (0.2, 0.5], 30 of its 40:
  // 0.2 + 0.3 * 30/40 = 0.425. p75: rank 150 fills (0.1, 0.2]: 0.2.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p50 < 1s"), 0.1);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.med < 1s"), 0.1);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p90 < 1s"), 0.425);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p75 < 1s"), 0.2);
  // As histogram_quantile gives on those buckets (the worst interval's p99 would be 0.95).
  const std::vector<probes::Bucket> summed = {{0.1, 100}, {0.2, 150}, {0.5, 190}, {1, 200}, {kInf, 200}};
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p99 < 1s"), probes::histogram_quantile(0.99, summed));
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p90 < 1s"), probes::histogram_quantile(0.9, summed));
  // avg: sum / count = 34 / 200; rate: 200 observations in 2s.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.avg < 1s"), 0.17);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.rate < 1000"), 100);
  const auto seen = observe(m, "target.metric.lat_seconds.p99 < 1s");
  EXPECT_TRUE(seen.seconds) << "a _seconds family reads as a duration";
  EXPECT_FALSE(observe(m, "target.metric.lat_seconds.rate < 1000").seconds);
  EXPECT_EQ(observe(m, "target.metric.lat_seconds.max < 1s").problem,
            "lat_seconds is a histogram: judge a percentile (p99), its rate or avg, not max");

  // The chart: per interval, observations per second and p50/p90/p99 of that interval alone.
  const auto t = timeline_of(m.series.at(0), m.times);
  EXPECT_EQ(t.t_s, (std::vector<double>{1, 2}));
  EXPECT_EQ(t.value, (std::vector<double>{100, 100}));
  ASSERT_EQ(t.quantiles.size(), 3u);
  EXPECT_EQ(t.quantiles[0].first, "p50");
  EXPECT_EQ(t.quantiles[2].first, "p99");
  ASSERT_EQ(t.quantiles[2].second.size(), 2u);
  // First second: rank 99 of 100 in (0, 0.1]: 0.099. Second: rank 99 in (0.5, 1], 9 of 10: 0.95.
  EXPECT_DOUBLE_EQ(t.quantiles[2].second[0], 0.099);
  EXPECT_DOUBLE_EQ(t.quantiles[2].second[1], 0.95);
  // Second second's p50: rank 50 fills (0.1, 0.2]: 0.2.
  EXPECT_DOUBLE_EQ(t.quantiles[0].second[1], 0.2);
}

TEST(TargetMetricView, AStageTakesTheIntervalsWhoseMidpointIsInIt) {
  const std::vector<StageSpan> stages = {{"calm", 0, 1}, {"busy", 1, 2}};
  const auto m = latencies();
  // busy: the second interval alone, whose p99 is 0.95 and p50 0.2; calm: the first.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds{stage=busy}.p99 < 1s", 0, stages), 0.95);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds.p50{stage=busy} < 1s", 0, stages), 0.2);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.lat_seconds{stage=calm}.p99 < 1s", 0, stages), 0.099);

  // Intervals (0, 1.5] (midpoint 0.75), (1.5, 2.5] (2.0) and (2.5, 4] (3.25): the second one's
  // midpoint is the end of `calm`, so it is calm's.
  const auto c = counter({{0, 0}, {1.5, 15}, {2.5, 45}, {4, 60}});
  const std::vector<StageSpan> two = {{"calm", 0, 2}, {"busy", 2, 4}};
  EXPECT_DOUBLE_EQ(value_of(c, "target.metric.req_total{stage=calm}.rate < 100", 0, two), 45.0 / 2.5);
  EXPECT_DOUBLE_EQ(value_of(c, "target.metric.req_total{stage=busy}.rate < 100", 0, two), 10);
  EXPECT_DOUBLE_EQ(value_of(c, "target.metric.req_total{stage=calm}.max < 100", 0, two), 30);
  const auto none = observe(c, "target.metric.req_total{stage=later}.rate < 100", 0, two);
  EXPECT_FALSE(none.value);
  EXPECT_EQ(none.problem, "req_total had no samples in stage later");
}

TEST(TargetMetricView, WarmUpIsLeftOut) {
  // Interval midpoints 0.5, 1.5, 2.5, 3.5; a warm-up of 2s keeps the last two (20 and 40).
  const auto m = counter({{0, 0}, {1, 100}, {2, 200}, {3, 220}, {4, 260}});
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.rate < 1000", 2), 30);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.max < 1000", 2), 40);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.req_total.rate < 1000", 0), 65);
  const auto late = observe(m, "target.metric.req_total.rate < 1000", 10);
  EXPECT_FALSE(late.value);
  EXPECT_EQ(late.problem, "req_total had no samples after warm-up");
  // The histogram's first interval (midpoint 0.5) is warm-up: its p99 is the second's, 0.95.
  EXPECT_DOUBLE_EQ(value_of(latencies(), "target.metric.lat_seconds.p99 < 1s", 1), 0.95);
}

TEST(TargetMetricView, AWindowIsJudgedAtItsWorst) {
  // 10 requests a second for 10s, but 40 in (5, 6]: every 3s window holding that second has a
  // rate of (10 + 10 + 40) / 3 = 20.
  std::vector<std::pair<double, double>> points = {{0, 0}};
  double total = 0;
  for (int t = 1; t <= 10; ++t) {
    total += t == 6 ? 40 : 10;
    points.emplace_back(t, total);
  }
  const auto m = counter(points);
  const auto seen = observe(m, "target.metric.req_total{window=3s}.rate < 15");
  ASSERT_TRUE(seen.value) << seen.problem;
  EXPECT_DOUBLE_EQ(*seen.value, 20);
  ASSERT_TRUE(seen.window);
  // Windows (0,3], (1,4] ... (7,10]: 8, of which (3,6], (4,7] and (5,8] fail; the first worst.
  EXPECT_EQ(seen.window->windows, 8u);
  EXPECT_EQ(seen.window->failed, 3u);
  EXPECT_DOUBLE_EQ(seen.window->start_s, 3);
  EXPECT_DOUBLE_EQ(seen.window->end_s, 6);
  EXPECT_FALSE(seen.window->partial);
  // `>`: the worst window is the slowest: every window without (5, 6] has 10/s.
  const auto low = observe(m, "target.metric.req_total.rate{window=3s} > 15");
  EXPECT_DOUBLE_EQ(*low.value, 10);
  EXPECT_EQ(low.window->windows, 8u);
  EXPECT_EQ(low.window->failed, 5u);
  EXPECT_DOUBLE_EQ(low.window->start_s, 0);
  EXPECT_DOUBLE_EQ(low.window->end_s, 3);
  // A run shorter than the window is one partial window.
  const auto whole = observe(m, "target.metric.req_total{window=1m}.rate < 15");
  EXPECT_DOUBLE_EQ(*whole.value, 13);
  EXPECT_EQ(whole.window->windows, 1u);
  EXPECT_EQ(whole.window->failed, 0u);
  EXPECT_TRUE(whole.window->partial);
  EXPECT_DOUBLE_EQ(whole.window->start_s, 0);
  EXPECT_DOUBLE_EQ(whole.window->end_s, 10);
}

TEST(TargetMetricView, SeriesMatchingOneSelectorAreAddedUp) {
  std::vector<std::pair<double, std::string>> scrapes;
  for (int t = 0; t <= 2; ++t) {
    scrapes.emplace_back(t, fmt::format(R"(# TYPE req_total counter
req_total{{route="/a",code="200"}} {}
req_total{{route="/b",code="200"}} {}
req_total{{route="/b",code="500"}} {}
)",
                                        10 * t, 3 * t, t));
  }
  const auto m = scraped(scrapes);
  const auto all = observe(m, "target.metric.req_total.rate < 100");
  EXPECT_DOUBLE_EQ(*all.value, 14);
  EXPECT_EQ(all.series, "3 series of req_total, added up");
  const auto b = observe(m, R"(target.metric.req_total{route="/b"}.rate < 100)");
  EXPECT_DOUBLE_EQ(*b.value, 4);
  EXPECT_EQ(b.series, R"(2 series of req_total{route="/b"}, added up)");
  const auto one = observe(m, R"(target.metric.req{code="500",route="/b"}.rate < 100)");
  EXPECT_DOUBLE_EQ(*one.value, 1);
  EXPECT_EQ(one.series, R"(req_total{code="500",route="/b"})");

  // Two histograms' buckets are added before the quantile is taken: the first series has 100
  // observations <= 0.1, the second 100 in (0.1, 1]; together rank 198 of 200 lies in (0.1, 1],
  // 98 of its 100: 0.1 + 0.9 * 0.98 = 0.982. The first alone: rank 99 of 100 in (0, 0.1]: 0.099.
  std::vector<std::pair<double, std::string>> h;
  for (int t = 0; t <= 1; ++t) {
    const int n = 100 * t;
    h.emplace_back(t, fmt::format(R"(# TYPE lat_seconds histogram
lat_seconds_bucket{{route="/a",le="0.1"}} {0}
lat_seconds_bucket{{route="/a",le="1"}} {0}
lat_seconds_bucket{{route="/a",le="+Inf"}} {0}
lat_seconds_count{{route="/a"}} {0}
lat_seconds_sum{{route="/a"}} {1}
lat_seconds_bucket{{route="/b",le="0.1"}} 0
lat_seconds_bucket{{route="/b",le="1"}} {0}
lat_seconds_bucket{{route="/b",le="+Inf"}} {0}
lat_seconds_count{{route="/b"}} {0}
lat_seconds_sum{{route="/b"}} {2}
)",
                                  n, 0.05 * n, 0.75 * n));
  }
  const auto hm = scraped(h);
  EXPECT_DOUBLE_EQ(value_of(hm, "target.metric.lat_seconds.p99 < 1s"), 0.982);
  EXPECT_DOUBLE_EQ(value_of(hm, "target.metric.lat_seconds.avg < 1s"), (5.0 + 75) / 200);
  EXPECT_DOUBLE_EQ(value_of(hm, R"(target.metric.lat_seconds{route="/a"}.p99 < 1s)"), 0.099);
}

TEST(TargetMetricView, SeriesOfDifferentKindsUnderOneSelectorAreNotAddedUp) {
  const auto m = scraped({{0, R"(# TYPE x gauge
x{k="a"} 1
# TYPE x_total counter
x_total{k="b"} 1
)"}});
  EXPECT_EQ(observe(m, "target.metric.x.max < 1").problem,
            R"(the series matching x differ in type or buckets (x{k="a"} and x_total{k="b"}): name one with its labels)");
}

TEST(TargetMetricView, AnAbsentSeriesHasNoValueAndSaysSo) {
  auto m = counter({{0, 0}, {1, 10}, {2, 20}});
  const auto seen = observe(m, R"(target.metric.db_query_seconds{op="select"}.p99 < 1s)");
  EXPECT_FALSE(seen.value);
  EXPECT_EQ(seen.problem, R"(no series db_query_seconds{op="select"} appeared in 3 scrapes of http://127.0.0.1:8080/metrics)");
  EXPECT_EQ(observe(m, R"(target.metric.req_total{route="/a"}.rate < 1)").problem.substr(0, 9), "no series");
  m.stats.attempts = 4;
  m.stats.failures = 1;
  m.stats.first_error = "scrape 2 at 1.0s: connection refused";
  EXPECT_EQ(observe(m, "target.metric.nope.max < 1").problem,
            "no series nope appeared in 3 scrapes of http://127.0.0.1:8080/metrics (1 of 4 scrapes failed; "
            "first: scrape 2 at 1.0s: connection refused)");
  TargetMetricsResult one = m;
  one.times.resize(1);
  one.stats = {};
  EXPECT_EQ(observe(one, "target.metric.nope.max < 1").problem,
            "no series nope appeared in 1 scrape of http://127.0.0.1:8080/metrics");
}

TEST(TargetMetricView, APercentileOfACounterIsRefused) {
  const auto m = counter({{0, 0}, {1, 10}});
  const auto seen = observe(m, "target.metric.req_total.p99 < 1");
  EXPECT_FALSE(seen.value);
  EXPECT_EQ(seen.problem, "req_total is a counter: judge its rate (or the max, min, avg, last of its rate), not p99");
  EXPECT_NE(seen.problem.find("counter"), std::string::npos);
}

// A summary rpc_seconds with quantiles 0.5, 0.9 and 0.99 (sum: 0.1s an observation).
std::string rpc(double p50, double p90, double p99, double count, std::string_view labels = "", bool type = true) {
  const std::string own = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  const std::string before = labels.empty() ? "" : fmt::format("{},", labels);
  std::string text = type ? "# TYPE rpc_seconds summary\n" : "";
  text += fmt::format("rpc_seconds{{{}quantile=\"0.5\"}} {}\n", before, p50);
  text += fmt::format("rpc_seconds{{{}quantile=\"0.9\"}} {}\n", before, p90);
  text += fmt::format("rpc_seconds{{{}quantile=\"0.99\"}} {}\n", before, p99);
  return text + fmt::format("rpc_seconds_count{} {}\nrpc_seconds_sum{} {}\n", own, count, own, count * 0.1);
}

TEST(TargetMetricView, ASummaryQuantileIsItsWorstValue) {
  // The 0.99 quantile over the intervals: 0.5 then 0.3 (the first scrape starts the run). The
  // 0.9 quantile is higher throughout, so picking the wrong one shows.
  const auto m = scraped({{0, rpc(0.1, 0.9, 0.2, 0)}, {1, rpc(0.1, 0.9, 0.5, 10)}, {2, rpc(0.1, 0.9, 0.3, 30)}});
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.p99 < 1s"), 0.5);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.p99 > 1ms"), 0.3) << "for >, the lowest is the worst";
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.p50 < 1s"), 0.1);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.rate < 100"), 15);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.avg < 1s"), 0.1);
  const auto missing = observe(m, "target.metric.rpc_seconds.p99.9 < 1s");
  EXPECT_FALSE(missing.value);
  EXPECT_EQ(missing.problem, "the summary rpc_seconds has no quantile 0.999 (it has p50, p90, p99)");
  EXPECT_EQ(observe(m, "target.metric.rpc_seconds.max < 1s").problem,
            "rpc_seconds is a summary: judge one of its quantiles (p99), its rate or avg, not max");
  const auto t = timeline_of(m.series.at(0), m.times);
  ASSERT_EQ(t.quantiles.size(), 3u);
  EXPECT_EQ(t.quantiles[2].first, "0.99");
  EXPECT_EQ(t.quantiles[2].second, (std::vector<double>{0.5, 0.3}));
  EXPECT_EQ(t.value, (std::vector<double>{10, 20}));
}

// Quantiles cannot be added: of two summaries matching one selector, the worst is judged.
TEST(TargetMetricView, TheWorstOfSeveralSummariesIsJudged) {
  std::vector<std::pair<double, std::string>> scrapes;
  for (int t = 0; t <= 2; ++t) {
    scrapes.emplace_back(t, rpc(0.01, 0.1, t == 1 ? 0.2 : 0.25, 10 * t, R"(service="a")") +
                                rpc(0.02, 0.1, t == 1 ? 0.3 : 0.15, 10 * t, R"(service="b")", false));
  }
  const auto m = scraped(scrapes);
  ASSERT_EQ(m.series.size(), 2u);
  // 0.99: a is 0.2 then 0.25, b 0.3 then 0.15: the highest is b's 0.3, the lowest b's 0.15.
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.p99 < 1s"), 0.3);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.p99 > 1ms"), 0.15);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.p50 < 1s"), 0.02);
  EXPECT_DOUBLE_EQ(value_of(m, R"(target.metric.rpc_seconds{service="a"}.p99 < 1s)"), 0.25);
  EXPECT_DOUBLE_EQ(value_of(m, "target.metric.rpc_seconds.rate < 100"), 20) << "counts are added up";
}

}  // namespace
}  // namespace loadgen::run
