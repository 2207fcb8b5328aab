// Backpressure and priorities on a running pool.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"
#include "tests/targets/worker_pool/pool_test_support.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;
using testing::Blocker;
using testing::Counter;
using ::testing::ElementsAre;
using testing::eventually;
using testing::GateOpener;

PoolOptions one_thread(size_t capacity) {
  PoolOptions options;
  options.queue_capacity = capacity;
  return options;
}

TEST(WorkerPoolBackpressure, RejectModeFailsAtOnceWhenTheQueueIsFull) {
  Blocker blocker;
  WorkerPool pool(one_thread(2));
  GateOpener opener(blocker.gate);
  occupy_worker(pool, blocker);
  EXPECT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  EXPECT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  const auto full = pool.submit(SubmitMode::reject(), [] {});
  EXPECT_EQ(full.status, SubmitStatus::kQueueFull);
  EXPECT_EQ(full.id, 0u);
  EXPECT_EQ(pool.stats().queued, 2u);
  blocker.gate.open();
  pool.shutdown(ShutdownMode::kDrain);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.submitted, 3u);
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.completed, 3u);
}

TEST(WorkerPoolBackpressure, BlockModeGivesUpAtItsDeadline) {
  Blocker blocker;
  WorkerPool pool(one_thread(1));
  GateOpener opener(blocker.gate);
  occupy_worker(pool, blocker);
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  const auto started = std::chrono::steady_clock::now();
  const auto late = pool.submit(SubmitMode::block_for(20ms), [] {});
  EXPECT_EQ(late.status, SubmitStatus::kDeadlineExceeded);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 20ms);  // it did wait
  const auto past = pool.submit(SubmitMode::block_until(started - 1s), [] {});
  EXPECT_EQ(past.status, SubmitStatus::kDeadlineExceeded);
  blocker.gate.open();
}

TEST(WorkerPoolBackpressure, BlockModeGetsInOnceAWorkerMakesRoom) {
  Blocker blocker;
  WorkerPool pool(one_thread(1));
  GateOpener opener(blocker.gate);
  occupy_worker(pool, blocker);
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  SubmitResult blocked;
  std::thread submitter([&] { blocked = pool.submit(SubmitMode::block_for(30s), [] {}); });
  ASSERT_TRUE(eventually([&] { return pool.stats().blocked_submitters == 1; }));
  blocker.gate.open();
  submitter.join();
  EXPECT_TRUE(blocked.accepted());
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_EQ(pool.stats().completed, 3u);
}

TEST(WorkerPoolBackpressure, ShutdownReleasesBlockedSubmitters) {
  Blocker blocker;
  WorkerPool pool(one_thread(1));
  GateOpener opener(blocker.gate);
  occupy_worker(pool, blocker);
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  SubmitResult blocked;
  std::thread submitter([&] { blocked = pool.submit(SubmitMode::block_for(30s), [] {}); });
  ASSERT_TRUE(eventually([&] { return pool.stats().blocked_submitters == 1; }));
  std::thread stopper([&] { pool.shutdown(ShutdownMode::kDrain); });
  submitter.join();
  EXPECT_EQ(blocked.status, SubmitStatus::kShuttingDown);
  blocker.gate.open();
  stopper.join();
}

TEST(WorkerPoolBackpressure, InvalidTasksAreRejected) {
  WorkerPool pool(one_thread(4));
  EXPECT_EQ(pool.submit_task(SubmitMode::reject(), {}, TaskFn{}).status,
            SubmitStatus::kInvalidTask);
  TaskOptions negative;
  negative.max_retries = -1;
  EXPECT_EQ(pool.submit(SubmitMode::reject(), negative, [] {}).status, SubmitStatus::kInvalidTask);
  TaskOptions bad_priority;
  bad_priority.priority = static_cast<Priority>(7);
  EXPECT_EQ(pool.submit(SubmitMode::reject(), bad_priority, [] {}).status,
            SubmitStatus::kInvalidTask);
  EXPECT_EQ(pool.stats().rejected, 3u);
}

TEST(WorkerPoolPriorities, HigherFirstAndFifoWithinAPriority) {
  Blocker blocker;
  WorkerPool pool(one_thread(16));
  GateOpener opener(blocker.gate);
  occupy_worker(pool, blocker);
  std::mutex mutex;
  std::vector<std::string> order;
  auto submit = [&](Priority priority, std::string name) {
    TaskOptions options;
    options.priority = priority;
    options.name = name;
    ASSERT_TRUE(pool.submit(SubmitMode::reject(), std::move(options),
                            [&, name] {
                              std::lock_guard lock(mutex);
                              order.push_back(name);
                            })
                    .accepted());
  };
  submit(Priority::kLow, "low-1");
  submit(Priority::kNormal, "normal-1");
  submit(Priority::kHigh, "high-1");
  submit(Priority::kLow, "low-2");
  submit(Priority::kHigh, "high-2");
  submit(Priority::kNormal, "normal-2");
  blocker.gate.open();
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_THAT(order, ElementsAre("high-1", "high-2", "normal-1", "normal-2", "low-1", "low-2"));
}

TEST(WorkerPoolIds, AreUniqueAndIncreasingAcrossSubmitters) {
  PoolOptions options;
  options.min_threads = 2;
  options.max_threads = 2;
  options.queue_capacity = 10'000;
  WorkerPool pool(options);
  std::vector<std::vector<TaskId>> ids(3);
  std::vector<std::thread> submitters;
  for (auto& mine : ids) {
    submitters.emplace_back([&pool, &mine] {
      for (int i = 0; i < 500; ++i) {
        mine.push_back(pool.submit(SubmitMode::block_for(30s), [] {}).id);
      }
    });
  }
  for (auto& t : submitters) {
    t.join();
  }
  std::vector<TaskId> all;
  for (const auto& mine : ids) {
    EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.front(), 1u);
  EXPECT_EQ(all.back(), 1500u);
}

}  // namespace
}  // namespace loadgen::targets
