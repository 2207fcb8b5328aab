// MappedCounts, and the histogram's memory following what it recorded (issue 20).
#include "harness/metrics/mapped_counts.hpp"

#include <random>

#include <gtest/gtest.h>

#include "harness/metrics/histogram.hpp"
#include "harness/metrics/interval_recorder.hpp"

namespace loadgen::metrics {
namespace {

TEST(MappedCounts, ReadsZeroWhereNothingLandedAndHoldsOnlyTouchedPages) {
  MappedCounts c(33792);
  EXPECT_EQ(c.pages_in_use(), 0u);
  c.add(5, 2);
  c.add(6, 1);
  c.add(20000, 7);
  EXPECT_EQ(c.get(5), 2);
  EXPECT_EQ(c.get(6), 1);
  EXPECT_EQ(c.get(20000), 7);
  // Reading where nothing landed gives zeros and costs no memory (the shared zero page).
  EXPECT_EQ(c.get(7), 0);
  EXPECT_EQ(c.get(33791), 0);
  EXPECT_EQ(c.pages_in_use(), 2u);
  std::vector<std::pair<size_t, int64_t>> seen;
  c.for_each_nonzero(0, c.size(), [&](size_t i, int64_t n) { seen.emplace_back(i, n); });
  EXPECT_EQ(seen, (std::vector<std::pair<size_t, int64_t>>{{5, 2}, {6, 1}, {20000, 7}}));
  seen.clear();
  c.for_each_nonzero(6, 20000, [&](size_t i, int64_t n) { seen.emplace_back(i, n); });
  EXPECT_EQ(seen, (std::vector<std::pair<size_t, int64_t>>{{6, 1}}));
}

TEST(MappedCounts, ClearKeepsBusyPagesAndHandsBackIdleOnes) {
  MappedCounts c(33792);
  c.add(5, 2);
  c.add(20000, 7);
  c.clear(5, 20001);
  EXPECT_EQ(c.get(5), 0);
  EXPECT_EQ(c.get(20000), 0);
  EXPECT_EQ(c.pages_in_use(), 2u) << "pages that held counts are kept, zeroed, for the next interval";
  c.add(20001, 1);  // the same page as 20000: no new page
  c.release_idle_pages();
  EXPECT_EQ(c.pages_in_use(), 1u) << "the page that held nothing since is handed back";
  EXPECT_EQ(c.get(20001), 1);
  EXPECT_TRUE(c.may_hold_pages());
  for (int i = 0; i < MappedCounts::kReleaseEvery; ++i) c.clear(20001, 20002);
  EXPECT_EQ(c.pages_in_use(), 0u) << "a few clears with nothing recorded hand everything back";
  EXPECT_EQ(c.get(20001), 0);
}

TEST(MappedCounts, CopiesAreDeepMovesAreCheapAndAddAllSums) {
  MappedCounts a(1000);
  a.add(1, 1);
  a.add(999, 3);
  MappedCounts copy(a);
  copy.add(1, 10);
  EXPECT_EQ(a.get(1), 1);
  EXPECT_EQ(copy.get(1), 11);
  MappedCounts b(1000);
  b.add(1, 5);
  b.add(500, 2);
  b.add_all(a, 0, a.size());
  EXPECT_EQ(b.get(1), 6);
  EXPECT_EQ(b.get(500), 2);
  EXPECT_EQ(b.get(999), 3);
  MappedCounts moved(std::move(b));
  EXPECT_EQ(moved.get(999), 3);
  copy = moved;
  EXPECT_EQ(copy.get(500), 2);
  EXPECT_EQ(copy.pages_in_use(), moved.pages_in_use());
}

TEST(MappedCounts, AddingAnotherCommitsOnlyWhereItHasCounts) {
  MappedCounts sparse(33792), into(33792);
  sparse.add(100, 1);
  sparse.add(30000, 1);
  for (size_t i = 1000; i < 29000; i += 512) EXPECT_EQ(sparse.get(i), 0);  // maps zero pages only
  into.add_all(sparse, 0, sparse.size());
  EXPECT_EQ(into.pages_in_use(), 2u);
  EXPECT_EQ(sparse.pages_in_use(), 2u);
}

// What made loadgen's memory grow with names x threads: every histogram held its whole
// layout (264 KiB) however little it had recorded.
TEST(HistogramMemory, FollowsWhatWasRecordedNotTheRange) {
  auto h = Histogram::for_latency_ns();
  EXPECT_LT(h.footprint_bytes(), 2'000u) << "an empty latency histogram";
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(std::log(2e6), 0.8);
  for (int i = 0; i < 10; ++i) h.record(static_cast<int64_t>(d(rng)));
  EXPECT_LT(h.footprint_bytes(), 32'000u) << "ten latencies: a few 4 KiB pages";
  for (int i = 0; i < 1'000'000; ++i) h.record(static_cast<int64_t>(d(rng)));
  // A million latencies over three decades still touch a fraction of the layout's pages.
  EXPECT_LT(h.footprint_bytes(), 120'000u);
  h.reset();
  EXPECT_EQ(h.total_count(), 0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
  for (int i = 0; i < MappedCounts::kReleaseEvery; ++i) h.reset();
  EXPECT_LT(h.footprint_bytes(), 2'000u) << "resets with nothing recorded give the pages back";
}

TEST(HistogramMemory, AnIntervalRecorderHoldsOnlyItsCurrentInterval) {
  IntervalRecorder recorder(Histogram::for_latency_ns());
  auto into = Histogram::for_latency_ns();
  for (int64_t v = 1000; v < 1'000'000'000; v *= 3) recorder.record(v);
  const size_t busy = recorder.footprint_bytes();
  recorder.swap_interval(into);
  EXPECT_EQ(into.total_count(), 13);
  EXPECT_EQ(recorder.footprint_bytes(), busy) << "the retired interval's pages are kept for the next";
  for (int i = 0; i < 2 * MappedCounts::kReleaseEvery; ++i) {
    recorder.swap_interval(into);
    EXPECT_EQ(into.total_count(), 0);
  }
  EXPECT_LT(recorder.footprint_bytes(), 4'000u) << "an idle recorder gives its pages back within a few swaps";
}

}  // namespace
}  // namespace loadgen::metrics
