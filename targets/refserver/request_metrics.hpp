#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "targets/refserver/bucket_histogram.hpp"
#include "targets/refserver/open_metrics.hpp"

// Request counts by route and status, and a latency histogram per route. Recording is
// lock-free (fixed atomics per route), since every request on every thread records.
namespace loadgen::refserver {

class RequestMetrics {
 public:
  // `routes` are the router's patterns; anything else is recorded as "unmatched".
  explicit RequestMetrics(const std::vector<std::string_view>& routes);

  void record(std::string_view route, int status, std::chrono::nanoseconds latency);

  // Appends the request families to an exposition.
  void render(OpenMetricsText& out) const;

  std::uint64_t count(std::string_view route, int status) const;

 private:
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;

  struct RouteCounters {
    std::string route;
    std::array<std::atomic<std::uint64_t>, kMaxStatus - kMinStatus + 1> by_status{};
    BucketHistogram latency;
  };
  RouteCounters& counters_for(std::string_view route);
  const RouteCounters* find(std::string_view route) const;

  // unique_ptr: atomics are neither copyable nor movable, the vector must not relocate them.
  std::vector<std::unique_ptr<RouteCounters>> routes_;
};

}  // namespace loadgen::refserver
