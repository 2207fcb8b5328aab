#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "harness/metrics/histogram.hpp"
#include "harness/metrics/writer_reader_phaser.hpp"

namespace loadgen::metrics {

// One writer thread records into the active histogram without locks; a reader periodically
// swaps it out and gets every value recorded since the last swap, exactly once. Writer cost
// is two uncontended atomic increments around a plain histogram record.
class IntervalRecorder {
 public:
  explicit IntervalRecorder(const Histogram& layout);

  // Writer side (one thread at a time).
  void record(int64_t value, int64_t count = 1) noexcept {
    const int64_t token = phaser_.enter();
    active_.load(std::memory_order_acquire)->record(value, count);
    phaser_.leave(token);
  }

  // Reader side (any thread): moves the values recorded since the previous call into
  // `into`, which is reset first and must have the recorder's layout.
  void swap_interval(Histogram& into);
  // Adds the values recorded since the previous call to `into` (not reset; the recorder's
  // layout): a collector summing threads needs no scratch histogram in between.
  void add_interval_to(Histogram& into);
  // Convenience: the interval as a new histogram.
  Histogram take_interval();
  // Bytes held by both histograms.
  size_t footprint_bytes() const { return a_->footprint_bytes() + b_->footprint_bytes(); }

 private:
  std::unique_ptr<Histogram> a_;
  std::unique_ptr<Histogram> b_;
  std::atomic<Histogram*> active_;
  WriterReaderPhaser phaser_;
};

}  // namespace loadgen::metrics
