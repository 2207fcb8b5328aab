#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "harness/metrics/histogram.hpp"
#include "targets/worker_pool/pool_stats.hpp"
#include "targets/worker_pool/slot_recorder.hpp"

namespace loadgen::targets::detail {

// A counter with one writer at a time: a relaxed load and store instead of a locked
// read-modify-write, so counting costs a worker nothing it shares with other workers.
class SingleWriterCounter {
 public:
  void bump() noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// What the thread occupying one worker slot records (shared-nothing between workers). A
// slot outlives its threads, so a retired thread's figures stay in the totals; a new thread
// takes a slot only after the previous one left it, under the pool's mutex, which keeps the
// counters single-writer.
struct alignas(64) WorkerMetrics {
  explicit WorkerMetrics(const metrics::Histogram& layout) : latency(layout) {}

  SlotRecorder latency;  // queue wait and run time of each run that started
  SingleWriterCounter completed;
  SingleWriterCounter failed;
  SingleWriterCounter timed_out;
  SingleWriterCounter retried;
  SingleWriterCounter dead_lettered;
  SingleWriterCounter cancelled;
};

// Owns the worker slots' metrics and reduces them into PoolStats. The slot table is guarded
// by the pool's mutex (the *_locked members); the totals by this object's reader mutex,
// which stats() takes first.
class PoolMetrics {
 public:
  explicit PoolMetrics(size_t slot_count);

  // The slot's metrics, made on first use (four histograms, about 1 MiB, so only for slots
  // a thread actually occupies). The reference stays valid for the pool's life.
  WorkerMetrics& slot_locked(size_t index);

  // Serialises readers; hold it around collect_locked() and merge_into().
  std::mutex& reader_mutex() noexcept { return reader_mutex_; }
  // Adds every slot's counters into `stats` and notes which slots exist.
  void collect_locked(PoolStats& stats);
  // Without the pool's mutex: takes the noted slots' histograms since the last read, adds
  // them to the totals and sets stats' histograms to the totals.
  void merge_into(PoolStats& stats);

 private:
  std::vector<std::unique_ptr<WorkerMetrics>> slots_;
  metrics::Histogram layout_;
  std::mutex reader_mutex_;
  std::vector<WorkerMetrics*> noted_;  // by the last collect_locked()
  metrics::Histogram queue_wait_total_;
  metrics::Histogram run_time_total_;
};

}  // namespace loadgen::targets::detail
