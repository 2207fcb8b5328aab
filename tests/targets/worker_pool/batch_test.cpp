// Workers that take several short tasks at once: the batch stays queued for stats and
// capacity, and a batch-mate of a task that ran long goes back to the queue, behind any
// higher priority that arrived meanwhile.
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"
#include "tests/targets/worker_pool/pool_test_support.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::Blocker;
using testing::GateOpener;

class Order {
 public:
  void add(std::string name) {
    std::lock_guard lock(mutex_);
    names_.push_back(std::move(name));
  }
  std::vector<std::string> names() {
    std::lock_guard lock(mutex_);
    return names_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> names_;
};

TEST(WorkerPoolBatches, TasksTakenWithOneThatRunsLongGoBackBehindHigherPriorities) {
  Blocker first;  // holds the only worker while the batch is queued
  Blocker slow;   // the long task at the head of the batch
  Order order;
  PoolOptions options;
  options.queue_capacity = 4;
  WorkerPool pool(options);
  GateOpener open_first(first.gate);
  GateOpener open_slow(slow.gate);
  // Certainly not short, so the worker takes the next task alone.
  ASSERT_TRUE(pool.submit(SubmitMode::reject(),
                          [&first] {
                            first.started.bump();
                            first.gate.wait();
                            std::this_thread::sleep_for(1ms);
                          })
                  .accepted());
  ASSERT_TRUE(first.started.wait_for(1));

  auto submit = [&](Priority priority, const std::string& name, std::function<void()> extra) {
    TaskOptions task;
    task.priority = priority;
    return pool
        .submit(SubmitMode::reject(), std::move(task),
                [&order, name, extra = std::move(extra)] {
                  order.add(name);
                  if (extra) {
                    extra();
                  }
                })
        .accepted();
  };
  // "quick" runs alone (the worker's last task, the blocker, ran long) and is short, so
  // the worker then takes the rest as one batch.
  ASSERT_TRUE(submit(Priority::kNormal, "quick", nullptr));
  ASSERT_TRUE(submit(Priority::kNormal, "slow", [&] {
    slow.started.bump();
    slow.gate.wait();
  }));
  ASSERT_TRUE(submit(Priority::kNormal, "a", nullptr));
  ASSERT_TRUE(submit(Priority::kNormal, "b", nullptr));
  first.gate.open();
  ASSERT_TRUE(slow.started.wait_for(1));

  // "a" and "b" wait, in the queue or in the worker's batch: either way they are queued
  // and take room, so the pool is full.
  EXPECT_EQ(pool.stats().queued, 2u);
  ASSERT_TRUE(submit(Priority::kHigh, "urgent", nullptr));
  ASSERT_TRUE(submit(Priority::kNormal, "c", nullptr));
  EXPECT_EQ(pool.submit(SubmitMode::reject(), [] {}).status, SubmitStatus::kQueueFull);
  EXPECT_EQ(pool.stats().queued, 4u);

  slow.gate.open();
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_THAT(order.names(), ElementsAre("quick", "slow", "urgent", "a", "b", "c"));
  EXPECT_EQ(pool.stats().completed, 7u);
}

TEST(WorkerPoolBatches, CancelSettlesTasksTakenInABatch) {
  Blocker first;
  testing::Counter slow_started;
  testing::ReportLog log;
  PoolOptions options;
  options.queue_capacity = 16;
  WorkerPool pool(options);
  GateOpener open_first(first.gate);
  testing::occupy_worker(pool, first);
  TaskOptions watched;
  watched.on_complete = log.callback();
  // Runs alone after the blocker and is short, so the worker takes the next four together.
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), [] {}).accepted());
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), TaskOptions(watched),
                          [&](TaskContext& ctx) {
                            slow_started.bump();
                            while (!ctx.stop_requested()) {
                              std::this_thread::sleep_for(1ms);
                            }
                          })
                  .accepted());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.submit(SubmitMode::reject(), TaskOptions(watched), [] {}).accepted());
  }
  first.gate.open();
  ASSERT_TRUE(slow_started.wait_for(1));
  pool.shutdown(ShutdownMode::kCancel);
  ASSERT_TRUE(log.wait_for(4));
  EXPECT_EQ(log.count(TaskOutcome::kCancelled), 3u);  // the three waiting behind the slow one
  EXPECT_EQ(log.count(TaskOutcome::kCompleted), 1u);  // it returned once asked to stop
  const auto stats = pool.stats();
  EXPECT_EQ(stats.cancelled, 3u);
  EXPECT_EQ(stats.submitted, stats.completed + stats.cancelled);
}

TEST(WorkerPoolBatches, EmptyFunctionsAreInvalidThroughEveryForm) {
  WorkerPool pool(PoolOptions{});
  EXPECT_EQ(pool.submit(SubmitMode::reject(), std::function<void()>()).status,
            SubmitStatus::kInvalidTask);
  EXPECT_EQ(pool.submit(SubmitMode::reject(), std::function<void(TaskContext&)>()).status,
            SubmitStatus::kInvalidTask);
  void (*none)() = nullptr;
  EXPECT_EQ(pool.submit(SubmitMode::reject(), none).status, SubmitStatus::kInvalidTask);
  EXPECT_EQ(pool.stats().rejected, 3u);
}

}  // namespace
}  // namespace loadgen::targets
