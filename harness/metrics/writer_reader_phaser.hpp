#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace loadgen::metrics {

// Lets writers run wait-free while a reader waits until every writer that might still be
// using the "old" side of a double buffer has left it (Gil Tene's WriterReaderPhaser).
// Writers bracket each update with enter()/leave(); the reader, holding its lock, swaps the
// buffers and then calls flip_phase(), which returns once no writer can touch the old one.
class WriterReaderPhaser {
 public:
  // Returns a token that must be passed to leave().
  int64_t enter() noexcept { return start_epoch_.fetch_add(1); }
  void leave(int64_t token) noexcept {
    (token < 0 ? odd_end_epoch_ : even_end_epoch_).fetch_add(1);
  }

  std::mutex& reader_mutex() noexcept { return reader_mutex_; }

  // Must be called with reader_mutex() held, after the buffers were swapped.
  void flip_phase() noexcept;

 private:
  std::atomic<int64_t> start_epoch_{0};
  std::atomic<int64_t> even_end_epoch_{0};
  std::atomic<int64_t> odd_end_epoch_{INT64_MIN};
  std::mutex reader_mutex_;
};

}  // namespace loadgen::metrics
