// MetricsCapture: which series of a scraped exposition it keeps, how each is laid out row by
// row, and what a missing, malformed or over-long timeline does to what is kept.
#include "probes/metrics_capture.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace loadgen::probes {
namespace {

constexpr auto kText = ExpositionFormat::kPrometheusText;
constexpr auto kOm = ExpositionFormat::kOpenMetrics;
constexpr double kInf = std::numeric_limits<double>::infinity();

CaptureOptions selecting(const std::vector<std::string>& texts) {
  CaptureOptions options;
  for (const auto& t : texts) {
    auto sel = parse_selector(t);
    EXPECT_TRUE(sel.ok()) << t;
    if (sel.ok()) options.select.push_back(*sel);
  }
  return options;
}

// Adds one scrape that must parse.
void scrape(MetricsCapture& c, double t_s, std::string_view text, ExpositionFormat format = kText) {
  const auto error = c.add_scrape(t_s, text, format);
  EXPECT_FALSE(error) << error->str();
}

std::vector<std::string> keys(const MetricsCapture& c) {
  std::vector<std::string> out;
  for (const auto& s : c.series()) out.push_back(s.key());
  return out;
}

const CapturedSeries& series(const MetricsCapture& c, std::string_view key) {
  for (const auto& s : c.series()) {
    if (s.key() == key) return s;
  }
  ADD_FAILURE() << "no series " << key;
  static const CapturedSeries none;
  return none;
}

std::vector<double> row(const CapturedSeries& s, size_t r) {
  std::vector<double> out;
  for (size_t c = 0; c < s.width(); ++c) out.push_back(s.at(r, c));
  return out;
}

bool all_nan(const std::vector<double>& cells) {
  for (double v : cells) {
    if (!std::isnan(v)) return false;
  }
  return !cells.empty();
}

constexpr std::string_view kRequests = R"(# TYPE http_requests_total counter
http_requests_total{method="get",code="200"} 10
http_requests_total{method="get",code="500"} 2
http_requests_total{method="post",code="200"} 4
# TYPE queue_depth gauge
queue_depth 7
# TYPE other gauge
other 1
)";

TEST(MetricsCapture, SelectsByNameAndEveryListedLabel) {
  MetricsCapture c(selecting({R"(http_requests_total{code="200"})", "queue_depth"}));
  scrape(c, 0, kRequests);
  EXPECT_EQ(keys(c), (std::vector<std::string>{R"(http_requests_total{code="200",method="get"})",
                                               R"(http_requests_total{code="200",method="post"})", "queue_depth"}));
  const auto& get = c.series()[0];
  EXPECT_EQ(get.family, "http_requests_total");
  EXPECT_EQ(get.shape, SeriesShape::kCounter);
  // Sorted by name, whatever the order written.
  EXPECT_EQ(get.labels, (LabelList{{"code", "200"}, {"method", "get"}}));
  EXPECT_EQ(get.cells, (std::vector<double>{10}));
  EXPECT_EQ(c.series()[1].cells, (std::vector<double>{4}));
  EXPECT_EQ(c.series()[2].shape, SeriesShape::kGauge);
  EXPECT_EQ(c.series()[2].cells, (std::vector<double>{7}));
  EXPECT_EQ(c.samples_last(), 5u) << "every sample is counted, selected or not";
  EXPECT_EQ(c.times(), (std::vector<double>{0}));
  EXPECT_EQ(c.scrapes(), 1u);
  EXPECT_EQ(c.series_refused(), 0u);

  // Two label matchers must both hold.
  MetricsCapture both(selecting({R"(http_requests_total{code="200",method="post"})"}));
  scrape(both, 0, kRequests);
  EXPECT_EQ(keys(both), (std::vector<std::string>{R"(http_requests_total{code="200",method="post"})"}));
  // A label the series lacks, or a name that is only a prefix, selects nothing.
  MetricsCapture none(selecting({R"(http_requests_total{route="/a"})", "queue", "queue_depth_total_x"}));
  scrape(none, 0, kRequests);
  EXPECT_TRUE(none.series().empty());
  EXPECT_EQ(none.times(), (std::vector<double>{0}));
}

