#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "harness/http/types.hpp"
#include "harness/metrics/interval_recorder.hpp"

// What one worker thread measures, per request name. Written only by that worker's thread
// (recorders are lock-free for it, counters are relaxed atomics); read by the sampler.
namespace loadgen::load {

struct CounterValues {
  uint64_t scheduled = 0;  // due under the plan (open model) or iterations begun (closed)
  uint64_t sent = 0;
  uint64_t completed = 0;  // responses that passed their check
  uint64_t dropped = 0;    // due while max_in_flight requests were outstanding
  uint64_t not_sent = 0;   // due, but still waiting for a connection when the run was aborted
  uint64_t bytes_received = 0;
  uint64_t resent = 0;     // sent again after a reused connection closed unanswered
  uint64_t redirects = 0;  // redirects followed (hops after the first request of each chain)
  std::array<uint64_t, http::kErrorKinds> errors{};

  uint64_t error_total() const;
  uint64_t responses() const;  // exchanges answered (completed or not): HTTP throughput
  uint64_t finished() const { return completed + error_total(); }  // ended, any way
  void add(const CounterValues& other);
  CounterValues minus(const CounterValues& earlier) const;
};

class RequestCounters {
 public:
  void scheduled() { bump(scheduled_); }
  void sent() { bump(sent_); }
  void completed() { bump(completed_); }
  void dropped() { bump(dropped_); }
  void not_sent() { bump(not_sent_); }
  void received(uint64_t bytes) { bytes_.fetch_add(bytes, std::memory_order_relaxed); }
  void resent() { bump(resent_); }
  void redirected(uint64_t hops) { redirects_.fetch_add(hops, std::memory_order_relaxed); }
  void error(http::ErrorKind kind) { bump(errors_[static_cast<size_t>(kind)]); }
  CounterValues read() const;

 private:
  static void bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }
  std::atomic<uint64_t> scheduled_{0}, sent_{0}, completed_{0}, dropped_{0}, bytes_{0}, resent_{0}, not_sent_{0};
  std::atomic<uint64_t> redirects_{0};
  std::array<std::atomic<uint64_t>, http::kErrorKinds> errors_{};
};

struct NameMetrics {
  explicit NameMetrics(const metrics::Histogram& layout) : corrected(layout), service(layout) {}
  metrics::IntervalRecorder corrected;  // response end - intended start (no coordinated omission)
  metrics::IntervalRecorder service;    // response end - actual send
  RequestCounters counters;
};

struct WorkerMetrics {
  WorkerMetrics(size_t names, const metrics::Histogram& layout);
  std::vector<std::unique_ptr<NameMetrics>> by_name;
  metrics::IntervalRecorder send_lag;  // actual send - intended start
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> active_users{0};
  // Connections established, by the protocol each speaks (indexed by http::Protocol).
  std::array<std::atomic<uint64_t>, static_cast<size_t>(http::Protocol::kCount_)> opened_by_protocol{};
  // HTTP/2 errors by kind and by the error code that ended the stream (the last slot: codes
  // beyond RFC 9113's).
  std::array<std::array<std::atomic<uint64_t>, http::kH2ErrorCodes + 1>, http::kErrorKinds> h2_error_codes{};
};

}  // namespace loadgen::load
