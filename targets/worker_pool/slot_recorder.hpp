#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <utility>

#include "harness/metrics/histogram.hpp"

namespace loadgen::targets::detail {

// The queue-wait and run-time histograms of one worker slot. The worker takes the slot's
// own mutex to record a run (uncontended but for a stats() reader), which keeps the
// histogram work out of the pool's contended mutex; a reader holds it only to swap in two
// empty spares (O(1)) and merges the interval it took outside it.
//
// Not metrics::IntervalRecorder: its record() loads the active histogram with
// memory_order_relaxed, so a writer that entered the phaser before a flip but read the new
// pointer after it races with swap_interval()'s reset() (TSan reports it, also in the
// harness's own test; an acquire load fixes it). One uncontended lock also costs fewer
// atomic read-modify-writes than the phaser's two per record.
class SlotRecorder {
 public:
  explicit SlotRecorder(const metrics::Histogram& layout)
      : queue_wait_(layout), run_time_(layout), spare_queue_wait_(layout), spare_run_time_(layout) {
    queue_wait_.reset();
    run_time_.reset();
    spare_queue_wait_.reset();
    spare_run_time_.reset();
  }

  struct Run {
    int64_t queue_wait_ns;
    int64_t run_time_ns;
  };

  // Under one lock: a worker records the runs of a batch together.
  void record_all(std::span<const Run> runs) {
    std::lock_guard lock(mutex_);
    for (const Run& run : runs) {
      queue_wait_.record(run.queue_wait_ns);
      run_time_.record(run.run_time_ns);
    }
  }
  void swap_out() {
    std::lock_guard lock(mutex_);
    std::swap(queue_wait_, spare_queue_wait_);
    std::swap(run_time_, spare_run_time_);
  }

  // By the one reader that called swap_out(): adds the interval swapped out into the
  // totals and empties the spares again.
  void merge_swapped_into(metrics::Histogram& queue_wait_total,
                          metrics::Histogram& run_time_total) {
    queue_wait_total.add(spare_queue_wait_);
    run_time_total.add(spare_run_time_);
    spare_queue_wait_.reset();
    spare_run_time_.reset();
  }

 private:
  std::mutex mutex_;
  metrics::Histogram queue_wait_;  // recorded into, under mutex_
  metrics::Histogram run_time_;
  metrics::Histogram spare_queue_wait_;  // the reader's only, empty between reads
  metrics::Histogram spare_run_time_;
};

}  // namespace loadgen::targets::detail