TEST(MetricsCapture, WithoutSelectorsEverySeriesIsKept) {
  MetricsCapture c(CaptureOptions{});
  scrape(c, 0, kRequests);
  EXPECT_EQ(keys(c), (std::vector<std::string>{R"(http_requests_total{code="200",method="get"})",
                                               R"(http_requests_total{code="500",method="get"})",
                                               R"(http_requests_total{code="200",method="post"})", "queue_depth",
                                               "other"}));
}

// OpenMetrics names a counter's family without _total, the text format usually with it: both
// spellings select it in both formats.
TEST(MetricsCapture, ACounterIsSelectedWithOrWithoutTotalInBothFormats) {
  constexpr std::string_view kOpenMetrics = "# TYPE jobs counter\njobs_total{queue=\"a\"} 3\n# EOF\n";
  constexpr std::string_view kPrometheus = "# TYPE jobs_total counter\njobs_total{queue=\"a\"} 3\n";
  for (const std::string name : {"jobs", "jobs_total"}) {
    MetricsCapture om(selecting({name}));
    scrape(om, 0, kOpenMetrics, kOm);
    ASSERT_EQ(om.series().size(), 1u) << name;
    EXPECT_EQ(om.series()[0].family, "jobs") << name;
    EXPECT_EQ(om.series()[0].key(), "jobs{queue=\"a\"}") << name;
    EXPECT_EQ(om.series()[0].shape, SeriesShape::kCounter) << name;
    EXPECT_EQ(om.series()[0].cells, (std::vector<double>{3})) << name;

    MetricsCapture text(selecting({name + "{queue=\"a\"}"}));
    scrape(text, 0, kPrometheus, kText);
    ASSERT_EQ(text.series().size(), 1u) << name;
    EXPECT_EQ(text.series()[0].family, "jobs_total") << name;
    EXPECT_EQ(text.series()[0].shape, SeriesShape::kCounter) << name;
    EXPECT_EQ(text.series()[0].cells, (std::vector<double>{3})) << name;
  }
  // The rule itself, both ways round, and what it does not stretch to.
  EXPECT_TRUE(names_family("jobs", "jobs_total"));
  EXPECT_TRUE(names_family("jobs_total", "jobs"));
  EXPECT_TRUE(names_family("jobs", "jobs"));
  EXPECT_FALSE(names_family("jobs", "jobs_count"));
  EXPECT_FALSE(names_family("job", "jobs_total"));
  EXPECT_FALSE(names_family("jobs_total_total", "jobs"));
  MetricsCapture other(selecting({"jobs_count"}));
  scrape(other, 0, kOpenMetrics, kOm);
  EXPECT_TRUE(other.series().empty());
}

TEST(MetricsCapture, AHistogramRowIsItsBucketsAscendingThenCountAndSum) {
  MetricsCapture c(selecting({"lat_seconds"}));
  // Buckets written out of order; +Inf as the text format writes it.
  scrape(c, 0, R"(# HELP lat_seconds Request latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{route="/a",le="0.5"} 8
lat_seconds_bucket{route="/a",le="0.1"} 3
lat_seconds_bucket{route="/a",le="+Inf"} 10
lat_seconds_sum{route="/a"} 2.5
lat_seconds_count{route="/a"} 10
)");
  scrape(c, 1.5, R"(# TYPE lat_seconds histogram
lat_seconds_bucket{route="/a",le="0.1"} 4
lat_seconds_bucket{route="/a",le="0.5"} 12
lat_seconds_bucket{route="/a",le="+Inf"} 15
lat_seconds_count{route="/a"} 15
lat_seconds_sum{route="/a"} 4.25
)");
  ASSERT_EQ(c.series().size(), 1u);
  const auto& h = c.series()[0];
  EXPECT_EQ(h.key(), "lat_seconds{route=\"/a\"}") << "le is not a label of the series";
  EXPECT_EQ(h.shape, SeriesShape::kHistogram);
  EXPECT_EQ(h.help, "Request latency.");
  EXPECT_EQ(h.bounds, (std::vector<double>{0.1, 0.5, kInf}));
  EXPECT_EQ(h.width(), 5u);
  EXPECT_EQ(h.rows(), 2u);
  EXPECT_EQ(row(h, 0), (std::vector<double>{3, 8, 10, 10, 2.5}));
  EXPECT_EQ(row(h, 1), (std::vector<double>{4, 12, 15, 15, 4.25}));
  EXPECT_EQ(c.times(), (std::vector<double>{0, 1.5}));
}

