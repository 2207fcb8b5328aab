#include "targets/refserver/bucket_histogram.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "targets/refserver/db_query_times.hpp"
#include "targets/refserver/open_metrics.hpp"

namespace loadgen::refserver {
namespace {

using namespace std::chrono_literals;
using Cumulative = std::array<std::uint64_t, kLatencyBucketCount>;

// Bucket indexes of the layout 0.0005, 0.001, 0.0025, 0.005, 0.01, ... 10, +Inf.
constexpr std::size_t kLe1ms = 1;
constexpr std::size_t kLe2_5ms = 2;
constexpr std::size_t kInf = kLatencyBucketCount - 1;

TEST(RefserverBucketHistogram, ValueOnABoundCountsInThatBucket) {
  BucketHistogram histogram;
  histogram.record(1ms);  // le means <=: in le="0.001", not in le="0.0005"
  auto counts = histogram.counts();
  EXPECT_EQ(counts.cumulative[kLe1ms - 1], 0U);
  EXPECT_EQ(counts.cumulative[kLe1ms], 1U);
  histogram.record(1ms + 1ns);  // just past the bound: the next one
  counts = histogram.counts();
  EXPECT_EQ(counts.cumulative[kLe1ms], 1U);
  EXPECT_EQ(counts.cumulative[kLe2_5ms], 2U);
  histogram.record(10s);  // on the last finite bound
  EXPECT_EQ(histogram.counts().cumulative[kInf - 1], 3U);
}

TEST(RefserverBucketHistogram, CumulativeCountsCountAndSum) {
  BucketHistogram histogram;
  for (std::chrono::nanoseconds value :
       std::initializer_list<std::chrono::nanoseconds>{300us, 7ms, 7ms, 2s, 60s, 0ns})
    histogram.record(value);
  histogram.record(-5ns);  // a clock oddity counts as 0
  const auto counts = histogram.counts();
  // le 0.0005 to 0.005 hold 0, -5 ns and 300 us; 0.01 to 1 add both 7 ms; 2.5 to 10 add 2 s.
  const Cumulative expected{3, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 7};
  EXPECT_EQ(counts.cumulative, expected);
  EXPECT_EQ(counts.count(), 7U);
  EXPECT_NEAR(counts.sum_seconds, 62.0143, 1e-9);
}

TEST(RefserverBucketHistogram, ConcurrentRecordsAreAllCounted) {
  BucketHistogram histogram;
  constexpr int kThreads = 4;
  constexpr int kEach = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < kEach; ++i)
        histogram.record(std::chrono::microseconds(100 + 2000 * t));
    });
  }
  for (auto& thread : threads)
    thread.join();
  const auto counts = histogram.counts();
  EXPECT_EQ(counts.count(), std::uint64_t{kThreads * kEach});
  EXPECT_EQ(counts.cumulative[0], std::uint64_t{kEach});  // only thread 0's 100 us
}

TEST(RefserverBucketHistogram, HdrCountsLandUnderTheSameBounds) {
  auto ns = metrics::Histogram::for_latency_ns();
  ns.record(400'000);  // 0.4 ms
  ns.record(3'000'000, 2);
  ns.record(20'000'000'000);  // 20 s: above every finite bound
  const auto counts = bucket_counts_of_ns(ns);
  const Cumulative expected{1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4};
  EXPECT_EQ(counts.cumulative, expected);
  EXPECT_NEAR(counts.sum_seconds, 0.0004 + 0.006 + 20, 0.001 * 20);
}

TEST(RefserverBucketHistogram, HdrBucketStraddlingABoundCountsAboveIt) {
  auto ns = metrics::Histogram::for_latency_ns();
  ns.record(999'990);  // below 1 ms, but its HDR bucket reaches past 1 ms
  ASSERT_GT(ns.highest_equivalent_value(999'990), 1'000'000);
  const auto counts = bucket_counts_of_ns(ns);
  EXPECT_EQ(counts.cumulative[kLe1ms], 0U);
  EXPECT_EQ(counts.cumulative[kLe2_5ms], 1U);
}

TEST(RefserverDbQueryTimes, TimeReturnsTheQueryResultAndRecordsItsKind) {
  DbQueryTimes times;
  EXPECT_EQ(times.time(DbQuery::kLedgerFind, [] { return 42; }), 42);
  EXPECT_EQ(times.counts(DbQuery::kLedgerFind).count(), 1U);
  EXPECT_EQ(times.counts(DbQuery::kLedgerWrite).count(), 0U);
}

TEST(RefserverDbQueryTimes, OnlyTimedKindsAreRenderedOnceUnderOneFamily) {
  DbQueryTimes items;
  DbQueryTimes jobs;
  items.record(DbQuery::kListItems, 300us);
  items.record(DbQuery::kListItems, 2ms);
  jobs.record(DbQuery::kLedgerWrite, 20ms);
  EXPECT_EQ(items.counts(DbQuery::kListItems).count(), 2U);
  EXPECT_EQ(items.counts(DbQuery::kInsertBatch).count(), 0U);
  OpenMetricsText out;
  render_db_query_times(out, {&items, &jobs, nullptr});
  const auto text = out.finish();
  EXPECT_EQ(text.find("# TYPE refserver_db_query_seconds histogram\n"), 0U);
  EXPECT_EQ(text.find("# TYPE", 1), std::string::npos);  // the family once
  for (const char* needle :
       {"refserver_db_query_seconds_bucket{query=\"list_items\",le=\"0.0025\"} 2\n",
        "refserver_db_query_seconds_count{query=\"list_items\"} 2\n",
        "refserver_db_query_seconds_bucket{query=\"ledger_write\",le=\"0.01\"} 0\n",
        "refserver_db_query_seconds_bucket{query=\"ledger_write\",le=\"0.025\"} 1\n",
        "refserver_db_query_seconds_bucket{query=\"ledger_write\",le=\"10.0\"} 1\n",
        "refserver_db_query_seconds_bucket{query=\"ledger_write\",le=\"+Inf\"} 1\n"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(text.find("insert_batch"), std::string::npos);
}

}  // namespace
}  // namespace loadgen::refserver
