// stats() while submitters and workers run: consistent snapshots, exact totals at the end.
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;

TEST(WorkerPoolStats, SnapshotsStayConsistentUnderConcurrencyAndTotalsAreExact) {
  constexpr int kSubmitters = 3;
  constexpr int kPerSubmitter = 1000;
  PoolOptions options;
  options.min_threads = 2;
  options.max_threads = 4;
  options.queue_capacity = 64;  // small, so submitters really block and threads really grow
  options.idle_timeout = 5ms;
  options.error_logger = [](const TaskFailure&) {};
  WorkerPool pool(options);

  std::atomic<bool> done{false};
  std::atomic<int> inconsistent{0};
  std::atomic<int> snapshots{0};
  std::thread reader([&] {
    uint64_t last_completed = 0;
    while (!done) {
      const auto s = pool.stats();
      const uint64_t outcomes = s.completed + s.timed_out + s.cancelled + s.dead_lettered;
      if (outcomes > s.submitted || s.completed < last_completed || s.threads > 4) {
        ++inconsistent;
      }
      last_completed = s.completed;
      ++snapshots;
    }
  });

  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&pool] {
      for (int i = 0; i < kPerSubmitter; ++i) {
        TaskOptions task;
        task.max_retries = 1;
        const bool always_fails = i % 50 == 0;
        const bool fails_once = !always_fails && i % 10 == 0;
        pool.submit(SubmitMode::block_for(60s), std::move(task), [=](TaskContext& ctx) {
          if (always_fails || (fails_once && ctx.attempt() == 1)) {
            throw std::runtime_error("planned");
          }
        });
      }
    });
  }
  for (auto& t : submitters) {
    t.join();
  }
  pool.shutdown(ShutdownMode::kDrain);
  done = true;
  reader.join();

  EXPECT_EQ(inconsistent, 0);
  EXPECT_GT(snapshots, 0);
  constexpr uint64_t kTotal = kSubmitters * kPerSubmitter;
  constexpr uint64_t kDoomed = kSubmitters * (kPerSubmitter / 50);
  constexpr uint64_t kFlaky = kSubmitters * (kPerSubmitter / 10) - kDoomed;
  const auto s = pool.stats();
  EXPECT_EQ(s.submitted, kTotal);
  EXPECT_EQ(s.rejected, 0u);
  EXPECT_EQ(s.completed, kTotal - kDoomed);
  EXPECT_EQ(s.dead_lettered, kDoomed);
  EXPECT_EQ(s.failed, kFlaky + 2 * kDoomed);
  EXPECT_EQ(s.retried, kFlaky + kDoomed);
  EXPECT_EQ(s.completed + s.dead_lettered + s.timed_out + s.cancelled, s.submitted);
  const auto runs = static_cast<int64_t>(kTotal + s.retried);
  EXPECT_EQ(s.queue_wait_ns.total_count(), runs);
  EXPECT_EQ(s.run_time_ns.total_count(), runs);
  EXPECT_LE(s.peak_threads, 4u);
}

}  // namespace
}  // namespace loadgen::targets
