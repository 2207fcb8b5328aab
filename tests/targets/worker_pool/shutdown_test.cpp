// Graceful drain, cancellation, their escalation, and what the destructor does.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"
#include "tests/targets/worker_pool/pool_test_support.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;
using testing::Counter;
using testing::eventually;
using testing::ReportLog;

PoolOptions threads(size_t n, size_t capacity = 1000) {
  PoolOptions options;
  options.min_threads = n;
  options.max_threads = n;
  options.queue_capacity = capacity;
  return options;
}

// A task that runs until the pool cancels, waiting on the pool's std::stop_token.
void wait_for_cancel(TaskContext& ctx, Counter& started) {
  started.bump();
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait(lock, ctx.pool_stop_token(), [] { return false; });
  ctx.throw_if_stop_requested();
}

TEST(WorkerPoolShutdown, DrainRunsEverythingQueuedAndLosesNothing) {
  ReportLog reports;
  std::atomic<int> ran{0};
  WorkerPool pool(threads(2));
  for (int i = 0; i < 500; ++i) {
    TaskOptions options;
    options.on_complete = reports.callback();
    ASSERT_TRUE(
        pool.submit(SubmitMode::block_for(30s), std::move(options), [&] { ++ran; }).accepted());
  }
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_EQ(ran, 500);
  EXPECT_EQ(reports.count(TaskOutcome::kCompleted), 500u);
  EXPECT_FALSE(pool.accepting());
  EXPECT_EQ(pool.submit(SubmitMode::reject(), [] {}).status, SubmitStatus::kShuttingDown);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.completed, 500u);
  EXPECT_EQ(stats.threads, 0u);
  EXPECT_EQ(stats.rejected, 1u);
}

TEST(WorkerPoolShutdown, DrainRunsRetriesToo) {
  ReportLog reports;
  PoolOptions options = threads(1);
  options.error_logger = [](const TaskFailure&) {};
  WorkerPool pool(options);
  TaskOptions retrying;
  retrying.max_retries = 3;
  retrying.on_complete = reports.callback();
  pool.submit(SubmitMode::reject(), std::move(retrying), [](TaskContext& ctx) {
    if (ctx.attempt() < 4) {
      throw std::runtime_error("again");
    }
  });
  pool.shutdown(ShutdownMode::kDrain);
  ASSERT_EQ(reports.reports().size(), 1u);
  EXPECT_EQ(reports.reports()[0].outcome, TaskOutcome::kCompleted);
  EXPECT_EQ(reports.reports()[0].attempts, 4);
}

