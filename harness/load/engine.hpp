#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/http/types.hpp"
#include "harness/load/metric_layout.hpp"
#include "harness/load/plan.hpp"
#include "harness/load/request_metrics.hpp"
#include "harness/metrics/histogram.hpp"
#include "harness/scenario/scenario.hpp"

// The load engine: one event loop per thread, each owning its connections and its share of
// the schedule, sharing nothing but this configuration (wrk's design). The open model fires
// request i at its intended time from the plan and measures latency from that time; the
// closed model runs virtual users that each loop request, think.
namespace loadgen::load {

using Clock = std::chrono::steady_clock;

struct EngineConfig {
  Plan plan{{}};
  bool closed_model = false;
  int threads = 1;
  int max_in_flight = 1000;
  int connections = 0;  // open model: 0 means as many as max_in_flight
  Nanos think_time{0};
  std::vector<scenario::RequestSpec> requests;  // templates with everything but per-request vars bound
  std::vector<scenario::FlowSpec> flows;        // mixed with the requests by weight
  std::vector<scenario::FeedSpec> feeds;        // opened by create(), shared by the workers
  http::Endpoint endpoint;
  uint64_t body_limit = 64ull << 20;
  // Redirects a request follows when its spec does not say (scenario: load.max_redirects).
  int max_redirects = scenario::kDefaultMaxRedirects;
  // One shard of a run split over several loadgen processes: this one sends arrivals (or
  // runs users) shard_index, shard_index + shard_count, ... of the one global schedule.
  int shard_index = 0;
  int shard_count = 1;
};

// What the workers measured since the previous collect (histograms) and in total (counters).
struct IntervalSnapshot {
  struct PerName {
    metrics::Histogram corrected = metrics::Histogram::for_latency_ns();
    metrics::Histogram service = metrics::Histogram::for_latency_ns();
    CounterValues totals;  // cumulative since the start
    // An HTTP exchange (a request or a flow step), part of the http.* totals; false for a
    // whole flow and a since_start metric, which are journeys, not exchanges.
    bool http = true;
  };
  std::vector<PerName> by_name;
  metrics::Histogram send_lag = metrics::Histogram::for_latency_ns();
  int64_t in_flight = 0;
  int64_t active_users = 0;
  Nanos elapsed{0};  // since the engine's start time
};

// Where a sampler gets each interval's measurements: a running engine, or shards' logs replayed.
class IntervalSource {
 public:
  virtual ~IntervalSource() = default;
  // Moves the values measured since the last call into `into` (sized on first use).
  virtual void collect_interval(IntervalSnapshot& into) = 0;
};

class Engine : public IntervalSource {
 public:
  // Resolves the endpoint; fails with a message when it cannot.
  static core::Expected<std::unique_ptr<Engine>> create(EngineConfig config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the worker threads; the schedule's time zero is a moment just after this call,
  // or `zero` when given (shards agree on one: arrivals already due are sent at once, and
  // their latency counts from when they were due).
  void start(std::optional<Clock::time_point> zero = std::nullopt);
  // Stops scheduling new requests now; those in flight carry on.
  void stop_scheduling();
  // True once every worker has finished its schedule and drained its requests.
  bool finished() const;
  // Closes every connection: requests still in flight end as "cancelled". Then joins.
  void abort_and_join();
  void join();

  // Moves each recorder's values since the last call into `into` (sized on first use).
  void collect_interval(IntervalSnapshot& into) override;
  // First error message seen for each kind, for the report.
  std::map<http::ErrorKind, std::string> first_errors() const;
  // Connections established so far, by protocol ("http/1.1", "h2", "h2c"); absent when none.
  std::map<std::string, uint64_t> connections_by_protocol() const;
  // HTTP/2 errors by kind, then by the error code that ended each ("stream_reset" ->
  // {"INTERNAL_ERROR": 3}); empty without any.
  std::map<std::string, std::map<std::string, uint64_t>> h2_error_codes() const;
  // First failure message of each flow that failed (by flow index), and what the feeds did.
  std::map<size_t, std::string> first_flow_failures() const;
  struct FeedStatus {
    std::string name;
    uint64_t rows_read = 0;
    uint64_t bad_rows = 0;
    bool ran_out = false;
  };
  std::vector<FeedStatus> feed_status() const;
  const MetricLayout& layout() const;

  Clock::time_point start_time() const;
  const EngineConfig& config() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgen::load