TEST(MetricsCapture, OpenMetricsHistogramKeepsItsUnitAndDropsCreated) {
  MetricsCapture c(CaptureOptions{});
  scrape(c, 0, R"(# TYPE db_query_seconds histogram
# UNIT db_query_seconds seconds
# HELP db_query_seconds Query time.
db_query_seconds_bucket{le="0.01"} 1
db_query_seconds_bucket{le="1.0"} 3
db_query_seconds_bucket{le="+Inf"} 4
db_query_seconds_count 4
db_query_seconds_sum 7.5
db_query_seconds_created 1700000000.5
# TYPE jobs counter
jobs_total 9
jobs_created 1700000000.5
# EOF
)",
         kOm);
  EXPECT_EQ(keys(c), (std::vector<std::string>{"db_query_seconds", "jobs"}));
  const auto& h = series(c, "db_query_seconds");
  EXPECT_EQ(h.unit, "seconds");
  EXPECT_EQ(h.help, "Query time.");
  EXPECT_EQ(h.bounds, (std::vector<double>{0.01, 1.0, kInf}));
  EXPECT_EQ(row(h, 0), (std::vector<double>{1, 3, 4, 4, 7.5})) << "_created is not the sum nor a bucket";
  EXPECT_EQ(series(c, "jobs").cells, (std::vector<double>{9})) << "_created is not the counter's value";
  EXPECT_EQ(c.samples_last(), 8u);
}

// The Python client's text format writes a counter's creation time as a gauge family of its own.
TEST(MetricsCapture, CreatedGaugesOfTheTextFormatAreDropped) {
  MetricsCapture c(CaptureOptions{});
  scrape(c, 0, R"(# TYPE jobs_total counter
jobs_total 3
# TYPE jobs_created gauge
jobs_created 1.7e9
)");
  EXPECT_EQ(keys(c), (std::vector<std::string>{"jobs_total"}));
  EXPECT_EQ(c.samples_last(), 2u);
}

TEST(MetricsCapture, ASummaryKeepsItsQuantilesAsBounds) {
  MetricsCapture c(selecting({"rpc_seconds"}));
  scrape(c, 0, R"(# TYPE rpc_seconds summary
rpc_seconds{service="a",quantile="0.99"} 0.3
rpc_seconds{service="a",quantile="0.5"} 0.05
rpc_seconds_sum{service="a"} 12
rpc_seconds_count{service="a"} 100
)");
  ASSERT_EQ(c.series().size(), 1u);
  const auto& s = c.series()[0];
  EXPECT_EQ(s.key(), "rpc_seconds{service=\"a\"}") << "quantile is not a label of the series";
  EXPECT_EQ(s.shape, SeriesShape::kSummary);
  EXPECT_EQ(s.bounds, (std::vector<double>{0.5, 0.99}));
  EXPECT_EQ(row(s, 0), (std::vector<double>{0.05, 0.3, 100, 12}));
}

