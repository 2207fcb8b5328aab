// PagedCounts, and the histogram's memory following what it recorded (issue 20).
#include "harness/metrics/paged_counts.hpp"

#include <random>

#include <gtest/gtest.h>

#include "harness/metrics/histogram.hpp"
#include "harness/metrics/interval_recorder.hpp"

namespace loadgen::metrics {
namespace {

TEST(PagedCounts, ReadsZeroWhereNothingLandedAndHoldsOnlyTouchedPages) {
  PagedCounts c(33792);
  EXPECT_EQ(c.pages_in_use(), 0u);
  c.add(5, 2);
  c.add(6, 1);
  c.add(20000, 7);
  EXPECT_EQ(c.get(5), 2);
  EXPECT_EQ(c.get(6), 1);
  EXPECT_EQ(c.get(20000), 7);
  EXPECT_EQ(c.get(7), 0);
  EXPECT_EQ(c.get(33791), 0);
  EXPECT_EQ(c.pages_in_use(), 2u);
  std::vector<std::pair<size_t, int64_t>> seen;
  c.for_each_nonzero(c.size(), [&](size_t i, int64_t n) { seen.emplace_back(i, n); });
  EXPECT_EQ(seen, (std::vector<std::pair<size_t, int64_t>>{{5, 2}, {6, 1}, {20000, 7}}));
  seen.clear();
  c.for_each_nonzero(20000, [&](size_t i, int64_t n) { seen.emplace_back(i, n); });  // below 20000 only
  EXPECT_EQ(seen.size(), 2u);
  c.clear();
  EXPECT_EQ(c.pages_in_use(), 0u);
  EXPECT_EQ(c.get(5), 0);
}

TEST(PagedCounts, CopiesAreDeepMovesAreCheapAndAddAllSums) {
  PagedCounts a(1000);
  a.add(1, 1);
  a.add(999, 3);
  PagedCounts copy(a);
  copy.add(1, 10);
  EXPECT_EQ(a.get(1), 1);
  EXPECT_EQ(copy.get(1), 11);
  PagedCounts b(1000);
  b.add(1, 5);
  b.add(500, 2);
  b.add_all(a, a.size());
  EXPECT_EQ(b.get(1), 6);
  EXPECT_EQ(b.get(500), 2);
  EXPECT_EQ(b.get(999), 3);
  PagedCounts moved(std::move(b));
  EXPECT_EQ(moved.get(999), 3);
  copy = moved;
  EXPECT_EQ(copy.get(500), 2);
  EXPECT_EQ(copy.pages_in_use(), moved.pages_in_use());
}

// What made loadgen's memory grow with names x threads: every histogram held its whole
// layout (264 KiB) however little it had recorded.
TEST(HistogramMemory, FollowsWhatWasRecordedNotTheRange) {
  auto h = Histogram::for_latency_ns();
  EXPECT_LT(h.footprint_bytes(), 2'000u) << "an empty latency histogram";
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(std::log(2e6), 0.8);
  for (int i = 0; i < 10; ++i) h.record(static_cast<int64_t>(d(rng)));
  EXPECT_LT(h.footprint_bytes(), 24'000u) << "ten latencies";
  for (int i = 0; i < 1'000'000; ++i) h.record(static_cast<int64_t>(d(rng)));
  // A million latencies over three decades still touch a fraction of the layout's pages.
  EXPECT_LT(h.footprint_bytes(), 120'000u);
  h.reset();
  EXPECT_LT(h.footprint_bytes(), 2'000u) << "reset gives the pages back";
}

TEST(HistogramMemory, AnIntervalRecorderHoldsOnlyItsCurrentInterval) {
  IntervalRecorder recorder(Histogram::for_latency_ns());
  auto into = Histogram::for_latency_ns();
  for (int64_t v = 1000; v < 1'000'000'000; v *= 3) recorder.record(v);
  const size_t busy = recorder.footprint_bytes();
  recorder.swap_interval(into);
  EXPECT_EQ(into.total_count(), 13);
  EXPECT_LT(recorder.footprint_bytes(), busy);
  EXPECT_LT(recorder.footprint_bytes(), 4'000u) << "after the swap, nothing is recorded: nothing is held";
}

}  // namespace
}  // namespace loadgen::metrics