TEST(WorkerPoolShutdown, CancelReportsQueuedTasksCancelledAndStopsTheRunningOne) {
  Counter started;
  ReportLog reports;
  std::atomic<int> queued_ran{0};
  WorkerPool pool(threads(1));
  TaskOptions running;
  running.name = "long";
  running.on_complete = reports.callback();
  const auto long_id = pool.submit(SubmitMode::reject(), std::move(running),
                                   [&](TaskContext& ctx) { wait_for_cancel(ctx, started); })
                           .id;
  ASSERT_TRUE(started.wait_for(1));
  for (int i = 0; i < 10; ++i) {
    TaskOptions options;
    options.priority = i % 2 == 0 ? Priority::kHigh : Priority::kLow;
    options.on_complete = reports.callback();
    ASSERT_TRUE(
        pool.submit(SubmitMode::reject(), std::move(options), [&] { ++queued_ran; }).accepted());
  }
  pool.shutdown(ShutdownMode::kCancel);

  EXPECT_EQ(queued_ran, 0);
  const auto seen = reports.reports();
  ASSERT_EQ(seen.size(), 11u);
  for (const auto& report : seen) {
    EXPECT_EQ(report.outcome, TaskOutcome::kCancelled) << "task " << report.id;
    EXPECT_EQ(report.attempts, report.id == long_id ? 1 : 0);
  }
  const auto stats = pool.stats();
  EXPECT_EQ(stats.cancelled, 11u);
  EXPECT_EQ(stats.submitted, 11u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST(WorkerPoolShutdown, CancelEscalatesADrainInProgress) {
  Counter started;
  ReportLog reports;
  WorkerPool pool(threads(1));
  pool.submit(SubmitMode::reject(), [&](TaskContext& ctx) { wait_for_cancel(ctx, started); });
  ASSERT_TRUE(started.wait_for(1));
  for (int i = 0; i < 5; ++i) {
    TaskOptions options;
    options.on_complete = reports.callback();
    pool.submit(SubmitMode::reject(), std::move(options), [] {});
  }
  // The drain cannot finish: its running task only stops when cancelled.
  std::thread drainer([&] { pool.shutdown(ShutdownMode::kDrain); });
  ASSERT_TRUE(eventually([&] { return !pool.accepting(); }));
  pool.shutdown(ShutdownMode::kCancel);
  drainer.join();
  EXPECT_EQ(reports.count(TaskOutcome::kCancelled), 5u);
  EXPECT_EQ(pool.stats().cancelled, 6u);
}

TEST(WorkerPoolShutdown, ARetryDueDuringCancelIsCancelled) {
  Counter started;
  ReportLog reports;
  PoolOptions options = threads(1);
  options.error_logger = [](const TaskFailure&) {};
  WorkerPool pool(options);
  TaskOptions retrying;
  retrying.max_retries = 5;
  retrying.on_complete = reports.callback();
  pool.submit(SubmitMode::reject(), std::move(retrying), [&](TaskContext& ctx) {
    started.bump();
    std::mutex mutex;
    std::condition_variable_any cv;
    std::unique_lock lock(mutex);
    cv.wait(lock, ctx.pool_stop_token(), [] { return false; });
    throw std::runtime_error("failed while being cancelled");
  });
  ASSERT_TRUE(started.wait_for(1));
  pool.shutdown(ShutdownMode::kCancel);
  ASSERT_EQ(reports.reports().size(), 1u);
  EXPECT_EQ(reports.reports()[0].outcome, TaskOutcome::kCancelled);
  EXPECT_EQ(reports.reports()[0].error, "failed while being cancelled");
  EXPECT_EQ(pool.stats().retried, 0u);
}

TEST(WorkerPoolShutdown, TheDestructorDrainsByDefault) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(threads(2));
    for (int i = 0; i < 200; ++i) {
      pool.submit(SubmitMode::block_for(30s), [&] { ++ran; });
    }
  }
  EXPECT_EQ(ran, 200);
}

TEST(WorkerPoolShutdown, TheDestructorCancelsWhenConfiguredTo) {
  Counter started;
  ReportLog reports;
  {
    PoolOptions options = threads(1);
    options.on_destroy = ShutdownMode::kCancel;
    WorkerPool pool(options);
    pool.submit(SubmitMode::reject(), [&](TaskContext& ctx) { wait_for_cancel(ctx, started); });
    ASSERT_TRUE(started.wait_for(1));
    for (int i = 0; i < 3; ++i) {
      TaskOptions task;
      task.on_complete = reports.callback();
      pool.submit(SubmitMode::reject(), std::move(task), [] {});
    }
  }
  EXPECT_EQ(reports.count(TaskOutcome::kCancelled), 3u);
}

TEST(WorkerPoolShutdown, ConcurrentShutdownCallsAllReturnOnceDown) {
  WorkerPool pool(threads(2));
  for (int i = 0; i < 100; ++i) {
    pool.submit(SubmitMode::block_for(30s), [] {});
  }
  std::vector<std::thread> stoppers;
  for (int i = 0; i < 3; ++i) {
    stoppers.emplace_back([&] { pool.shutdown(ShutdownMode::kDrain); });
  }
  for (auto& t : stoppers) {
    t.join();
  }
  EXPECT_EQ(pool.stats().completed, 100u);
  EXPECT_EQ(pool.stats().threads, 0u);
}

TEST(WorkerPoolShutdownDeathTest, ShutdownFromInsideATaskIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        WorkerPool pool(PoolOptions{});
        pool.submit(SubmitMode::reject(), [&] { pool.shutdown(ShutdownMode::kDrain); });
        std::this_thread::sleep_for(30s);
      },
      "called from one of its own tasks");
}

TEST(WorkerPoolOptions, TheConstructorRejectsBadOptionsWithEveryProblem) {
  PoolOptions options;
  options.min_threads = 0;
  options.queue_capacity = 0;
  try {
    WorkerPool pool(options);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("min_threads"), std::string::npos) << what;
    EXPECT_NE(what.find("queue_capacity"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace loadgen::targets
