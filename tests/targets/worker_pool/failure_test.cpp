// Exceptions thrown by tasks: caught, logged with the task id, counted, retried, and finally
// dead-lettered, while the worker lives on.
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"
#include "tests/targets/worker_pool/pool_test_support.hpp"

namespace loadgen::targets {
namespace {

using ::testing::HasSubstr;
using testing::ReportLog;

struct LoggedFailure {
  TaskId id;
  std::string name;
  std::string error;
  int attempt;
  bool will_retry;
};

// Captures what the pool logs, from any worker.
class FailureLog {
 public:
  TaskErrorLogger logger() {
    return [this](const TaskFailure& f) {
      std::lock_guard lock(mutex_);
      failures_.push_back(
          {f.id, std::string(f.name), std::string(f.error), f.attempt, f.will_retry});
    };
  }
  std::vector<LoggedFailure> failures() {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  std::mutex mutex_;
  std::vector<LoggedFailure> failures_;
};

PoolOptions logging_to(FailureLog& log) {
  PoolOptions options;
  options.error_logger = log.logger();
  return options;
}

TaskOptions named(std::string name, int max_retries, ReportLog& reports) {
  TaskOptions options;
  options.name = std::move(name);
  options.max_retries = max_retries;
  options.on_complete = reports.callback();
  return options;
}

TEST(WorkerPoolFailures, AThrowingTaskIsLoggedWithItsIdCountedAndTheWorkerLivesOn) {
  FailureLog failures;
  ReportLog reports;
  WorkerPool pool(logging_to(failures));  // one thread: the next task proves it survived
  const auto bad = pool.submit(SubmitMode::reject(), named("explode", 0, reports),
                               [] { throw std::runtime_error("boom"); });
  const auto good = pool.submit(SubmitMode::reject(), named("fine", 0, reports), [] {});
  ASSERT_TRUE(reports.wait_for(2));
  const auto seen = reports.reports();
  EXPECT_EQ(seen[0].id, bad.id);
  EXPECT_EQ(seen[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(seen[0].error, "boom");
  EXPECT_EQ(seen[1].id, good.id);
  EXPECT_EQ(seen[1].outcome, TaskOutcome::kCompleted);

  const auto logged = failures.failures();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].id, bad.id);
  EXPECT_EQ(logged[0].name, "explode");
  EXPECT_EQ(logged[0].error, "boom");
  EXPECT_FALSE(logged[0].will_retry);

  pool.shutdown(ShutdownMode::kDrain);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.dead_lettered, 1u);
  EXPECT_EQ(stats.completed, 1u);
}

TEST(WorkerPoolFailures, TheDefaultLoggerWritesTheTaskIdToStderr) {
  TaskId id = 0;
  ::testing::internal::CaptureStderr();
  {
    WorkerPool pool(PoolOptions{});
    TaskOptions options;
    options.name = "import";
    id = pool.submit(SubmitMode::reject(), std::move(options),
                     [] { throw std::runtime_error("disk on fire"); })
             .id;
    pool.shutdown(ShutdownMode::kDrain);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(
      err, HasSubstr("task " + std::to_string(id) + " [import] attempt 1/1 failed: disk on fire"));
}

TEST(WorkerPoolFailures, NonStandardExceptionsAreCaughtToo) {
  FailureLog failures;
  ReportLog reports;
  WorkerPool pool(logging_to(failures));
  pool.submit(SubmitMode::reject(), named("odd", 0, reports), [] { throw 42; });
  ASSERT_TRUE(reports.wait_for(1));
  EXPECT_EQ(reports.reports().at(0).outcome, TaskOutcome::kFailed);
  EXPECT_THAT(reports.reports().at(0).error, HasSubstr("not derived from std::exception"));
}

TEST(WorkerPoolFailures, ARetriedTaskCanSucceed) {
  FailureLog failures;
  ReportLog reports;
  std::atomic<int> runs{0};
  WorkerPool pool(logging_to(failures));
  pool.submit(SubmitMode::reject(), named("flaky", 2, reports), [&](TaskContext& ctx) {
    EXPECT_EQ(ctx.attempt(), ++runs);
    if (ctx.attempt() < 3) {
      throw std::runtime_error("not yet");
    }
  });
  ASSERT_TRUE(reports.wait_for(1));
  EXPECT_EQ(reports.reports().at(0).outcome, TaskOutcome::kCompleted);
  EXPECT_EQ(reports.reports().at(0).attempts, 3);
  pool.shutdown(ShutdownMode::kDrain);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.failed, 2u);
  EXPECT_EQ(stats.retried, 2u);
  EXPECT_EQ(stats.completed, 1u);
  EXPECT_EQ(stats.dead_lettered, 0u);
  EXPECT_TRUE(pool.dead_letters().empty());
  ASSERT_EQ(failures.failures().size(), 2u);
  EXPECT_TRUE(failures.failures()[0].will_retry);
}

TEST(WorkerPoolFailures, ATaskFailingEveryAttemptIsDeadLettered) {
  FailureLog failures;
  ReportLog reports;
  WorkerPool pool(logging_to(failures));
  const auto doomed =
      pool.submit(SubmitMode::reject(), named("doomed", 2, reports), [](TaskContext& ctx) {
        throw std::runtime_error("attempt " + std::to_string(ctx.attempt()));
      });
  ASSERT_TRUE(reports.wait_for(1));
  const auto report = reports.reports().at(0);
  EXPECT_EQ(report.outcome, TaskOutcome::kFailed);
  EXPECT_EQ(report.attempts, 3);
  EXPECT_EQ(report.error, "attempt 3");

  const auto letters = pool.dead_letters();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].id, doomed.id);
  EXPECT_EQ(letters[0].name, "doomed");
  EXPECT_EQ(letters[0].last_error, "attempt 3");
  EXPECT_EQ(letters[0].attempts, 3);

