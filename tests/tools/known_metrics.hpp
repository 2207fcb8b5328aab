#pragma once

#include <string>
#include <string_view>

// test_server's /metrics: an exposition whose every interval adds one known distribution, so a
// test can work out by hand what histogram_quantile must give. The k-th scrape (k = 1, 2, ...)
// exposes k times the base counts:
//   test_latency_seconds (histogram) buckets le 0.01: 50, 0.025: 80, 0.05: 95, 0.1: 99,
//                        0.25: 100, +Inf: 100; count 100; sum 2.0
//   test_requests (counter) 10; test_queue_depth (gauge) k; test_build_info (gauge) 1
//   test_rpc_seconds (summary) quantile 0.5: 0.002, 0.99: 0.004 + k/1000; count 10, sum 0.03
// Query options: restart_every=N  counts as if the target restarted every N scrapes (the k-th
//                                 scrape shows ((k-1) mod N + 1) times the base counts);
//                format=text      the Prometheus text format 0.0.4 instead of OpenMetrics;
//                broken_after=N   scrapes after the N-th are malformed (a label never closed);
//                series=N         N more gauge series (test_filler), a large target's exposition.
namespace loadgen::testing {

struct MetricsResponse {
  std::string content_type;
  std::string body;
};

// The answer to one scrape of `target` (path and query). Counts scrapes per query string.
MetricsResponse known_metrics(std::string_view target);

}  // namespace loadgen::testing
