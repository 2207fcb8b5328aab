// probes.metrics (scraping the target's Prometheus / OpenMetrics endpoint) and the target.metric
// SLOs that need it: the model read, its defaults, and each error with file:line:col.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::load;
using testing::loaded;
using Errors = std::vector<std::string>;

// kSmoke (8 lines) and then `rest`, from line 9.
std::string smoke_with(std::string_view rest) { return std::string(testing::kSmoke) + std::string(rest); }

TEST(MetricsProbe, DefaultsWithOnlyAUrl) {
  const auto s = loaded(smoke_with(R"(probes:
  metrics:
    url: /metrics
)"));
  ASSERT_TRUE(s.probes.metrics);
  const auto& m = *s.probes.metrics;
  EXPECT_EQ(m.url.text(), "/metrics");
  EXPECT_EQ(m.interval, 1s);
  EXPECT_EQ(m.timeout, 1s);
  EXPECT_EQ(m.max_series, 200);
  EXPECT_TRUE(m.select.empty());
  EXPECT_EQ(m.where.str(), "s.yaml:11:5");
  // Without probes.metrics there is none.
  EXPECT_FALSE(loaded(testing::kSmoke).probes.metrics);
}

TEST(MetricsProbe, ReadsEveryField) {
  const auto s = loaded(smoke_with(R"(probes:
  metrics:
    url: "http://127.0.0.1:9100/metrics"
    interval: 500ms
    timeout: 250ms
    select:
      - db_query_seconds
      - 'http_requests_total{route="/items",code="200"}'
    max_series: 50
)"));
  ASSERT_TRUE(s.probes.metrics);
  const auto& m = *s.probes.metrics;
  EXPECT_EQ(m.url.text(), "http://127.0.0.1:9100/metrics");
  EXPECT_EQ(m.interval, 500ms);
  EXPECT_EQ(m.timeout, 250ms);
  EXPECT_EQ(m.select, (std::vector<std::string>{"db_query_seconds", R"(http_requests_total{route="/items",code="200"})"}));
  EXPECT_EQ(m.max_series, 50);
}

TEST(MetricsProbe, TheTimeoutDefaultsToTheIntervalUpTo5s) {
  EXPECT_EQ(loaded(smoke_with("probes: { metrics: { url: /m, interval: 200ms } }\n")).probes.metrics->timeout, 200ms);
  EXPECT_EQ(loaded(smoke_with("probes: { metrics: { url: /m, interval: 30s } }\n")).probes.metrics->timeout, 5s);
  EXPECT_EQ(loaded(smoke_with("probes: { metrics: { url: /m, interval: 100ms, timeout: 100ms } }\n")).probes.metrics->timeout,
            100ms);
}

TEST(MetricsProbe, AUrlIsAPathOrAnHttpUrl) {
  EXPECT_EQ(loaded(smoke_with("probes: { metrics: { url: \"https://h:9100/metrics\" } }\n")).probes.metrics->url.text(),
            "https://h:9100/metrics");
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: metrics\n"))),
            Errors{"s.yaml:11:10: url is a path on the target's base URL (/metrics) or an http:// URL, not 'metrics'"});
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: ftp://h/metrics\n"))),
            Errors{"s.yaml:11:10: url is a path on the target's base URL (/metrics) or an http:// URL, not "
                   "'ftp://h/metrics'"});
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    interval: 1s\n"))),
            Errors{"s.yaml:11:5: probes.metrics needs url: (e.g. url: /metrics)"});
  // ${port} is the port of a target loadgen starts; there is none here.
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: \"http://127.0.0.1:${port}/metrics\"\n"))),
            Errors{"s.yaml:11:5: ${port} in probes.metrics.url needs target.start: the port is learned from the target "
                   "loadgen starts"});
  const auto started = loaded(R"(name: started
target:
  base_url: "http://127.0.0.1:${port}"
  start:
    command: [./server, --port, "${port}"]
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
probes:
  metrics:
    url: "http://127.0.0.1:${port}/metrics"
slo:
  - target.metric.db_query_seconds.p99 < 100ms
)");
  ASSERT_TRUE(started.probes.metrics);
  EXPECT_EQ(started.probes.metrics->url.text(), "http://127.0.0.1:${port}/metrics");
  EXPECT_EQ(started.slos.size(), 1u);
}

