#include "targets/refserver/request_metrics.hpp"

#include <algorithm>

#include "targets/refserver/router.hpp"

namespace loadgen::refserver {

RequestMetrics::RequestMetrics(const std::vector<std::string_view>& routes) {
  for (auto route : routes) {
    routes_.push_back(std::make_unique<RouteCounters>());
    routes_.back()->route = std::string(route);
  }
  routes_.push_back(std::make_unique<RouteCounters>());
  routes_.back()->route = std::string(kUnmatchedRoute);
}

RequestMetrics::RouteCounters& RequestMetrics::counters_for(std::string_view route) {
  for (auto& counters : routes_) {
    if (counters->route == route)
      return *counters;
  }
  return *routes_.back();
}

const RequestMetrics::RouteCounters* RequestMetrics::find(std::string_view route) const {
  for (const auto& counters : routes_) {
    if (counters->route == route)
      return counters.get();
  }
  return nullptr;
}

void RequestMetrics::record(std::string_view route, int status, std::chrono::nanoseconds latency) {
  auto& counters = counters_for(route);
  const int index = std::clamp(status, kMinStatus, kMaxStatus) - kMinStatus;
  counters.by_status[static_cast<size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  counters.latency.record(latency);
}

std::uint64_t RequestMetrics::count(std::string_view route, int status) const {
  const auto* counters = find(route);
  if (counters == nullptr || status < kMinStatus || status > kMaxStatus)
    return 0;
  return counters->by_status[static_cast<size_t>(status - kMinStatus)].load(
      std::memory_order_relaxed);
}

void RequestMetrics::render(OpenMetricsText& out) const {
  out.family("refserver_http_requests", "counter", "HTTP responses sent, by route and status.");
  for (const auto& counters : routes_) {
    for (size_t i = 0; i < counters->by_status.size(); ++i) {
      const auto n = counters->by_status[i].load(std::memory_order_relaxed);
      if (n == 0)
        continue;
      out.sample("refserver_http_requests_total",
                 {{"route", counters->route},
                  {"status", std::to_string(static_cast<int>(i) + kMinStatus)}},
                 n);
    }
  }
  out.family("refserver_http_request_duration_seconds", "histogram",
             "Time from a complete request to its response being ready, by route.");
  for (const auto& counters : routes_) {
    const auto latency = counters->latency.counts();
    if (latency.count() == 0)
      continue;
    out.histogram("refserver_http_request_duration_seconds", {{"route", counters->route}},
                  kLatencyBucketBounds, latency.cumulative, latency.sum_seconds);
  }
}

}  // namespace loadgen::refserver
