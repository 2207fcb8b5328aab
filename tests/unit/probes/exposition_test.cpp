// The exposition parser against the specifications' own examples and their awkward corners.
#include "probes/exposition.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace loadgen::probes {
namespace {

struct Seen : ExpositionVisitor {
  struct Row {
    std::string name, family;
    MetricType type;
    std::vector<std::pair<std::string, std::string>> labels;
    double value;
    std::optional<int64_t> ts;
  };
  std::vector<Row> rows;
  std::vector<std::pair<std::string, std::string>> help;
  std::vector<std::pair<std::string, std::string>> units;
  void on_help(std::string_view f, const std::string& text) override { help.emplace_back(f, text); }
  void on_unit(std::string_view f, std::string_view u) override { units.emplace_back(f, u); }
  void on_sample(const ExpositionSample& s) override {
    rows.push_back({std::string(s.name), std::string(s.family), s.type, s.labels, s.value, s.timestamp_ms});
  }
};

Seen parse_ok(std::string_view text, ExpositionFormat format = ExpositionFormat::kPrometheusText) {
  Seen seen;
  const auto error = parse_exposition(text, format, seen);
  EXPECT_FALSE(error) << error->str();
  return seen;
}

std::string parse_error(std::string_view text, ExpositionFormat format = ExpositionFormat::kPrometheusText) {
  Seen seen;
  const auto error = parse_exposition(text, format, seen);
  return error ? error->str() : "no error";
}

// The example of the Prometheus exposition format documentation, line for line in spirit.
TEST(Exposition, ThePrometheusTextExample) {
  const auto seen = parse_ok(R"(# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# A summary:
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
)");
  ASSERT_EQ(seen.rows.size(), 14u);
  EXPECT_EQ(seen.rows[0].family, "http_requests_total");
  EXPECT_EQ(seen.rows[0].type, MetricType::kCounter);
  EXPECT_EQ(seen.rows[0].labels, (std::vector<std::pair<std::string, std::string>>{{"method", "post"}, {"code", "200"}}));
  EXPECT_EQ(seen.rows[0].value, 1027);
  EXPECT_EQ(seen.rows[0].ts, 1395066363000);
  EXPECT_EQ(seen.rows[1].value, 3);
  EXPECT_EQ(seen.rows[2].labels[0].second, "C:\\DIR\\FILE.TXT");
  EXPECT_EQ(seen.rows[2].labels[1].second, "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_EQ(seen.rows[2].value, 1.458255915e9);
  EXPECT_FALSE(seen.rows[3].ts);
  EXPECT_EQ(seen.rows[3].type, MetricType::kUntyped);
  EXPECT_TRUE(std::isinf(seen.rows[4].value));
  EXPECT_EQ(seen.rows[4].ts, -3982045);
  EXPECT_EQ(seen.rows[5].family, "http_request_duration_seconds");
  EXPECT_EQ(seen.rows[5].type, MetricType::kHistogram);
  EXPECT_EQ(seen.rows[7].labels[0].second, "+Inf");
  EXPECT_EQ(seen.rows[9].name, "http_request_duration_seconds_count");
  EXPECT_EQ(seen.rows[9].family, "http_request_duration_seconds");
  EXPECT_EQ(seen.rows[10].type, MetricType::kSummary);
  EXPECT_EQ(seen.rows[12].value, 1.7560473e+07);
  EXPECT_EQ(seen.help[0].second, "The total number of HTTP requests.");
}

// The OpenMetrics example of a counter, a histogram with exemplars, and the closing # EOF.
TEST(Exposition, OpenMetricsWithUnitsExemplarsAndEof) {
  const auto seen = parse_ok(R"(# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
# TYPE foo histogram
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="+Inf"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# TYPE network_packets counter
network_packets_total 13 1520879607.7
# EOF
)",
                             ExpositionFormat::kOpenMetrics);
  ASSERT_EQ(seen.rows.size(), 11u);
  EXPECT_EQ(seen.units[0], (std::pair<std::string, std::string>{"acme_http_router_request_seconds", "seconds"}));
  EXPECT_EQ(seen.rows[0].family, "acme_http_router_request_seconds");
  EXPECT_EQ(seen.rows[1].value, 807283.0);
  EXPECT_EQ(seen.rows[4].value, 8) << "the exemplar is not the value";
  EXPECT_EQ(seen.rows[6].labels[0].second, "+Inf");
  EXPECT_EQ(seen.rows[6].value, 17);
  EXPECT_EQ(seen.rows[10].name, "network_packets_total");
  EXPECT_EQ(seen.rows[10].family, "network_packets");
  EXPECT_EQ(seen.rows[10].type, MetricType::kCounter);
  EXPECT_EQ(seen.rows[10].ts, 1520879607700) << "OpenMetrics timestamps are seconds";
}

TEST(Exposition, TextFormatLeniencies) {
  const auto seen = parse_ok("# a comment\n#TYPE-less hash line\nx{a=\"1\",} nan\ny\t{ b = \"2\" }\t-inf\r\nz{} 1e3\n");
  ASSERT_EQ(seen.rows.size(), 3u);
  EXPECT_TRUE(std::isnan(seen.rows[0].value));
  EXPECT_EQ(seen.rows[1].labels[0].second, "2");
  EXPECT_TRUE(std::isinf(seen.rows[1].value) && seen.rows[1].value < 0);
  EXPECT_EQ(seen.rows[2].value, 1000);
}

TEST(Exposition, ErrorsSayLineColumnAndWhat) {
  EXPECT_EQ(parse_error("ok 1\nx{a=1} 2\n"), "line 2, column 5: the value of label 'a' must be in double quotes");
  EXPECT_EQ(parse_error("x{a=\"1\" 2\n"), "line 1, column 9: ',' or '}' was expected after a label");
  EXPECT_EQ(parse_error("x{a=\"1\",a=\"2\"} 2\n"), "line 1, column 9: label 'a' is given twice");
  EXPECT_EQ(parse_error("x one\n"), "line 1, column 6: 'one' is not a number");
  EXPECT_EQ(parse_error("x 1 1.5\n"), "line 1, column 8: '1.5' is not a timestamp (integer milliseconds)");
  EXPECT_EQ(parse_error("x{a=\"open} 1\n"), "line 1, column 13: the value of label 'a' is not closed");
  EXPECT_EQ(parse_error("# TYPE x colour\n"), "line 1, column 16: 'colour' is not a metric type");
  EXPECT_EQ(parse_error("9x 1\n"), "line 1, column 1: a metric name was expected");
  EXPECT_EQ(parse_error("x 1 # {a=\"b\"} 1\n"), "line 1, column 5: exemplars are OpenMetrics only");
  const auto om = ExpositionFormat::kOpenMetrics;
  EXPECT_EQ(parse_error("x 1\n", om), "line 2, column 1: OpenMetrics text must end with # EOF");
  EXPECT_EQ(parse_error("x 1\n# EOF\nx 2\n", om), "line 3, column 1: nothing may follow # EOF");
  EXPECT_EQ(parse_error("x{a=\"1\",} 1\n# EOF\n", om), "line 1, column 9: a trailing comma in a label set");
  EXPECT_EQ(parse_error("x{a=\"\\t\"} 1\n# EOF\n", om), "line 1, column 8: '\\t' is not an escape (only \\\\, \\\" and \\n)");
  EXPECT_EQ(parse_error("x 1\n\n# EOF\n", om), "line 2, column 1: an empty line (OpenMetrics has none)");
  EXPECT_EQ(parse_error("x  1\n# EOF\n", om), "line 1, column 3: one space separates tokens in OpenMetrics");
}

TEST(Exposition, ContentTypeChoosesTheFormat) {
  EXPECT_EQ(format_of_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(format_of_content_type("text/plain; version=0.0.4; charset=utf-8"), ExpositionFormat::kPrometheusText);
  EXPECT_EQ(format_of_content_type(""), ExpositionFormat::kPrometheusText);
}

}  // namespace
}  // namespace loadgen::probes
