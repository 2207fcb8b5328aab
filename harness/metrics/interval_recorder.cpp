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
  LG_CHECK(into.same_layout(*a_), "interval histogram must have the recorder's layout");
  std::lock_guard lock(phaser_.reader_mutex());
  Histogram* old_active = active_.load();
  Histogram* inactive = old_active == a_.get() ? b_.get() : a_.get();
  inactive->reset();
  active_.store(inactive);
  // After the flip no writer is inside old_active, so it can be read without a race.
  phaser_.flip_phase();
  into.reset();
  into.add(*old_active);
}

Histogram IntervalRecorder::take_interval() {
  // Built from the layout, not copied: a_ may be the active histogram a writer is using.
  Histogram out(a_->lowest_discernible(), a_->highest_trackable(), a_->significant_digits());
  swap_interval(out);
  return out;
}

}  // namespace loadgen::metrics
