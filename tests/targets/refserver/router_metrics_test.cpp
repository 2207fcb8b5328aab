#include <array>
#include <cstdint>
#include <stdexcept>

#include <gtest/gtest.h>

#include "targets/refserver/open_metrics.hpp"
#include "targets/refserver/request_metrics.hpp"
#include "targets/refserver/router.hpp"

namespace loadgen::refserver {
namespace {

Request request(std::string method, std::string_view target) {
  return make_request(std::move(method), target, {}, "").value();
}

Router test_router() {
  Router router;
  router.add("GET", "/api/jobs/{id}", [](const Request&, const PathParams& params) {
    Response r;
    r.body = std::string(params.get("id"));
    return r;
  });
  router.add("POST", "/api/jobs", [](const Request&, const PathParams&) {
    return Response{202, "", "", {}};
  });
  router.add("GET", "/boom", [](const Request&, const PathParams&) -> Response {
    throw std::runtime_error("kaput");
  });
  return router;
}

TEST(RefserverRouter, CapturesPathParameters) {
  const auto router = test_router();  // Routed::route views the router's own pattern
  auto routed = router.dispatch(request("GET", "/api/jobs/42"));
  EXPECT_EQ(routed.response.status, 200);
  EXPECT_EQ(routed.response.body, "42");
  EXPECT_EQ(routed.route, "/api/jobs/{id}");
}

TEST(RefserverRouter, UnknownPathIs404) {
  const auto router = test_router();
  auto routed = router.dispatch(request("GET", "/nope"));
  EXPECT_EQ(routed.response.status, 404);
  EXPECT_EQ(routed.route, kUnmatchedRoute);
  EXPECT_EQ(test_router().dispatch(request("GET", "/api/jobs/")).response.status, 404);
}

TEST(RefserverRouter, WrongMethodIs405WithAllow) {
  auto routed = test_router().dispatch(request("DELETE", "/api/jobs"));
  EXPECT_EQ(routed.response.status, 405);
  ASSERT_EQ(routed.response.headers.size(), 1U);
  EXPECT_EQ(routed.response.headers[0].first, "Allow");
  EXPECT_EQ(routed.response.headers[0].second, "POST");
}

TEST(RefserverRouter, HandlerExceptionBecomes500) {
  auto routed = test_router().dispatch(request("GET", "/boom"));
  EXPECT_EQ(routed.response.status, 500);
  EXPECT_NE(routed.response.body.find("kaput"), std::string::npos);
}

TEST(RefserverRequest, TargetIsSplitAndDecoded) {
  auto r = make_request("GET", "/a%20b?x=1", {{"Idempotency-Key", "k"}}, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/a b");
  EXPECT_EQ(r->query, "x=1");
  EXPECT_EQ(r->header("idempotency-key"), "k");
  EXPECT_FALSE(make_request("GET", "/bad%zz", {}, ""));
  EXPECT_FALSE(make_request("GET", "*", {}, ""));
}

TEST(RefserverOpenMetrics, FamiliesSamplesEscapingAndEof) {
  OpenMetricsText out;
  out.family("x_requests", "counter", "Requests.");
  out.sample("x_requests_total", {{"route", "a\"b\\c\nd"}}, std::uint64_t{3});
  out.sample("x_seconds", {}, 0.25);
  EXPECT_EQ(out.finish(),
            "# TYPE x_requests counter\n# HELP x_requests Requests.\n"
            "x_requests_total{route=\"a\\\"b\\\\c\\nd\"} 3\nx_seconds 0.25\n# EOF\n");
}

TEST(RefserverOpenMetrics, HistogramSeriesIsCumulativeBucketsThenCountAndSum) {
  OpenMetricsText out;
  out.family("x_seconds", "histogram", "X.");
  out.histogram("x_seconds", {{"route", "/a"}}, std::array{0.5, 1.0},
                std::array<std::uint64_t, 3>{1, 2, 3}, 1.75);
  EXPECT_EQ(out.finish(),
            "# TYPE x_seconds histogram\n# HELP x_seconds X.\n"
            "x_seconds_bucket{route=\"/a\",le=\"0.5\"} 1\n"
            "x_seconds_bucket{route=\"/a\",le=\"1.0\"} 2\n"
            "x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "x_seconds_count{route=\"/a\"} 3\n"
            "x_seconds_sum{route=\"/a\"} 1.75\n# EOF\n");
}

TEST(RefserverOpenMetrics, HistogramNeedsACountPerBoundAndInf) {
  OpenMetricsText out;
  EXPECT_THROW(out.histogram("x", {}, std::array{0.5, 1.0}, std::array<std::uint64_t, 2>{1, 2}, 0),
               std::invalid_argument);
}

TEST(RefserverRequestMetrics, CountsByRouteAndStatus) {
  RequestMetrics metrics({"/a", "/b"});
  metrics.record("/a", 200, std::chrono::milliseconds(2));
  metrics.record("/a", 200, std::chrono::milliseconds(4));
  metrics.record("/nowhere", 404, std::chrono::milliseconds(1));
  EXPECT_EQ(metrics.count("/a", 200), 2U);
  EXPECT_EQ(metrics.count(kUnmatchedRoute, 404), 1U);
  OpenMetricsText out;
  metrics.render(out);
  const auto text = out.finish();
  EXPECT_NE(text.find("refserver_http_requests_total{route=\"/a\",status=\"200\"} 2\n"),
            std::string::npos);
  for (const char* needle :
       {"# TYPE refserver_http_request_duration_seconds histogram\n",
        "refserver_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.001\"} 0\n",
        "refserver_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0025\"} 1\n",
        "refserver_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.005\"} 2\n",
        "refserver_http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2\n",
        "refserver_http_request_duration_seconds_count{route=\"/a\"} 2\n",
        "refserver_http_request_duration_seconds_sum{route=\"/a\"} 0.006\n"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(text.find("route=\"/b\""), std::string::npos);  // nothing recorded, nothing shown
}

}  // namespace
}  // namespace loadgen::refserver
