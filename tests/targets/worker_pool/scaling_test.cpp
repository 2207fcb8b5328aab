// Bounded-dynamic sizing: extra threads start when the queue backs up, never beyond
// max_threads, and retire after idling, never below min_threads.
#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"
#include "tests/targets/worker_pool/pool_test_support.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;
using testing::Blocker;
using testing::eventually;
using testing::GateOpener;

PoolOptions elastic() {
  PoolOptions options;
  options.min_threads = 1;
  options.max_threads = 4;
  options.queue_capacity = 100;
  options.idle_timeout = 30ms;
  return options;
}

void submit_blocked(WorkerPool& pool, Blocker& blocker) {
  ASSERT_TRUE(pool.submit(SubmitMode::reject(),
                          [&blocker] {
                            blocker.started.bump();
                            blocker.gate.wait();
                          })
                  .accepted());
}

TEST(WorkerPoolScaling, GrowsWhenTheQueueBacksUpAndShrinksAfterIdling) {
  Blocker blocker;
  WorkerPool pool(elastic());
  GateOpener opener(blocker.gate);
  EXPECT_EQ(pool.stats().threads, 1u);
  for (int i = 0; i < 4; ++i) {
    submit_blocked(pool, blocker);
  }
  // Four tasks can only all be running at once on four threads.
  ASSERT_TRUE(blocker.started.wait_for(4));
  EXPECT_EQ(pool.stats().threads, 4u);

  // More work queues up but never takes the pool beyond max_threads.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  }
  EXPECT_EQ(pool.stats().threads, 4u);
  EXPECT_EQ(pool.stats().queued, 3u);

  blocker.gate.open();
  ASSERT_TRUE(eventually([&] { return pool.stats().threads == 1; }));
  const auto stats = pool.stats();
  EXPECT_EQ(stats.completed, 7u);
  EXPECT_EQ(stats.peak_threads, 4u);
}

TEST(WorkerPoolScaling, RetiredSlotsAreReusedAndKeepTheirCounts) {
  Blocker first;
  Blocker second;
  WorkerPool pool(elastic());
  GateOpener open_first(first.gate);
  GateOpener open_second(second.gate);
  for (int i = 0; i < 3; ++i) {
    submit_blocked(pool, first);
  }
  ASSERT_TRUE(first.started.wait_for(3));
  first.gate.open();
  ASSERT_TRUE(eventually([&] { return pool.stats().threads == 1; }));

  for (int i = 0; i < 3; ++i) {
    submit_blocked(pool, second);
  }
  ASSERT_TRUE(second.started.wait_for(3));
  EXPECT_EQ(pool.stats().threads, 3u);
  second.gate.open();
  pool.shutdown(ShutdownMode::kDrain);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.completed, 6u);
  EXPECT_EQ(stats.run_time_ns.total_count(), 6);
  EXPECT_EQ(stats.peak_threads, 3u);
}

TEST(WorkerPoolScaling, AFixedPoolNeverGrows) {
  Blocker blocker;
  PoolOptions options;
  options.min_threads = 2;
  options.max_threads = 2;
  WorkerPool pool(options);
  GateOpener opener(blocker.gate);
  for (int i = 0; i < 5; ++i) {
    submit_blocked(pool, blocker);
  }
  ASSERT_TRUE(blocker.started.wait_for(2));
  EXPECT_EQ(pool.stats().threads, 2u);
  EXPECT_EQ(pool.stats().queued, 3u);
  blocker.gate.open();
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_EQ(pool.stats().completed, 5u);
  EXPECT_EQ(pool.stats().peak_threads, 2u);
}

}  // namespace
}  // namespace loadgen::targets
