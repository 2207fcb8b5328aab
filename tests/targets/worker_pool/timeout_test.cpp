// Per-task deadlines: before the start (never run, reported timed out) and while running
// (the task sees it through its context).
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
using testing::Blocker;
using testing::GateOpener;
using testing::ReportLog;

TEST(WorkerPoolTimeout, ATaskNotStartedBeforeItsDeadlineIsNeverRun) {
  Blocker blocker;
  ReportLog log;
  std::atomic<bool> ran{false};
  WorkerPool pool(PoolOptions{});
  GateOpener opener(blocker.gate);
  testing::occupy_worker(pool, blocker);

  TaskOptions options;
  options.name = "late";
  options.timeout = 10ms;
  options.on_complete = log.callback();
  const auto submitted_at = std::chrono::steady_clock::now();
  const auto late = pool.submit(SubmitMode::reject(), std::move(options), [&] { ran = true; });
  ASSERT_TRUE(late.accepted());
  std::this_thread::sleep_until(submitted_at + 15ms);  // the deadline itself is the subject
  blocker.gate.open();

  ASSERT_TRUE(log.wait_for(1));
  const auto report = log.reports().at(0);
  EXPECT_EQ(report.id, late.id);
  EXPECT_EQ(report.outcome, TaskOutcome::kTimedOut);
  EXPECT_EQ(report.attempts, 0);
  EXPECT_EQ(report.run_time, 0ns);
  EXPECT_GE(report.queue_wait, 10ms);
  EXPECT_EQ(report.name, "late");
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_FALSE(ran);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.timed_out, 1u);
  EXPECT_EQ(stats.completed, 1u);
  EXPECT_EQ(stats.queue_wait_ns.total_count(), 1);  // only the blocker started
}

TEST(WorkerPoolTimeout, ARunningTaskSeesItsDeadlineAndStops) {
  ReportLog log;
  WorkerPool pool(PoolOptions{});
  TaskOptions options;
  options.timeout = 50ms;
  options.on_complete = log.callback();
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), std::move(options),
                          [](TaskContext& ctx) {
                            while (!ctx.stop_requested()) {
                              std::this_thread::sleep_for(1ms);
                            }
                            EXPECT_FALSE(ctx.pool_stop_token().stop_requested());
                            ctx.throw_if_stop_requested();
                            ADD_FAILURE()
                                << "throw_if_stop_requested() returned after the deadline";
                          })
                  .accepted());
  ASSERT_TRUE(log.wait_for(1));
  // On a very loaded machine the task may not even start in time; either way it times out.
  EXPECT_EQ(log.reports().at(0).outcome, TaskOutcome::kTimedOut);
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_EQ(pool.stats().timed_out, 1u);
  EXPECT_EQ(pool.stats().failed, 0u);
}

TEST(WorkerPoolTimeout, ATaskThatFinishesDespiteItsDeadlineCompletes) {
  ReportLog log;
  WorkerPool pool(PoolOptions{});
  TaskOptions options;
  options.timeout = 1h;
  options.on_complete = log.callback();
  ASSERT_TRUE(pool.submit(SubmitMode::reject(), std::move(options),
                          [](TaskContext& ctx) {
                            EXPECT_FALSE(ctx.stop_requested());
                            EXPECT_EQ(ctx.attempt(), 1);
                          })
                  .accepted());
  ASSERT_TRUE(log.wait_for(1));
  EXPECT_EQ(log.reports().at(0).outcome, TaskOutcome::kCompleted);
}

}  // namespace
}  // namespace loadgen::targets