  const auto logged = failures.failures();
  ASSERT_EQ(logged.size(), 3u);
  for (size_t i = 0; i < logged.size(); ++i) {
    EXPECT_EQ(logged[i].id, doomed.id);
    EXPECT_EQ(logged[i].attempt, static_cast<int>(i) + 1);
    EXPECT_EQ(logged[i].will_retry, i < 2);
  }
  pool.shutdown(ShutdownMode::kDrain);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.failed, 3u);
  EXPECT_EQ(stats.retried, 2u);
  EXPECT_EQ(stats.dead_lettered, 1u);
}

TEST(WorkerPoolFailures, TheDeadLetterListIsBounded) {
  FailureLog failures;
  ReportLog reports;
  PoolOptions options = logging_to(failures);
  options.dead_letter_capacity = 2;
  WorkerPool pool(options);
  for (int i = 0; i < 3; ++i) {
    pool.submit(SubmitMode::reject(), named("job-" + std::to_string(i), 0, reports),
                [] { throw std::runtime_error("no"); });
  }
  pool.shutdown(ShutdownMode::kDrain);
  const auto letters = pool.dead_letters();
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0].name, "job-1");
  EXPECT_EQ(letters[1].name, "job-2");
  EXPECT_EQ(pool.stats().dead_letters_dropped, 1u);
  EXPECT_EQ(pool.stats().dead_lettered, 3u);
}

TEST(WorkerPoolFailures, AThrowingCompletionCallbackIsLoggedNotPropagated) {
  FailureLog failures;
  WorkerPool pool(logging_to(failures));
  TaskOptions options;
  options.on_complete = [](const TaskReport&) { throw std::runtime_error("callback bug"); };
  const auto id = pool.submit(SubmitMode::reject(), std::move(options), [] {}).id;
  std::atomic<bool> next_ran{false};
  pool.submit(SubmitMode::reject(), [&] { next_ran = true; });
  pool.shutdown(ShutdownMode::kDrain);
  EXPECT_TRUE(next_ran);
  ASSERT_EQ(failures.failures().size(), 1u);
  EXPECT_EQ(failures.failures()[0].id, id);
  EXPECT_THAT(failures.failures()[0].error, HasSubstr("callback bug"));
}

}  // namespace
}  // namespace loadgen::targets
