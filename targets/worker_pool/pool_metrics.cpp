#include "targets/worker_pool/pool_metrics.hpp"

#include "harness/core/check.hpp"

namespace loadgen::targets::detail {

PoolMetrics::PoolMetrics(size_t slot_count)
    : slots_(slot_count),
      layout_(metrics::Histogram::for_latency_ns()),
      queue_wait_total_(layout_),
      run_time_total_(layout_) {
  noted_.reserve(slot_count);  // so collecting under the pool's mutex never allocates
}

WorkerMetrics& PoolMetrics::slot_locked(size_t index) {
  LG_CHECK(index < slots_.size(), "worker slot out of range");
  if (!slots_[index]) {
    slots_[index] = std::make_unique<WorkerMetrics>(layout_);
  }
  return *slots_[index];
}

void PoolMetrics::collect_locked(PoolStats& stats) {
  noted_.clear();
  for (const auto& slot : slots_) {
    if (!slot) {
      continue;
    }
    noted_.push_back(slot.get());
    stats.completed += slot->completed.get();
    stats.failed += slot->failed.get();
    stats.timed_out += slot->timed_out.get();
    stats.retried += slot->retried.get();
    stats.dead_lettered += slot->dead_lettered.get();
    stats.cancelled += slot->cancelled.get();
  }
}

void PoolMetrics::merge_into(PoolStats& stats) {
  // Only the slots noted under the pool's mutex: the table itself may be growing now.
  for (WorkerMetrics* slot : noted_) {
    slot->latency.swap_out();
    slot->latency.merge_swapped_into(queue_wait_total_, run_time_total_);
  }
  stats.queue_wait_ns = queue_wait_total_;
  stats.run_time_ns = run_time_total_;
}

}  // namespace loadgen::targets::detail