TEST(MetricsCapture, ASeriesAbsentFromAScrapeHasNaNCells) {
  MetricsCapture c(CaptureOptions{});
  constexpr std::string_view kBoth = R"(# TYPE g gauge
g{k="a"} 1
g{k="b"} 2
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_count 2
h_sum 1.5
)";
  scrape(c, 0, kBoth);
  scrape(c, 1, "# TYPE g gauge\ng{k=\"a\"} 3\n");
  scrape(c, 2, kBoth);
  ASSERT_EQ(keys(c), (std::vector<std::string>{"g{k=\"a\"}", "g{k=\"b\"}", "h"}));
  EXPECT_EQ(series(c, "g{k=\"a\"}").cells, (std::vector<double>{1, 3, 1}));
  const auto& b = series(c, "g{k=\"b\"}");
  ASSERT_EQ(b.rows(), 3u);
  EXPECT_EQ(b.at(0, 0), 2);
  EXPECT_TRUE(std::isnan(b.at(1, 0)));
  EXPECT_EQ(b.at(2, 0), 2);
  const auto& h = series(c, "h");
  ASSERT_EQ(h.rows(), 3u);
  EXPECT_EQ(row(h, 0), (std::vector<double>{1, 2, 2, 1.5}));
  EXPECT_TRUE(all_nan(row(h, 1))) << "every cell of the row: buckets, count and sum";
  EXPECT_EQ(row(h, 2), (std::vector<double>{1, 2, 2, 1.5}));
}

TEST(MetricsCapture, ASeriesThatAppearsLaterHasNaNRowsBefore) {
  MetricsCapture c(CaptureOptions{});
  scrape(c, 0, "# TYPE g gauge\ng 1\n");
  scrape(c, 1, "# TYPE g gauge\ng 2\n");
  scrape(c, 2, R"(# TYPE g gauge
g 3
# TYPE h histogram
h_bucket{le="0.5"} 1
h_bucket{le="2"} 3
h_bucket{le="+Inf"} 4
h_count 4
h_sum 6
)");
  const auto& h = series(c, "h");
  EXPECT_EQ(h.bounds, (std::vector<double>{0.5, 2, kInf}));
  ASSERT_EQ(h.rows(), 3u);
  ASSERT_EQ(h.cells.size(), 15u);
  EXPECT_TRUE(all_nan(row(h, 0)));
  EXPECT_TRUE(all_nan(row(h, 1)));
  EXPECT_EQ(row(h, 2), (std::vector<double>{1, 3, 4, 4, 6}));
  EXPECT_EQ(series(c, "g").cells, (std::vector<double>{1, 2, 3}));
}

TEST(MetricsCapture, MaxSeriesRefusesTheRestAndCountsThem) {
  CaptureOptions options;
  options.max_series = 2;
  MetricsCapture c(options);
  // Five series: the two first kept; three refused (a histogram counts once, not per bucket).
  constexpr std::string_view kFive = R"(# TYPE g gauge
g{k="a"} 1
g{k="b"} 2
g{k="c"} 3
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_count 2
h_sum 1.5
# TYPE s summary
s{quantile="0.5"} 1
s_count 2
s_sum 3
)";
  scrape(c, 0, kFive);
  EXPECT_EQ(keys(c), (std::vector<std::string>{"g{k=\"a\"}", "g{k=\"b\"}"}));
  EXPECT_EQ(c.series_refused(), 3u);
  EXPECT_EQ(c.samples_last(), 10u);
  scrape(c, 1, kFive);
  EXPECT_EQ(keys(c), (std::vector<std::string>{"g{k=\"a\"}", "g{k=\"b\"}"}));
  EXPECT_EQ(c.series_refused(), 3u) << "counted per scrape, not accumulated";
  EXPECT_EQ(series(c, "g{k=\"b\"}").cells, (std::vector<double>{2, 2}));
  // A scrape with only the kept series refuses none.
  scrape(c, 2, "# TYPE g gauge\ng{k=\"a\"} 5\ng{k=\"b\"} 6\n");
  EXPECT_EQ(c.series_refused(), 0u);
  EXPECT_EQ(c.series().size(), 2u);
}

