#include "harness/load/request_metrics.hpp"

namespace loadgen::load {

uint64_t CounterValues::error_total() const {
  uint64_t total = 0;
  for (auto e : errors) total += e;
  return total;
}

uint64_t CounterValues::responses() const {
  uint64_t total = completed;
  for (size_t k = 0; k < errors.size(); ++k) {
    const auto kind = static_cast<http::ErrorKind>(k);
    if (kind != http::ErrorKind::kNone && http::got_response(kind)) total += errors[k];
  }
  return total;
}

void CounterValues::add(const CounterValues& o) {
  scheduled += o.scheduled;
  sent += o.sent;
  completed += o.completed;
  dropped += o.dropped;
  not_sent += o.not_sent;
  bytes_received += o.bytes_received;
  resent += o.resent;
  redirects += o.redirects;
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
}

CounterValues CounterValues::minus(const CounterValues& e) const {
  CounterValues d;
  d.scheduled = scheduled - e.scheduled;
  d.sent = sent - e.sent;
  d.completed = completed - e.completed;
  d.dropped = dropped - e.dropped;
  d.not_sent = not_sent - e.not_sent;
  d.bytes_received = bytes_received - e.bytes_received;
  d.resent = resent - e.resent;
  d.redirects = redirects - e.redirects;
  for (size_t i = 0; i < errors.size(); ++i) d.errors[i] = errors[i] - e.errors[i];
  return d;
}

CounterValues RequestCounters::read() const {
  CounterValues v;
  // Read completions before sends so that a concurrent reader never sees more finished
  // requests than sent ones.
  v.completed = completed_.load(std::memory_order_acquire);
  for (size_t i = 0; i < errors_.size(); ++i) v.errors[i] = errors_[i].load(std::memory_order_acquire);
  v.bytes_received = bytes_.load(std::memory_order_relaxed);
  v.resent = resent_.load(std::memory_order_relaxed);
  v.redirects = redirects_.load(std::memory_order_relaxed);
  v.sent = sent_.load(std::memory_order_acquire);
  v.dropped = dropped_.load(std::memory_order_acquire);
  v.not_sent = not_sent_.load(std::memory_order_acquire);
  v.scheduled = scheduled_.load(std::memory_order_acquire);
  return v;
}

WorkerMetrics::WorkerMetrics(size_t names, const metrics::Histogram& layout) : send_lag(layout) {
  for (size_t i = 0; i < names; ++i) by_name.push_back(std::make_unique<NameMetrics>(layout));
}

}  // namespace loadgen::load
