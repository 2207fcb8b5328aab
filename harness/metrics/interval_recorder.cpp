#include "harness/metrics/interval_recorder.hpp"

#include <utility>

#include "harness/core/check.hpp"

namespace loadgen::metrics {

IntervalRecorder::IntervalRecorder(const Histogram& layout)
    : a_(std::make_unique<Histogram>(layout)), b_(std::make_unique<Histogram>(layout)), active_(a_.get()) {
  a_->reset();
  b_->reset();
}

void IntervalRecorder::swap_interval(Histogram& into) {
  into.reset();
  add_interval_to(into);
}

void IntervalRecorder::add_interval_to(Histogram& into) {
  LG_CHECK(into.same_layout(*a_), "interval histogram must have the recorder's layout");
  std::lock_guard lock(phaser_.reader_mutex());
  Histogram* old_active = active_.load();
  // The other buffer was emptied right after the flip that last retired it.
  Histogram* next = old_active == a_.get() ? b_.get() : a_.get();
  active_.store(next, std::memory_order_release);
  // After the flip no writer is inside old_active: read it, then empty it for its next turn.
  phaser_.flip_phase();
  into.add(*old_active);
  old_active->reset();
}

Histogram IntervalRecorder::take_interval() {
  // Built from the layout, not copied: a_ may be the active histogram a writer is using.
  Histogram out(a_->lowest_discernible(), a_->highest_trackable(), a_->significant_digits());
  swap_interval(out);
  return out;
}

}  // namespace loadgen::metrics