TEST(MetricsCapture, AMalformedScrapeKeepsNothingOfItself) {
  MetricsCapture c(CaptureOptions{});
  scrape(c, 0, "# TYPE g gauge\ng 1\n");
  // The valid lines before the error introduce a series and a value; neither is kept.
  const auto error = c.add_scrape(1, R"(# HELP g Changed help.
# TYPE g gauge
g 99
# TYPE fresh gauge
fresh 5
bad line
)",
                                  kText);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->line, 6u);
  EXPECT_EQ(error->str(), "line 6, column 9: 'line' is not a number");
  EXPECT_EQ(keys(c), (std::vector<std::string>{"g"}));
  EXPECT_EQ(c.times(), (std::vector<double>{0}));
  EXPECT_EQ(c.scrapes(), 1u);
  EXPECT_EQ(series(c, "g").cells, (std::vector<double>{1}));
  // The next scrape starts clean: g is absent from it (not 99 from the malformed one), fresh
  // appears with a NaN row for the first scrape, and the malformed scrape's help is not kept.
  scrape(c, 2, "# TYPE fresh gauge\nfresh 6\n");
  EXPECT_EQ(c.times(), (std::vector<double>{0, 2}));
  EXPECT_EQ(c.scrapes(), 2u);
  const auto& g = series(c, "g");
  ASSERT_EQ(g.rows(), 2u);
  EXPECT_EQ(g.at(0, 0), 1);
  EXPECT_TRUE(std::isnan(g.at(1, 0)));
  EXPECT_EQ(g.help, "");
  const auto& fresh = series(c, "fresh");
  ASSERT_EQ(fresh.rows(), 2u);
  EXPECT_TRUE(std::isnan(fresh.at(0, 0)));
  EXPECT_EQ(fresh.at(1, 0), 6);
  // An OpenMetrics scrape without # EOF is malformed too, and keeps nothing.
  const auto om = c.add_scrape(3, "# TYPE fresh gauge\nfresh 7\n", kOm);
  ASSERT_TRUE(om);
  EXPECT_EQ(om->message, "OpenMetrics text must end with # EOF");
  EXPECT_EQ(c.times(), (std::vector<double>{0, 2}));
  EXPECT_EQ(series(c, "fresh").rows(), 2u);
}

// One gauge whose key is 20 bytes: each kept row costs 16 bytes (its time and its cell), so
// max_cells 10 (80 bytes) is passed by the 4th row (84 bytes).
constexpr std::string_view kLongGauge = "worker_queue_depth_x";

std::string gauge_at(double t) { return fmt::format("# TYPE {0} gauge\n{0} {1}\n", kLongGauge, t * 10); }