TEST(MetricsProbe, IntervalTimeoutAndMaxSeriesBounds) {
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: /metrics\n    interval: 50ms\n"))),
            Errors{"s.yaml:12:15: interval must be at least 100ms (a scrape is a whole exposition, parsed)"});
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: /metrics\n    timeout: 2s\n"))),
            Errors{"s.yaml:12:14: timeout must be at most the interval (1s)"});
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: /metrics\n    interval: 2s\n    timeout: 3s\n"))),
            Errors{"s.yaml:13:14: timeout must be at most the interval (2s)"});
  const auto zero = errors_of(load(smoke_with("probes:\n  metrics:\n    url: /metrics\n    max_series: 0\n")));
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_EQ(zero[0].substr(0, 14), "s.yaml:12:17: ");
  EXPECT_NE(zero[0].find("max_series"), std::string::npos) << zero[0];
  EXPECT_EQ(errors_of(load(smoke_with("probes:\n  metrics:\n    url: /metrics\n    intervall: 1s\n"))),
            Errors{"s.yaml:12:5: unknown key 'intervall' in probes.metrics (did you mean 'interval'?)"});
}

TEST(MetricsProbe, ABadSelectorIsNamed) {
  const auto r = load(smoke_with(R"(probes:
  metrics:
    url: /metrics
    select:
      - up
      - 'db{op=select}'
      - '9lives'
)"));
  EXPECT_EQ(errors_of(r), (Errors{"s.yaml:14:9: select: 'db{op=select}': the value of 'op' must be in double quotes",
                                  "s.yaml:15:9: select: '9lives' does not start with a metric name"}));
}

constexpr std::string_view kScraped = R"(probes:
  metrics:
    url: /metrics
)";

TEST(MetricsProbe, TargetMetricSlosNeedIt) {
  EXPECT_EQ(errors_of(load(smoke_with("slo:\n  - target.metric.x.p99 < 1s\n"))),
            Errors{"s.yaml:10:5: target.metric.x is read from the target's metrics endpoint: add probes.metrics "
                   "(e.g. url: /metrics)"});
  const auto s = loaded(smoke_with(std::string(kScraped) + R"(slo:
  - target.metric.x.p99 < 1s
  - 'target.metric.db_query_seconds{op="select"}.p99 < 100ms'
  - target.metric.queue_depth.max{window=10s} < 50
)"));
  ASSERT_EQ(s.slos.size(), 3u);
  EXPECT_EQ(s.slos[1].expression, R"(target.metric.db_query_seconds{op="select"}.p99 < 100ms)");
  EXPECT_EQ(s.slos[2].where.str(), "s.yaml:15:5");
  // Without a target process to watch: a scraped metric needs none (target.rss does).
  EXPECT_EQ(errors_of(load(smoke_with(std::string(kScraped) + "slo:\n  - target.rss.max < 1GB\n"))),
            Errors{"s.yaml:13:5: target.rss is measured only on a target that loadgen starts (add target.start, or "
                   "probes.resources.pid_file)"});
}

TEST(MetricsProbe, TargetMetricSloTagsAreChecked) {
  EXPECT_EQ(errors_of(load(smoke_with(std::string(kScraped) + "slo:\n  - target.metric.x{name=list}.p99 < 1s\n"))),
            Errors{"s.yaml:13:5: a target metric's series are chosen by its labels ({route=\"/a\"}); name= scopes "
                   "request metrics"});
  EXPECT_EQ(errors_of(load(smoke_with(std::string(kScraped) + "slo:\n  - target.metric.x.p99{name=list} < 1s\n"))),
            Errors{"s.yaml:13:5: a target metric's series are chosen by its labels ({route=\"/a\"}); name= scopes "
                   "request metrics"});
  // A stage must be one of the load's (the smoke load has none named: any is accepted).
  const auto staged = std::string(R"(name: staged
target: { base_url: "http://127.0.0.1:8080" }
load:
  stages:
    - { to: 10, over: 5s, name: ramp }
    - { hold: 10s, name: peak }
requests: [ { get: / } ]
)") + std::string(kScraped);
  EXPECT_EQ(loaded(staged + "slo:\n  - target.metric.x{stage=peak}.p99 < 1s\n").slos.size(), 1u);
  EXPECT_EQ(errors_of(load(staged + "slo:\n  - target.metric.x{stage=paek}.p99 < 1s\n")),
            Errors{"s.yaml:12:5: there is no stage named 'paek' (did you mean 'peak'?)"});
  // The parser's own errors, where the SLO stands.
  EXPECT_EQ(errors_of(load(smoke_with(std::string(kScraped) + "slo:\n  - 'target.metric.x{a!=\"b\"}.p99 < 1s'\n"))),
            Errors{"s.yaml:13:5: bad SLO 'target.metric.x{a!=\"b\"}.p99 < 1s': column 18: only label=value matches a "
                   "series ('!=' is not supported)"});
}

}  // namespace
}  // namespace loadgen::scenario
