#include "harness/metrics/writer_reader_phaser.hpp"

#include <thread>

namespace loadgen::metrics {

void WriterReaderPhaser::flip_phase() noexcept {
  // The sign of start_epoch_ says which phase writers are in: non-negative is even.
  const bool next_phase_is_even = start_epoch_.load() < 0;
  const int64_t initial = next_phase_is_even ? 0 : INT64_MIN;
  (next_phase_is_even ? even_end_epoch_ : odd_end_epoch_).store(initial);
  const int64_t start_value_at_flip = start_epoch_.exchange(initial);
  // Every writer that entered before the flip bumped start_epoch_ once and will bump the old
  // phase's end epoch once when it leaves; wait for the two to meet.
  auto& old_end = next_phase_is_even ? odd_end_epoch_ : even_end_epoch_;
  for (int spins = 0; old_end.load() != start_value_at_flip; ++spins) {
    if (spins > 64) std::this_thread::yield();
  }
}

}  // namespace loadgen::metrics