TEST(MetricsCapture, ThinningDropsEveryOtherRowAndThenEveryOtherScrape) {
  CaptureOptions options;
  options.max_cells = 10;
  MetricsCapture c(options);
  for (int t = 0; t < 3; ++t) scrape(c, t, gauge_at(t));
  EXPECT_EQ(c.keep_every(), 1u);
  EXPECT_EQ(c.times(), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(c.bytes(), 3u * 16 + 20);
  scrape(c, 3, gauge_at(3));
  // 4 rows -> 2: the scrapes at 0 and 2.
  EXPECT_EQ(c.keep_every(), 2u);
  EXPECT_EQ(c.times(), (std::vector<double>{0, 2}));
  EXPECT_EQ(c.series()[0].cells, (std::vector<double>{0, 20}));
  EXPECT_EQ(c.series()[0].cells.size(), c.series()[0].rows());
  // Now every other scrape is kept: 4 and 6 (5 is read, not kept), and at 4 rows, halved again.
  scrape(c, 4, gauge_at(4));
  EXPECT_EQ(c.times(), (std::vector<double>{0, 2, 4}));
  scrape(c, 5, gauge_at(5));
  EXPECT_EQ(c.times(), (std::vector<double>{0, 2, 4}));
  scrape(c, 6, gauge_at(6));
  EXPECT_EQ(c.keep_every(), 4u);
  EXPECT_EQ(c.times(), (std::vector<double>{0, 4}));
  EXPECT_EQ(c.series()[0].cells, (std::vector<double>{0, 40}));
  for (int t = 7; t <= 11; ++t) scrape(c, t, gauge_at(t));
  EXPECT_EQ(c.times(), (std::vector<double>{0, 4, 8})) << "every 4th scrape, in step with the first";
  EXPECT_EQ(c.series()[0].cells, (std::vector<double>{0, 40, 80}));
  EXPECT_EQ(c.scrapes(), 12u);
  EXPECT_LE(c.bytes(), options.max_cells * sizeof(double));
}

// A series first seen in a scrape that thinning does not keep has no row yet; thinning then must
// leave it be, and its first kept scrape gives it NaN rows before.
TEST(MetricsCapture, ASeriesFirstSeenInAnUnkeptScrapeSurvivesThinning) {
  CaptureOptions options;
  options.max_cells = 10;
  MetricsCapture c(options);
  for (int t = 0; t <= 4; ++t) scrape(c, t, gauge_at(t));
  ASSERT_EQ(c.keep_every(), 2u);
  ASSERT_EQ(c.times(), (std::vector<double>{0, 2, 4}));  // 68 bytes
  // The scrape at 5 is not kept; its new series' key (13 bytes) alone passes the bound.
  scrape(c, 5, gauge_at(5) + "# TYPE late_gauge_xy gauge\nlate_gauge_xy 1\n");
  EXPECT_EQ(c.keep_every(), 4u);
  EXPECT_EQ(c.times(), (std::vector<double>{0, 4}));
  ASSERT_EQ(c.series().size(), 2u);
  EXPECT_TRUE(c.series()[1].cells.empty());
  // The scrape at 8 is kept (3 rows of 2 series: 105 bytes) and the timeline halved again.
  for (int t = 6; t <= 8; ++t) scrape(c, t, gauge_at(t) + "# TYPE late_gauge_xy gauge\nlate_gauge_xy 2\n");
  EXPECT_EQ(c.keep_every(), 8u);
  EXPECT_EQ(c.times(), (std::vector<double>{0, 8}));
  EXPECT_EQ(c.series()[0].cells, (std::vector<double>{0, 80}));
  const auto& late = series(c, "late_gauge_xy");
  ASSERT_EQ(late.rows(), 2u);
  EXPECT_TRUE(std::isnan(late.at(0, 0)));
  EXPECT_EQ(late.at(1, 0), 2);
}

// A histogram first seen in a scrape that is not kept, and absent from the next kept one, has
// NaN rows before its buckets are known: its first scrape with buckets still fixes them.
TEST(MetricsCapture, AHistogramFirstKeptWithoutBucketsGetsThemLater) {
  CaptureOptions options;
  options.max_cells = 100;  // 800 bytes; the gauge "g" costs 16 bytes a row and 1 for its key
  MetricsCapture c(options);
  const auto g = [](int t) { return fmt::format("# TYPE g gauge\ng {}\n", t); };
  constexpr std::string_view kH = "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 1.5\n";
  for (int t = 0; t <= 50; ++t) scrape(c, t, g(t));
  ASSERT_EQ(c.keep_every(), 2u);  // halved at 50 rows, so the scrape at 51 is not kept
  scrape(c, 51, g(51) + std::string(kH));
  scrape(c, 52, g(52));  // kept, without h
  ASSERT_EQ(c.keep_every(), 4u);
  for (int t = 53; t <= 56; ++t) scrape(c, t, g(t) + std::string(kH));  // 56 is kept
  EXPECT_EQ(c.times().back(), 56);
  const auto& h = series(c, "h");
  EXPECT_EQ(h.bounds, (std::vector<double>{1, kInf}));
  ASSERT_EQ(h.rows(), c.times().size());
  EXPECT_EQ(row(h, h.rows() - 1), (std::vector<double>{1, 2, 2, 1.5}));
  for (size_t r = 0; r + 1 < h.rows(); ++r) EXPECT_TRUE(all_nan(row(h, r))) << r;
}

}  // namespace
}  // namespace loadgen::probes
