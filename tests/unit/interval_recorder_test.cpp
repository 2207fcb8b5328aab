// Concurrency tests of the interval recorder; run under TSan by the tsan preset.
#include "harness/metrics/interval_recorder.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace loadgen::metrics {
namespace {

TEST(IntervalRecorder, HandsOverEachValueOnce) {
  IntervalRecorder recorder(Histogram::for_latency_ns());
  recorder.record(10);
  recorder.record(20, 2);
  auto first = recorder.take_interval();
  EXPECT_EQ(first.total_count(), 3);
  EXPECT_EQ(recorder.take_interval().total_count(), 0);
  recorder.record(30);
  EXPECT_EQ(recorder.take_interval().count_at_value(30), 1);
}

// Writers hammer their own recorders (one per thread, as the engine does) while a reader
// swaps every recorder's interval out repeatedly. Every value must be seen exactly once.
TEST(IntervalRecorder, ConcurrentWritersAndReaderLoseNothing) {
  constexpr int kWriters = 3;
  constexpr int64_t kPerWriter = 300'000;
  const Histogram layout(1, 10'000'000, 3);
  std::vector<std::unique_ptr<IntervalRecorder>> recorders;
  for (int i = 0; i < kWriters; ++i) recorders.push_back(std::make_unique<IntervalRecorder>(layout));

  std::atomic<int> finished{0};
  std::atomic<int> swaps{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int64_t i = 0; i < kPerWriter; ++i) {
        // Halfway, wait for a few swaps: on a fast machine the writers could otherwise finish
        // before the reader swapped even once, and the test would show nothing concurrent.
        if (i == kPerWriter / 2) {
          while (swaps.load() < 3) std::this_thread::yield();
        }
        recorders[static_cast<size_t>(w)]->record(1 + (i % 5000) + w);
      }
      finished.fetch_add(1);
    });
  }

  Histogram total(layout);
  Histogram interval(layout);
  while (finished.load() < kWriters) {
    for (auto& r : recorders) {
      r->swap_interval(interval);
      total.add(interval);
    }
    swaps.fetch_add(1);
  }
  for (auto& t : writers) t.join();
  for (auto& r : recorders) {
    r->swap_interval(interval);
    total.add(interval);
  }
  EXPECT_EQ(total.total_count(), kWriters * kPerWriter);
  // Each writer records 1 + (i % 5000) + w; value 1 is recorded only by writer 0.
  EXPECT_EQ(total.count_at_value(1), kPerWriter / 5000);
  EXPECT_GE(swaps.load(), 3);
}

}  // namespace
}  // namespace loadgen::metrics
